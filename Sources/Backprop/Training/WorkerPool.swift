// Threads that run the shards of a batch in parallel training. A step of a
// small model takes tens of microseconds, so waking a sleeping thread for
// each one (several microseconds with a condition variable, more with
// Dispatch) would eat the gain: the workers spin for a while between jobs
// and only then sleep.

#if canImport(Synchronization)
  import Synchronization
#endif

/// Runs numbered tasks, each exactly once, and returns when all are done.
protocol TaskRunner: AnyObject {
  /// The number of threads that run tasks, the caller's included.
  var threadCount: Int { get }
  /// Runs `body(0) … body(count − 1)`, in any order and on any of the
  /// threads, and returns when every one has returned.
  func run(tasks count: Int, _ body: (Int) -> Void)
}

/// Runs the tasks in order on the calling thread.
final class SerialRunner: TaskRunner {
  var threadCount: Int { 1 }
  func run(tasks count: Int, _ body: (Int) -> Void) {
    for t in 0..<count { body(t) }
  }
}

/// Makes the runner for `threads` threads: a ``WorkerPool`` when there is
/// more than one and the platform has atomics, else a ``SerialRunner``
/// (whose results are the same: which thread runs a task never changes what
/// the task computes).
func makeTaskRunner(threads: Int) -> any TaskRunner {
  #if canImport(Synchronization)
    if threads > 1, #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *) {
      return WorkerPool(threads: threads)
    }
  #endif
  return SerialRunner()
}

#if canImport(Synchronization)
  /// `threads − 1` worker threads and the caller, taking tasks from a shared
  /// counter.
  ///
  /// A job is published by advancing `epoch`; each worker claims task
  /// numbers from `next` until they run out and then checks in on
  /// `checkedIn`. ``run(tasks:_:)`` returns once every task has finished
  /// and every worker has checked in, so no worker still reads the job when
  /// the next one is written. Between jobs a worker spins (yielding the
  /// processor now and then), and after some tens of thousands of empty
  /// spins it sleeps on a condition variable until the next job or the end.
  @available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *)
  final class WorkerPool: TaskRunner, @unchecked Sendable {
    let threadCount: Int
    private let epoch = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let checkedIn = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let sleepers = Lock()
    /// The job and its size: written only while every worker is checked in,
    /// read by workers after they see `epoch` advance.
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private nonisolated(unsafe) var taskCount = 0
    private var threads: [OSThread] = []

    init(threads count: Int) {
      threadCount = Swift.max(1, count)
      for _ in 1..<threadCount {
        // unowned(unsafe): the threads are joined in deinit, before the pool
        // is freed (a checked unowned reference traps once deinit has begun).
        threads.append(OSThread { [unowned(unsafe) self] in self.work() })
      }
    }

    deinit {
      stopping.store(true, ordering: .sequentiallyConsistent)
      sleepers.withLock { sleepers.broadcast() }
      for thread in threads { thread.join() }
    }

    func run(tasks count: Int, _ body: (Int) -> Void) {
      guard count > 1, threadCount > 1 else {
        for t in 0..<count { body(t) }
        return
      }
      withoutActuallyEscaping(body) { body in
        job = body
        taskCount = count
        next.store(0, ordering: .relaxed)
        finished.store(0, ordering: .relaxed)
        checkedIn.store(0, ordering: .relaxed)
        epoch.add(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) > 0 {
          sleepers.withLock { sleepers.broadcast() }
        }
        claimTasks(body, count: count)
        var spins = 0
        while finished.load(ordering: .acquiring) < count
          || checkedIn.load(ordering: .acquiring) < threadCount - 1
        {
          spins += 1
          if spins & 1023 == 0 { yieldProcessor() }
        }
        job = nil
      }
    }

    /// Runs tasks from the shared counter until there are none left.
    private func claimTasks(_ body: (Int) -> Void, count: Int) {
      while true {
        let t = next.add(1, ordering: .relaxed).oldValue
        if t >= count { return }
        body(t)
        finished.add(1, ordering: .releasing)
      }
    }

    /// A worker thread's loop.
    private func work() {
      var seen = 0
      while true {
        var spins = 0
        var current = epoch.load(ordering: .acquiring)
        while current == seen {
          if stopping.load(ordering: .relaxed) { return }
          spins += 1
          if spins & 255 == 0 { yieldProcessor() }
          if spins > 20_000 {
            sleep(until: seen)
            spins = 0
          }
          current = epoch.load(ordering: .acquiring)
        }
        seen = current
        if let job { claimTasks(job, count: taskCount) }
        checkedIn.add(1, ordering: .releasing)
      }
    }

    /// Sleeps until the epoch moves past `seen` or the pool stops.
    private func sleep(until seen: Int) {
      sleepers.withLock {
        sleeping.add(1, ordering: .sequentiallyConsistent)
        while epoch.load(ordering: .sequentiallyConsistent) == seen
          && !stopping.load(ordering: .sequentiallyConsistent)
        {
          sleepers.wait()
        }
        sleeping.subtract(1, ordering: .sequentiallyConsistent)
      }
    }
  }
#endif
