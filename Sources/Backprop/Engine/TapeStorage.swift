/// The arena behind a ``Tape``: parallel columns, one entry per node, and two
/// side tables.
///
/// Columns (29 bytes a node): `op` (1), `lhs` (4), `rhs` (4), `data` (8),
/// `grad` (8) and `stamp` (4), the generation in which the node was recorded.
/// Side tables: `operands` (the operand indices of n-ary nodes) and `constants`
/// (the `Double` parameter of ops like `x * c` or `leakyReLU(slope: c)`).
///
/// The buffers are raw `malloc` memory, grown by doubling, so recording a node
/// is a handful of stores with no reference counting, no copy-on-write check
/// and no exclusivity check.
///
/// ## Why values hold a raw pointer to it
///
/// A ``Value`` is 16 bytes: a pointer to this storage, an index and a stamp.
/// A strong reference to a class would cost an atomic retain and release for
/// every node recorded (measured: a third of the time of recording), and an
/// `unowned(unsafe)` one still does, once it is copied into a local. So the
/// storage is a struct at a fixed address that is **never deallocated**: when
/// a ``Tape`` is released, its storage frees its buffers, advances its
/// generation (so every value still around is stale and is rejected with a
/// clear message) and goes back to a process-wide pool for the next tape. A
/// handful of empty 200-byte structs is what this costs.
@usableFromInline
struct TapeStorage {
  /// The largest number of nodes a tape holds: indices are 32-bit.
  @usableFromInline static let maxNodes = Int(UInt32.max) - 1

  @usableFromInline var count = 0
  @usableFromInline var capacity = 0
  /// Where the record hot path leaves for ``prepareRecord(_:_:_:)``: equal to
  /// `capacity` while nothing is pending, lowered (to 0) when a step boundary
  /// may be due, so that the automatic rule costs the hot path no extra
  /// branch (see `StepBoundary.swift`).
  @usableFromInline var recordLimit = 0
  @usableFromInline var op: UnsafeMutablePointer<OpCode>
  @usableFromInline var lhs: UnsafeMutablePointer<UInt32>
  @usableFromInline var rhs: UnsafeMutablePointer<UInt32>
  @usableFromInline var data: UnsafeMutablePointer<Double>
  @usableFromInline var grad: UnsafeMutablePointer<Double>
  @usableFromInline var stamp: UnsafeMutablePointer<UInt32>
  /// The stamp given to nodes recorded now. It advances whenever nodes are
  /// released (a scope ends, the tape is reset or released), so an index that
  /// is reused never matches a stamp from before.
  @usableFromInline var generation: UInt32 = 1

  @usableFromInline var operands: UnsafeMutablePointer<UInt32>
  @usableFromInline var operandCount = 0
  @usableFromInline var operandCapacity = 0
  @usableFromInline var constants: UnsafeMutablePointer<Double>
  @usableFromInline var constantCount = 0
  @usableFromInline var constantCapacity = 0

  /// The backward sweep's set of pending nodes: a three-level bitmap (see
  /// `Backward.swift`). All zero between sweeps.
  var pending = PendingSet()

  /// Where each open scope started.
  var scopeMarks: [Mark] = []
  /// How many times `data` or `grad` of a value was read through the public
  /// API: a `Recording` compares it before and after its body, to know
  /// whether the body could have branched on the data.
  @usableFromInline var reads = 0
  /// The automatic step rule's state (see `StepBoundary.swift`).
  var steps = StepState()
  /// Optional node labels, for graph exports.
  var labels: [UInt32: String] = [:]
  /// The tape that owns this storage now (nil while pooled).
  weak var owner: Tape?
  /// The thread the tape belongs to (``currentThread()`` there; 0 while
  /// pooled): every use of a value checks it (see `Value.swift`).
  @usableFromInline var ownerThread: UInt = 0

  struct Mark {
    var count: Int
    var operandCount: Int
    var constantCount: Int
  }

  init() {
    op = reallocate(nil, from: 0, to: 1)
    lhs = reallocate(nil, from: 0, to: 1)
    rhs = reallocate(nil, from: 0, to: 1)
    data = reallocate(nil, from: 0, to: 1)
    grad = reallocate(nil, from: 0, to: 1)
    stamp = reallocate(nil, from: 0, to: 1)
    operands = reallocate(nil, from: 0, to: 1)
    constants = reallocate(nil, from: 0, to: 1)
    capacity = 1
    operandCapacity = 1
    constantCapacity = 1
  }

  // MARK: Recording

