/// The record of every ``Value`` computed on a thread: an arena of parallel
/// arrays that ``Value/backward(gradient:)`` sweeps in reverse.
///
/// Each thread has a current tape, created on first use; `Value(2.0)` records
/// on it. Most programs never name a tape:
///
///     let x = Value(3.0)
///     let y = x * x + x
///     y.backward()
///     print(x.grad)
///     // Prints "7.0"
///
/// ## Scopes: flat memory over any number of steps
///
/// Everything recorded inside ``scope(_:)-method`` is released when the scope ends;
/// values recorded before it (a model's parameters) persist and keep the
/// gradients the scope's ``Value/backward(gradient:)`` gave them:
///
///     let w = Value(0.5)
///     for _ in 0..<1_000 {
///       Tape.scope {
///         let loss = (w * 3 - 1).pow(2)
///         loss.backward()
///       }
///       w.data -= 0.01 * w.grad
///       w.zeroGrad()
///     }
///
/// A loop written without scopes keeps flat memory too: after
/// ``Value/backward(gradient:)`` and a write of a leaf's data, the next node
/// recorded releases the previous step first (the step rule, in the How
/// backward works guide). A scope is the explicit way, and releases the
/// first step's graph as well.
///
/// ## Threads
///
/// A tape is not `Sendable`: it belongs to the thread that created it, and so
/// do its values. A `Thread` or dispatch-queue closure that captures a value
/// does not compile; a value sent another way (Swift 6 lets `Task.detached`
/// take a value of a disconnected region, and an `await` may resume on
/// another thread) stops the program at its first use there, with a message.
/// The check is one compare of the thread pointer per use. Values of two
/// tapes never mix (combining them stops the program with a message).
/// Parallel work uses one tape per thread, which is what ``current`` gives.
///
/// - Complexity: Recording a node is O(1) amortised and takes 29 bytes
///   (``bytesPerNode``), plus 4 bytes per operand of a sum or dot product and
///   8 per constant.
public final class Tape {
  @usableFromInline let storage: UnsafeMutablePointer<TapeStorage>

  /// Creates an empty tape. To record on it, make it current with
  /// ``withCurrent(_:)`` or create leaves with ``Value/init(_:on:)``.
  ///
  ///     let tape = Tape()
  ///     let x = Value(2.0, on: tape)
  public init() {
    storage = TapeStorage.make()
    storage.pointee.owner = self
    storage.pointee.ownerThread = currentThread()
  }

  deinit {
    storage.pointee.ownerThread = 0
    TapeStorage.recycle(storage)
  }

  /// The current thread's tape, created the first time it is asked for.
  ///
  ///     let nodes = Tape.current.count
  public static var current: Tape {
    if let object = threadLocalObject() { return unsafeDowncast(object, to: Tape.self) }
    let tape = Tape()
    setThreadLocalObject(tape)
    return tape
  }

  /// The current thread's tape storage, without reference counting.
  @usableFromInline
  static var currentStorage: UnsafeMutablePointer<TapeStorage> {
    if let object = threadLocalObject() {
      return unsafeDowncast(object, to: Tape.self).storage
    }
    return current.storage
  }

  /// Runs `body` with this tape as the current thread's tape, then restores
  /// the previous one.
  ///
  ///     let tape = Tape()
  ///     let y = tape.withCurrent { () -> Double in
  ///       let x = Value(2.0)  // recorded on `tape`
  ///       return (x * x).data
  ///     }
  ///
  /// - Parameter body: The code to run.
  /// - Returns: What `body` returns.
  public func withCurrent<R>(_ body: () throws -> R) rethrows -> R {
    checkThread()
    let previous = threadLocalObject()
    setThreadLocalObject(self)
    defer { setThreadLocalObject(previous) }
    return try body()
  }

