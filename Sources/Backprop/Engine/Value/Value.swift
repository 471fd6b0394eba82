/// A scalar recorded on a ``Tape``: its value, and after ``backward(gradient:)`` the
/// derivative of an output with respect to it.
///
/// A `Value` is a 16-byte handle (a tape, an index, a stamp); creating one
/// records a node and computes its value at once. Operators and functions on
/// values record further nodes, so an expression leaves behind the graph that
/// ``backward(gradient:)`` walks:
///
///     let a = Value(2.0)
///     let b = Value(-3.0)
///     let c = (a * b + a.pow(2)).tanh() / 2 - 1
///     c.backward()
///     print(a.data, a.grad)
///     // Prints "2.0 -0.20998717080701323"
///
/// Float and integer literals make leaves too: `let x: Value = 3`.
///
/// A value belongs to the tape that was current on its thread when it was
/// created (``Tape/current``), and stays valid until that tape releases it: at
/// the end of the ``Tape/scope(_:)-method`` it was recorded in, when the tape is
/// reset or released, or, in a training loop without scopes, when the next
/// step starts recording after ``backward(gradient:)`` and an update of a
/// parameter's data (the step rule of the How backward works guide). Using
/// a released value, or combining values of two tapes, stops the program
/// with a message that says what to do.
///
/// `Value` is deliberately not `Sendable`: a tape belongs to one thread, and
/// using a value on another thread (sent to a task, say) stops the program
/// with a message at its first use there.
public struct Value {
  /// The tape's storage, as a raw pointer (no reference counting). Storage
  /// is never deallocated (see `TapeStorage`), so the pointer is always safe
  /// to follow, and a stale handle is caught by its stamp.
  @usableFromInline let storage: UnsafeMutablePointer<TapeStorage>
  /// The node's position on the tape.
  @usableFromInline let index: UInt32
  /// The tape's generation when the node was recorded.
  @usableFromInline let stamp: UInt32

  @inlinable @inline(__always)
  init(storage: UnsafeMutablePointer<TapeStorage>, index: UInt32, stamp: UInt32) {
    self.storage = storage
    self.index = index
    self.stamp = stamp
  }

  /// Creates a leaf (an input or a parameter) on the current thread's tape.
  ///
  ///     let w = Value(0.5)
  ///
  /// - Parameter data: The leaf's value.
  @inlinable
  public init(_ data: Double) {
    self = Tape.currentStorage.record(.leaf, 0, 0, data)
  }

  /// Creates a labelled leaf on the current thread's tape; the label appears
  /// in graph exports (``graphviz(digits:)``, ``mermaid(digits:)``).
  ///
  ///     let w = Value(0.5, label: "w")
  ///
  /// - Parameters:
  ///   - data: The leaf's value.
  ///   - label: A name for the leaf.
  public init(_ data: Double, label: String) {
    self.init(data)
    self.label = label
  }

  /// Creates a leaf on the given tape, whichever tape is current.
  ///
  ///     let tape = Tape()
  ///     let x = Value(1.5, on: tape)
  ///
  /// - Parameters:
  ///   - data: The leaf's value.
  ///   - tape: The tape to record it on.
  public init(_ data: Double, on tape: Tape) {
    tape.checkThread()
    self = tape.storage.record(.leaf, 0, 0, data)
  }

  /// Checks that this handle still names its node and returns its index.
  @inlinable @inline(__always)
  var node: Int {
    if _slowPath(!storage.isLive(index, stamp)) { Value.staleFailure(self) }
    return Int(index)
  }

  /// The value computed for this node.
  ///
  /// Setting it is allowed on leaves only (parameters and inputs): it does not
  /// recompute anything recorded from the leaf, so set data between steps,
  /// not in the middle of one.
  ///
  ///     let w = Value(1.0)
  ///     w.data -= 0.1
  ///     print(w.data)
  ///     // Prints "0.9"
  ///
  /// - Precondition: The value has not been released, and for setting, it is
  ///   a leaf.
  @inlinable
  public var data: Double {
    get {
      let i = node
      storage.pointee.reads &+= 1
      return storage.data[i]
    }
    nonmutating set {
      let i = node
      if _slowPath(storage.op[i] != .leaf) { Value.notLeafFailure(self) }
      storage.data[i] = newValue
      storage.pointee.noteDataWrite(upTo: i)
    }
  }

  /// The derivative of the output of the last ``backward(gradient:)`` calls with
  /// respect to this value.
  ///
  /// For a leaf, gradients from successive ``backward(gradient:)`` calls accumulate
  /// (`+=`) until ``zeroGrad()``. For an interior node, `grad` holds what the
  /// most recent sweep that reached it gave (PyTorch does not keep interior
  /// gradients at all; micrograd's accumulate and then propagate twice).
  ///
  /// - Precondition: The value has not been released.
  @inlinable
  public var grad: Double {
    get {
      let i = node
      storage.pointee.reads &+= 1
      return storage.grad[i]
    }
    nonmutating set { storage.grad[node] = newValue }
  }

  /// Sets this value's gradient to zero.
  ///
  ///     w.zeroGrad()
  public func zeroGrad() {
    storage.grad[node] = 0
  }

  /// Whether this value is a leaf (created by `Value(_:)` or a literal) rather
  /// than computed from other values.
  public var isLeaf: Bool { storage.op[node] == .leaf }