  /// Appends `c` to the constant table and returns its index.
  @inlinable @inline(__always)
  mutating func appendConstant(_ c: Double) -> UInt32 {
    let i = constantCount
    if _slowPath(i == constantCapacity) { growConstants(minimum: i + 1) }
    constants[i] = c
    constantCount = i &+ 1
    return UInt32(truncatingIfNeeded: i)
  }

  /// Reserves `n` entries of the operand table and returns the first one's index.
  @inlinable @inline(__always)
  mutating func reserveOperands(_ n: Int) -> Int {
    let start = operandCount
    if _slowPath(start + n > operandCapacity) { growOperands(minimum: start + n) }
    operandCount = start + n
    return start
  }

  @usableFromInline
  mutating func grow(minimum: Int) {
    guard minimum <= Self.maxNodes else {
      fatalError(
        """
        Backprop: the tape is full (\(Self.maxNodes) nodes, the most 32-bit indices \
        can address). Record each step inside `tape.scope { }` so that its nodes \
        are released, or use a fresh Tape.
        """)
    }
    let newCapacity = Swift.min(Swift.max(minimum, capacity * 2, 1024), Self.maxNodes)
    op = reallocate(op, from: capacity, to: newCapacity)
    lhs = reallocate(lhs, from: capacity, to: newCapacity)
    rhs = reallocate(rhs, from: capacity, to: newCapacity)
    data = reallocate(data, from: capacity, to: newCapacity)
    grad = reallocate(grad, from: capacity, to: newCapacity)
    stamp = reallocate(stamp, from: capacity, to: newCapacity)
    capacity = newCapacity
  }

  @usableFromInline
  mutating func growConstants(minimum: Int) {
    let newCapacity = Self.grownCapacity(constantCapacity, minimum: minimum, floor: 256, table: "constant")
    constants = reallocate(constants, from: constantCapacity, to: newCapacity)
    constantCapacity = newCapacity
  }

  @usableFromInline
  mutating func growOperands(minimum: Int) {
    let newCapacity = Self.grownCapacity(operandCapacity, minimum: minimum, floor: 1024, table: "operand")
    operands = reallocate(operands, from: operandCapacity, to: newCapacity)
    operandCapacity = newCapacity
  }

  /// A side table's next capacity: doubled, at least `minimum` and `floor`,
  /// at most 2³² − 1 entries (its indices are 32-bit).
  static func grownCapacity(_ current: Int, minimum: Int, floor: Int, table: String) -> Int {
    guard minimum <= Int(UInt32.max) else {
      fatalError("Backprop: the tape's \(table) table is full (\(UInt32.max) entries).")
    }
    return Swift.min(Swift.max(minimum, current * 2, floor), Int(UInt32.max))
  }

  // MARK: Checking handles

  /// Whether `value` still names the node it was created for (on any
  /// thread: values check their thread through the pointer's `isLive`).
  @inlinable @inline(__always)
  func isLive(_ index: UInt32, _ valueStamp: UInt32) -> Bool {
    Int(index) < count && stamp[Int(index)] == valueStamp
  }

  // MARK: Releasing

  /// Opens a scope: nodes recorded from now on are released by ``endScope()``.
  mutating func beginScope() {
    scopeMarks.append(
      Mark(count: count, operandCount: operandCount, constantCount: constantCount))
  }

  /// Releases every node recorded since the matching ``beginScope()``.
  mutating func endScope() {
    guard let mark = scopeMarks.popLast() else {
      fatalError("Backprop: endScope() without a matching beginScope()")
    }
    truncate(to: mark)
    // A boundary that was held back while the scope was open may be due now.
    recordLimit = 0
  }

  /// Releases the nodes from `mark.count` on; their indices will be reused, so
  /// the generation advances and old handles to them become stale.
  mutating func truncate(to mark: Mark) {
    if count > mark.count {
      if !labels.isEmpty {
        labels = labels.filter { Int($0.key) < mark.count }
      }
      count = mark.count
      advanceGeneration()
    }
    operandCount = mark.operandCount
    constantCount = mark.constantCount
    steps.truncated(to: mark)
  }

  /// Moves to the next generation, so that handles to released nodes never
  /// match again. Stamps are 32-bit: rather than wrap (when a handle from
  /// 2³² releases ago would name a new node), the program stops.
  mutating func advanceGeneration() {
    guard generation < UInt32.max else {
      stop(
        """
        Backprop: this tape has released nodes \(UInt32.max) times, the most its \
        32-bit stamps can tell apart; a handle from the first release would \
        name a new node. Use a fresh Tape (or `removeAll()` and new values) \
        for the next 4 billion steps.
        """)
    }
    generation += 1
  }

