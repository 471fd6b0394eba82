// Tests of `Tape`: the current tape of each thread, `withCurrent`, `removeAll` and memory
// accounting (scopes and the traps are in TapeTests+*.swift).
//
// Every test records on a fresh tape (made current with `withCurrent`), never
// on the current tape of the test's thread, which other tests share.

import Backprop
import Dispatch
import Foundation
import Testing

@Suite("Tape")
struct TapeTests {
  struct Failure: Error {}

  /// Carries facts out of a `Thread`; its fields are written before one
  /// semaphore is signalled and read after it is waited on.
  final class ThreadReport: @unchecked Sendable {
    var tape: ObjectIdentifier?
    var countBefore = -1
    var countAfter = -1
    var isValid = false
    var onCurrentTape = false
    var grad = 0.0
    let recorded = DispatchSemaphore(value: 0)
    let mayFinish = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
  }

  // MARK: - The current tape

  @Test func leavesAndLiteralsRecordOnTheCurrentTape() {
    let tape = Tape()
    tape.withCurrent {
      #expect(Tape.current === tape)
      #expect(tape.count == 0)
      let a = Value(2.0)
      let b: Value = 3
      let c: Value = 1.5
      #expect(tape.count == 3)
      #expect([a.id, b.id, c.id] == [0, 1, 2] as [Int])
      #expect(a.isLeaf && b.isLeaf && c.isLeaf)
      #expect(b.data == 3 && c.data == 1.5)
      let d = a * b
      #expect(a.tape === tape && b.tape === tape && d.tape === tape)
      #expect(d.id == 3)
      #expect(!d.isLeaf)
      #expect(tape.count == 4)
    }
  }

  @Test func currentTapeIsTheSameObjectEachTime() {
    #expect(Tape.current === Tape.current)
  }

  @Test func withCurrentSwitchesAndRestores() {
    let outer = Tape()
    let inner = Tape()
    outer.withCurrent {
      _ = Value(1.0)
      let result = inner.withCurrent { () -> Double in
        #expect(Tape.current === inner)
        let x = Value(2.0)
        return (x * x).data
      }
      #expect(result == 4)
      #expect(Tape.current === outer)
      #expect(outer.count == 1)
      #expect(inner.count == 2)
    }
  }