  /// Runs `body` and then releases every node it recorded on this tape.
  ///
  /// Values recorded before the scope persist: their data can be updated and
  /// their gradients read after it. Values recorded inside are released when
  /// it returns, so return plain `Double`s, not `Value`s; using a released
  /// value stops the program with a message. Scopes nest.
  ///
  ///     let w = Value(2.0)
  ///     let loss = Tape.current.scope { () -> Double in
  ///       let l = (w - 5).pow(2)
  ///       l.backward()
  ///       return l.data
  ///     }
  ///     print(loss, w.grad)
  ///     // Prints "9.0 -6.0"
  ///
  /// - Parameter body: The code to run.
  /// - Returns: What `body` returns.
  /// - Complexity: O(1) to open and to close; memory is kept for reuse, so a
  ///   loop of scopes allocates only on its first pass.
  public func scope<R>(_ body: () throws -> R) rethrows -> R {
    checkThread()
    let depth = storage.pointee.scopeMarks.count
    storage.pointee.beginScope()
    defer {
      while storage.pointee.scopeMarks.count > depth { storage.pointee.endScope() }
    }
    return try body()
  }

  /// Runs `body` in a scope of the current thread's tape: see
  /// ``scope(_:)-method``.
  ///
  ///     let loss = Tape.scope { ... }
  ///
  /// - Parameter body: The code to run.
  /// - Returns: What `body` returns.
  public static func scope<R>(_ body: () throws -> R) rethrows -> R {
    try current.scope(body)
  }

  /// Stops the program unless this is the tape's thread.
  @usableFromInline
  func checkThread() {
    if _slowPath(!storage.isOnOwnerThread) { Value.wrongThreadFailure(nil) }
  }

  /// Makes the calling thread the tape's thread. Only for the library's
  /// parallel training, which hands each shard's tape to one thread at a
  /// time and waits for it.
  func adoptCurrentThread() {
    storage.pointee.ownerThread = currentThread()
  }

  /// The number of nodes recorded and not yet released.
  public var count: Int { storage.pointee.count }

  /// Sets the gradient of every node on the tape to zero.
  ///
  ///     Tape.current.zeroGrad()
  ///
  /// - Complexity: O(``count``).
  public func zeroGrad() {
    checkThread()
    storage.grad.update(repeating: 0, count: storage.pointee.count)
  }

  /// Sets the gradient of each of `values` to zero.
  ///
  ///     tape.zeroGrad(model.parameters)
  ///
  /// - Parameter values: Values of this tape.
  public func zeroGrad(_ values: some Sequence<Value>) {
    for v in values {
      require(
        v.storage == storage, "Backprop: zeroGrad(_:) was given a value of another tape")
      v.zeroGrad()
    }
  }

  /// Releases every node, which makes every value of this tape invalid.
  ///
  ///     let tape = Tape()
  ///     tape.withCurrent { _ = Value(1.0) * 2 }
  ///     tape.removeAll(keepingCapacity: true)  // tape.count is now 0
  ///
  /// - Parameter keepingCapacity: Whether to keep the memory for reuse.
  public func removeAll(keepingCapacity: Bool = false) {
    checkThread()
    storage.pointee.removeAll(keepingCapacity: keepingCapacity)
  }

  /// The bytes of memory this tape holds now: node columns, side tables and
  /// the backward sweep's bitmap, at their allocated capacity.
  public var allocatedBytes: Int { storage.pointee.allocatedBytes }

  /// The bytes that one node takes in the tape's columns: op code (1),
  /// operand indices (4 + 4), value (8), gradient (8) and stamp (4).
  ///
  ///     let bytes = 1_000_000 * Tape.bytesPerNode  // a million nodes: 29 MB
  public static var bytesPerNode: Int { TapeStorage.bytesPerNodeSlot }
}

@_spi(Testing)
extension Tape {
  /// Moves the tape's generation to `generation`, for the test of what
  /// happens when 32-bit stamps run out (after 2³² − 1 releases).
  public func setGenerationForTesting(_ generation: UInt32) {
    storage.pointee.generation = generation
  }
}

@available(*, unavailable, message: "A Tape belongs to one thread")
extension Tape: Sendable {}