  /// Releases every node and, when `keepingCapacity` is false, the memory.
  mutating func removeAll(keepingCapacity: Bool) {
    // Open scopes stay open, now starting from an empty tape, so that what
    // they record after this is still released when they end.
    let empty = Mark(count: 0, operandCount: 0, constantCount: 0)
    scopeMarks = scopeMarks.map { _ in empty }
    truncate(to: empty)
    advanceGeneration()
    labels = [:]
    steps = StepState()
    recordLimit = 0
    if !keepingCapacity {
      op = reallocate(op, from: capacity, to: 1)
      lhs = reallocate(lhs, from: capacity, to: 1)
      rhs = reallocate(rhs, from: capacity, to: 1)
      data = reallocate(data, from: capacity, to: 1)
      grad = reallocate(grad, from: capacity, to: 1)
      stamp = reallocate(stamp, from: capacity, to: 1)
      capacity = 1
      operands = reallocate(operands, from: operandCapacity, to: 1)
      operandCapacity = 1
      constants = reallocate(constants, from: constantCapacity, to: 1)
      constantCapacity = 1
      pending.release()
    }
  }

  /// Bytes of memory held by this tape's buffers.
  var allocatedBytes: Int {
    capacity * Self.bytesPerNodeSlot + operandCapacity * 4 + constantCapacity * 8
      + pending.allocatedBytes
  }

  /// Bytes of the per-node columns for one node.
  static let bytesPerNodeSlot =
    MemoryLayout<OpCode>.stride + 4 + 4 + 8 + 8 + 4

  // MARK: The pool

  /// Storage whose tapes were released, ready for reuse.
  nonisolated(unsafe) private static var pool: [UnsafeMutablePointer<TapeStorage>] = []
  private static let poolLock = Lock()

  /// Storage for a new tape: a pooled one if there is one. It is never
  /// deallocated (see the type's documentation).
  static func make() -> UnsafeMutablePointer<TapeStorage> {
    if let reused = poolLock.withLock({ pool.popLast() }) { return reused }
    let fresh = UnsafeMutablePointer<TapeStorage>.allocate(capacity: 1)
    fresh.initialize(to: TapeStorage())
    return fresh
  }

  /// Frees `storage`'s memory, makes every handle into it stale, and keeps it
  /// for a later tape.
  static func recycle(_ storage: UnsafeMutablePointer<TapeStorage>) {
    storage.pointee.removeAll(keepingCapacity: false)
    storage.pointee.owner = nil
    poolLock.withLock { pool.append(storage) }
  }
}

/// The hot operations, on the pointer that values hold, so that recording a
/// node involves no reference counting at all.
extension UnsafeMutablePointer where Pointee == TapeStorage {
  @inlinable var data: UnsafeMutablePointer<Double> { pointee.data }
  @inlinable var grad: UnsafeMutablePointer<Double> { pointee.grad }
  @inlinable var op: UnsafeMutablePointer<OpCode> { pointee.op }
  @inlinable var operands: UnsafeMutablePointer<UInt32> { pointee.operands }

  /// Appends a node and returns a handle to it.
  @inlinable @inline(__always)
  func record(_ code: OpCode, _ a: UInt32, _ b: UInt32, _ value: Double) -> Value {
    var i = pointee.count
    var a = a
    var b = b
    if _slowPath(i >= pointee.recordLimit) { (i, a, b) = pointee.prepareRecord(code, a, b) }
    let generation = pointee.generation
    pointee.op[i] = code
    pointee.lhs[i] = a
    pointee.rhs[i] = b
    pointee.data[i] = value
    pointee.grad[i] = 0
    pointee.stamp[i] = generation
    pointee.count = i &+ 1
    return Value(storage: self, index: UInt32(truncatingIfNeeded: i), stamp: generation)
  }

  @inlinable @inline(__always)
  func appendConstant(_ c: Double) -> UInt32 { pointee.appendConstant(c) }

  @inlinable @inline(__always)
  func reserveOperands(_ n: Int) -> Int { pointee.reserveOperands(n) }

  /// Whether `value` still names the node it was created for, and this is
  /// the tape's thread.
  @inlinable @inline(__always)
  func isLive(_ index: UInt32, _ valueStamp: UInt32) -> Bool {
    isOnOwnerThread && pointee.isLive(index, valueStamp)
  }

  /// Whether this is the tape's thread. (Read here, on the pointer, and not
  /// in a method of the struct: a struct method that reads the thread
  /// pointer makes Swift copy the whole struct around it, which cost 4× on
  /// the chain benchmark.)
  @inlinable @inline(__always)
  var isOnOwnerThread: Bool { pointee.ownerThread == currentThread() }
}
