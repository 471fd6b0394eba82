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
/// ## Why values hold an unowned(unsafe) reference
///
/// A ``Value`` is 16 bytes: this storage, an index and a stamp. A strong
/// reference would cost an atomic retain and release for every node recorded,
/// which alone is slower than the arithmetic. Instead, storage objects are
/// **never deallocated**: when a ``Tape`` is released, its storage frees its
/// buffers, advances its generation (so every value still around is stale and
/// is rejected with a clear message) and goes back to a process-wide pool for
/// the next tape. A handful of empty storage objects is what this costs.
@usableFromInline
final class TapeStorage {
  /// The largest number of nodes a tape holds: indices are 32-bit.
  @usableFromInline static let maxNodes = Int(UInt32.max) - 1

  @usableFromInline @exclusivity(unchecked) var count = 0
  @usableFromInline @exclusivity(unchecked) var capacity = 0
  @usableFromInline @exclusivity(unchecked) var op: UnsafeMutablePointer<OpCode>
  @usableFromInline @exclusivity(unchecked) var lhs: UnsafeMutablePointer<UInt32>
  @usableFromInline @exclusivity(unchecked) var rhs: UnsafeMutablePointer<UInt32>
  @usableFromInline @exclusivity(unchecked) var data: UnsafeMutablePointer<Double>
  @usableFromInline @exclusivity(unchecked) var grad: UnsafeMutablePointer<Double>
  @usableFromInline @exclusivity(unchecked) var stamp: UnsafeMutablePointer<UInt32>
  /// The stamp given to nodes recorded now. It advances whenever nodes are
  /// released (a scope ends, the tape is reset or released), so an index that
  /// is reused never matches a stamp from before.
  @usableFromInline @exclusivity(unchecked) var generation: UInt32 = 1

  @usableFromInline @exclusivity(unchecked) var operands: UnsafeMutablePointer<UInt32>
  @usableFromInline @exclusivity(unchecked) var operandCount = 0
  @usableFromInline @exclusivity(unchecked) var operandCapacity = 0
  @usableFromInline @exclusivity(unchecked) var constants: UnsafeMutablePointer<Double>
  @usableFromInline @exclusivity(unchecked) var constantCount = 0
  @usableFromInline @exclusivity(unchecked) var constantCapacity = 0

  /// The backward sweep's set of pending nodes: a three-level bitmap (see
  /// `Backward.swift`). All zero between sweeps.
  @exclusivity(unchecked) var pending = PendingSet()

  /// Where each open scope started.
  var scopeMarks: [Mark] = []
  /// Optional node labels, for graph exports.
  var labels: [UInt32: String] = [:]

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

  /// Appends a node and returns a handle to it.
  @inlinable @inline(__always)
  func record(_ code: OpCode, _ a: UInt32, _ b: UInt32, _ value: Double) -> Value {
    let i = count
    if _slowPath(i == capacity) { grow(minimum: i + 1) }
    op[i] = code
    lhs[i] = a
    rhs[i] = b
    data[i] = value
    grad[i] = 0
    stamp[i] = generation
    count = i &+ 1
    return Value(storage: self, index: UInt32(truncatingIfNeeded: i), stamp: generation)
  }

  /// Appends `c` to the constant table and returns its index.
  @inlinable @inline(__always)
  func appendConstant(_ c: Double) -> UInt32 {
    let i = constantCount
    if _slowPath(i == constantCapacity) { growConstants(minimum: i + 1) }
    constants[i] = c
    constantCount = i &+ 1
    return UInt32(truncatingIfNeeded: i)
  }

  /// Reserves `n` entries of the operand table and returns the first one's index.
  @inlinable @inline(__always)
  func reserveOperands(_ n: Int) -> Int {
    let start = operandCount
    if _slowPath(start + n > operandCapacity) { growOperands(minimum: start + n) }
    operandCount = start + n
    return start
  }

  @usableFromInline
  func grow(minimum: Int) {
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
  func growConstants(minimum: Int) {
    guard minimum <= Int(UInt32.max) else {
      fatalError("Backprop: the tape's constant table is full (\(UInt32.max) entries).")
    }
    let newCapacity = Swift.min(Swift.max(minimum, constantCapacity * 2, 256), Int(UInt32.max))
    constants = reallocate(constants, from: constantCapacity, to: newCapacity)
    constantCapacity = newCapacity
  }

  @usableFromInline
  func growOperands(minimum: Int) {
    guard minimum <= Int(UInt32.max) else {
      fatalError("Backprop: the tape's operand table is full (\(UInt32.max) entries).")
    }
    let newCapacity = Swift.min(Swift.max(minimum, operandCapacity * 2, 1024), Int(UInt32.max))
    operands = reallocate(operands, from: operandCapacity, to: newCapacity)
    operandCapacity = newCapacity
  }

  // MARK: Checking handles

  /// Whether `value` still names the node it was created for.
  @inlinable @inline(__always)
  func isLive(_ index: UInt32, _ valueStamp: UInt32) -> Bool {
    Int(index) < count && stamp[Int(index)] == valueStamp
  }

  // MARK: Releasing

  /// Opens a scope: nodes recorded from now on are released by ``endScope()``.
  func beginScope() {
    scopeMarks.append(
      Mark(count: count, operandCount: operandCount, constantCount: constantCount))
  }

  /// Releases every node recorded since the matching ``beginScope()``.
  func endScope() {
    guard let mark = scopeMarks.popLast() else {
      fatalError("Backprop: endScope() without a matching beginScope()")
    }
    truncate(to: mark)
  }

  /// Releases the nodes from `mark.count` on; their indices will be reused, so
  /// the generation advances and old handles to them become stale.
  func truncate(to mark: Mark) {
    if count > mark.count {
      if !labels.isEmpty {
        labels = labels.filter { Int($0.key) < mark.count }
      }
      count = mark.count
      generation &+= 1
    }
    operandCount = mark.operandCount
    constantCount = mark.constantCount
  }

  /// Releases every node and, when `keepingCapacity` is false, the memory.
  func removeAll(keepingCapacity: Bool) {
    scopeMarks.removeAll()
    truncate(to: Mark(count: 0, operandCount: 0, constantCount: 0))
    generation &+= 1
    labels = [:]
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

  /// Storage objects whose tapes were released, ready for reuse.
  nonisolated(unsafe) private static var pool: [TapeStorage] = []
  private static let poolLock = Lock()

  /// A storage object for a new tape: a pooled one if there is one.
  static func make() -> TapeStorage {
    poolLock.withLock { pool.popLast() } ?? TapeStorage()
  }

  /// Frees this storage's memory, makes every handle into it stale, and keeps
  /// the object for a later tape.
  func recycle() {
    removeAll(keepingCapacity: false)
    Self.poolLock.withLock { Self.pool.append(self) }
  }
}
