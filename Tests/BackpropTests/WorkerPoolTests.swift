@testable import Backprop
import Foundation
import Testing

// The threads of parallel training: every task runs exactly once, on any
// number of threads, job after job, also after the workers have gone to
// sleep between jobs.

/// One counter per task, written by whichever thread runs it.
private final class Counters: @unchecked Sendable {
  let slots: UnsafeMutableBufferPointer<Int>
  init(_ count: Int) {
    slots = .allocate(capacity: count)
    slots.initialize(repeating: 0)
  }
  deinit { slots.deallocate() }
}

@Suite("Worker threads")
struct WorkerPoolTests {
  @Test("each task runs exactly once", arguments: [1, 2, 3, 8])
  func eachTaskRunsOnce(threads: Int) {
    let runner = makeTaskRunner(threads: threads)
    #expect(runner.threadCount == threads)
    for tasks in [0, 1, 2, 5, 64] {
      let counters = Counters(Swift.max(tasks, 1))
      runner.run(tasks: tasks) { t in counters.slots[t] += 1 }
      #expect(Array(counters.slots.prefix(tasks)) == Array(repeating: 1, count: tasks))
    }
  }

  @Test func manyJobsInARow() {
    let runner = makeTaskRunner(threads: 3)
    let counters = Counters(7)
    for _ in 0..<5_000 {
      runner.run(tasks: 7) { t in counters.slots[t] += 1 }
    }
    #expect(Array(counters.slots) == Array(repeating: 5_000, count: 7))
  }

  @Test func jobsAfterTheWorkersWentToSleep() {
    let runner = makeTaskRunner(threads: 2)
    let counters = Counters(4)
    for _ in 0..<5 {
      Thread.sleep(forTimeInterval: 0.02)  // long enough for the workers to sleep
      runner.run(tasks: 4) { t in counters.slots[t] += 1 }
    }
    #expect(Array(counters.slots) == Array(repeating: 5, count: 4))
  }

  @Test func oneThreadRunsInOrderOnTheCaller() {
    let runner = makeTaskRunner(threads: 1)
    var order: [Int] = []
    runner.run(tasks: 5) { order.append($0) }
    #expect(order == [0, 1, 2, 3, 4])
  }
}