  /// Whether this handle still names a node: `false` once the scope it was
  /// recorded in has ended or its tape was reset or released.
  public var isValid: Bool {
    if _slowPath(!storage.isOnOwnerThread) { Value.staleFailure(self) }
    return storage.pointee.isLive(index, stamp)  // the thread is checked above
  }

  /// An optional name shown in graph exports.
  public var label: String? {
    get { storage.pointee.labels[UInt32(node)] }
    nonmutating set { storage.pointee.labels[UInt32(node)] = newValue }
  }

  /// The tape this value was recorded on.
  ///
  ///     let x = Value(1.0)
  ///     print(x.tape === Tape.current)
  ///     // Prints "true"
  ///
  /// - Precondition: The value has not been released.
  public var tape: Tape {
    _ = node
    guard let owner = storage.pointee.owner else { Value.staleFailure(self) }
    return owner
  }

  /// The position of this value's node on its tape, counting from 0 in
  /// creation order (a topological order of the graph).
  public var id: Int { node }

  // MARK: Failures

  @usableFromInline @inline(never)
  static func staleFailure(_ v: Value) -> Never {
    // On another thread, a handle that still names its node is used on the
    // wrong thread (the stamp is read here only to choose the message).
    let s = v.storage.pointee
    if s.ownerThread != currentThread() && s.ownerThread != 0 && Int(v.index) < s.count
      && s.stamp[Int(v.index)] == v.stamp
    {
      wrongThreadFailure(v)
    }
    let automatic =
      v.storage.pointee.steps.releases == 0
      ? ""
      : """
         Or it belongs to an earlier training step: after backward() and an \
        update of a parameter's data, the tape releases the previous step when \
        the next one starts recording. Keep `loss.data` (a Double) rather than \
        the Value, compute what you need from the step before the update, or \
        record values that must outlive a step before the loop.
        """
    fatalError(
      """
      Backprop: used a released Value (node #\(v.index)). It was recorded inside \
      a `scope { }` that has ended, or on a tape that was reset or released. \
      Keep what must outlive a scope outside it (parameters), or return plain \
      Doubles (`value.data`) from the scope.
      """ + automatic)
  }

  @usableFromInline @inline(never)
  static func wrongThreadFailure(_ v: Value?) -> Never {
    let which = v.map { "a Value (node #\($0.index))" } ?? "a tape"
    fatalError(
      """
      Backprop: used \(which) on a thread other than the one its tape belongs to. \
      A tape belongs to one thread, and so do its values: a Value sent to another \
      thread, task or dispatch queue (or kept across an `await` that resumed on \
      another thread) cannot be used there. Send plain Doubles (`value.data`) \
      between threads and record values on the thread that uses them; for \
      parallel training, use `TrainingOptions(threads:)`, which gives each \
      thread its own tape.
      """)
  }

  @usableFromInline @inline(never)
  static func notLeafFailure(_ v: Value) -> Never {
    fatalError(
      """
      Backprop: set `data` on node #\(v.index), which is computed (\
      \(v.storage.pointee.op[Int(v.index)].name)), not a leaf. Only leaves, made by \
      `Value(_:)` or a literal, can be updated in place.
      """)
  }

  @usableFromInline @inline(never)
  static func mixFailure(_ a: Value, _ b: Value) -> Never {
    if !a.storage.isLive(a.index, a.stamp) { staleFailure(a) }
    if !b.storage.isLive(b.index, b.stamp) { staleFailure(b) }
    fatalError(
      """
      Backprop: combined Values from two different tapes (nodes #\(a.index) and \
      #\(b.index)). Every value in one computation must come from the same tape: \
      create them on one thread, or inside the same `tape.withCurrent { }`.
      """)
  }

  /// Checks that `a` and `b` are live handles on one tape and returns it.
  @inlinable @inline(__always)
  static func storage(_ a: Value, _ b: Value) -> UnsafeMutablePointer<TapeStorage> {
    let s = a.storage
    if _slowPath(
      !(s == b.storage) || !s.isOnOwnerThread || !s.pointee.isLive(a.index, a.stamp)
        || !s.pointee.isLive(b.index, b.stamp))
    {
      mixFailure(a, b)
    }
    return s
  }
}

@available(*, unavailable, message: "A Value belongs to one thread's tape")
extension Value: Sendable {}

extension Value: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
  /// Creates a leaf from a float literal: `let x: Value = 2.5`.
  ///
  ///     let x: Value = 2.5
  ///     let xs: [Value] = [0.5, -1.5]  // two leaves
  ///
  /// - Parameter value: The leaf's value.
  @inlinable
  public init(floatLiteral value: Double) { self.init(value) }

  /// Creates a leaf from an integer literal: `let x: Value = 3`.
  ///
  ///     let n: Value = 3
  ///     print(n.data)
  ///     // Prints "3.0"
  ///
  /// - Parameter value: The leaf's value.
  @inlinable
  public init(integerLiteral value: Int) { self.init(Double(value)) }
}

extension Value: CustomStringConvertible {
  /// `Value(data: 2.0, grad: 0.0)`, as micrograd prints it; a released value
  /// prints as `Value(released)` rather than stopping the program.
  public var description: String {
    guard isValid else { return "Value(released)" }
    return "Value(data: \(data), grad: \(grad))"
  }
}