  @Test func withCurrentRestoresWhenItsBodyThrows() {
    let outer = Tape()
    let inner = Tape()
    outer.withCurrent {
      #expect(throws: Failure.self) {
        try inner.withCurrent {
          _ = Value(1.0)
          throw Failure()
        }
      }
      #expect(Tape.current === outer)
      #expect(inner.count == 1)
      #expect(outer.count == 0)
    }
  }

  @Test func valueOnATapeRecordsThereWhicheverTapeIsCurrent() {
    let current = Tape()
    let other = Tape()
    current.withCurrent {
      let x = Value(1.5, on: other)
      #expect(x.tape === other)
      #expect(current.count == 0)
      #expect(other.count == 1)
      // Operations record on the tape of their operands, not the current one.
      let y = x * x + x
      #expect(current.count == 0)
      #expect(other.count == 3)
      #expect(y.tape === other)
      y.backward()
      #expect(x.grad == 2 * 1.5 + 1)
    }
  }

  @Test func eachThreadHasItsOwnCurrentTape() {
    let report = ThreadReport()
    let mine = Tape.current
    let myCount = mine.count
    let thread = Thread {
      let tape = Tape.current
      report.tape = ObjectIdentifier(tape)
      report.countBefore = tape.count
      let x = Value(3.0)
      let y = x * x
      y.backward()
      report.countAfter = tape.count
      report.isValid = x.isValid
      report.onCurrentTape = x.tape === tape && y.tape === tape
      report.grad = x.grad
      report.recorded.signal()
      // Stay alive, and keep the tape, until the other thread has compared.
      report.mayFinish.wait()
      report.finished.signal()
    }
    thread.start()
    report.recorded.wait()
    #expect(report.tape != ObjectIdentifier(mine))
    #expect(report.countAfter == report.countBefore + 2)
    #expect(report.isValid)
    #expect(report.onCurrentTape)
    #expect(report.grad == 6)
    #expect(Tape.current === mine)
    #expect(mine.count == myCount)
    report.mayFinish.signal()
    report.finished.wait()
  }

  /// A thread's current tape, and the memory of its nodes, are released
  /// when the thread ends.
  @Test func aThreadsCurrentTapeIsReleasedWhenTheThreadEnds() {
    final class WeakTape: @unchecked Sendable {
      weak var tape: Tape?
      let done = DispatchSemaphore(value: 0)
    }
    let box = WeakTape()
    let thread = Thread {
      let tape = Tape.current
      box.tape = tape
      var x = Value(0.5)
      for _ in 0..<10_000 { x = x * x + x }
      box.done.signal()
    }
    thread.start()
    box.done.wait()
    // The thread releases its tape as it exits, just after signalling.
    let deadline = Date().addingTimeInterval(10)
    while box.tape != nil && Date() < deadline { usleep(1_000) }
    #expect(box.tape == nil)
  }

  // MARK: - removeAll

  @Test(arguments: [false, true])
  func removeAllReleasesEveryValue(keepingCapacity: Bool) {
    let tape = Tape()
    tape.withCurrent {
      let leaves = (0..<5_000).map { Value(Double($0)) }
      leaves[0].label = "first"
      let total = Value.sum(leaves) * 2
      total.backward()
      let bytes = tape.allocatedBytes
      tape.removeAll(keepingCapacity: keepingCapacity)
      #expect(tape.count == 0)
      #expect(!total.isValid)
      #expect(leaves.allSatisfy { !$0.isValid })
      #expect("\(leaves[0])" == "Value(released)")
      if keepingCapacity {
        #expect(tape.allocatedBytes == bytes)
      } else {
        #expect(tape.allocatedBytes < 200)
      }
      // The tape records again from index 0; old handles stay invalid.
      let x = Value(4.0)
      #expect(x.id == 0)
      #expect(x.label == nil)
      let y = x * x
      y.backward()
      #expect(x.grad == 8)
      #expect(!leaves[0].isValid)
      #expect(!leaves[1].isValid)
    }
  }

  /// `scope` releases every node recorded inside it, also when its body
  /// resets the tape first: nothing recorded after the reset outlives the
  /// scope, so memory stays flat.
  @Test func scopeReleasesWhatWasRecordedAfterRemoveAllInsideIt() {
    let tape = Tape()
    tape.withCurrent {
      let inside = tape.scope { () -> Value in
        tape.removeAll(keepingCapacity: true)
        let x = Value(1.0)
        return x * x
      }
      #expect(!inside.isValid)
      #expect(tape.count == 0)
    }
  }

  // MARK: - Memory accounting

  @Test func bytesPerNodeIsTwentyNine() {
    #expect(Tape.bytesPerNode == 29)
  }

  @Test func allocatedBytesCoverTheColumns() {
    let tape = Tape()
    let emptyBytes = tape.allocatedBytes
    #expect(emptyBytes >= 0 && emptyBytes < 200)
    tape.withCurrent {
      var x = Value(0.5)
      let half = 0.5  // a constant of the node, not a literal leaf
      for _ in 0..<100_000 { x = x + x * half }
      let count = tape.count
      #expect(count == 1 + 2 * 100_000)
      let bytes = tape.allocatedBytes
      // The columns (29 bytes a node) and 100,000 constants (8 bytes each),
      // at most doubled by growth.
      #expect(bytes >= count * Tape.bytesPerNode + 100_000 * 8)
      #expect(bytes <= 2 * (count * Tape.bytesPerNode + 100_000 * 8) + 4096)
      // The backward sweep adds a bitmap: about one bit a node.
      x.backward()
      let withBitmap = tape.allocatedBytes
      #expect(withBitmap > bytes)
      #expect(withBitmap <= bytes + 2 * (count / 8 + 1) + 4096)
    }
  }

  @Test func valueDescriptionAndProperties() {
    let tape = Tape()
    tape.withCurrent {
      let a = Value(2.0)
      #expect("\(a)" == "Value(data: 2.0, grad: 0.0)")
      #expect(a.description == "Value(data: 2.0, grad: 0.0)")
      let three = 3.0
      let b = a * three
      b.backward()
      #expect(b.description == "Value(data: 6.0, grad: 1.0)")
      #expect(a.description == "Value(data: 2.0, grad: 3.0)")
      #expect(a.isLeaf && !b.isLeaf)
      #expect(a.isValid && b.isValid)
      #expect(a.id == 0 && b.id == 1)
      #expect(a.label == nil)
      let named = Value(1.0, label: "bias")
      #expect(named.label == "bias")
      #expect(named.isLeaf)
      b.label = "product"
      #expect(b.label == "product")
    }
  }

  @Test func zeroGradOfChosenValues() {
    let tape = Tape()
    tape.withCurrent {
      let a = Value(1.0)
      let b = Value(2.0)
      let c = Value(3.0)
      let y = a * b * c
      y.backward()
      tape.zeroGrad([a, c])
      #expect(a.grad == 0)
      #expect(b.grad == 3)
      #expect(c.grad == 0)
      tape.zeroGrad()
      #expect(b.grad == 0)
      #expect(y.grad == 0)
    }
  }
}
