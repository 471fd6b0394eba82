/// The arena behind a ``Tape``: parallel columns, one entry per node, and two
/// side tables.
///
/// Columns (29 bytes a node): `op` (1), `lhs` (4), `rhs` (4), `data` (8),
/// `grad` (8) and `stamp` (4), the generation in which the node was recorded.
/// Side tables: `operands` (the operand indices of n-ary nodes) and `constants`
/// (the `Double` parameter of ops like `x * c` or `leakyReLU(slope: c)`).
///
/// The buffers are raw memory, so recording a node is a handful of stores with
/// no reference counting, no copy-on-write check and no exclusivity check.
///
/// ## Growth without copies
///
/// The buffers live in address space reserved once, when the storage is made:
/// one `mmap` (`MAP_NORESERVE`) with a 2 MiB-aligned region per buffer, room
/// for 2²⁶ nodes and 2²⁴ operands and constants, about 2 GiB of address space
/// and no memory. The kernel commits each page when it is first touched, so
/// growing only raises `capacity` (doubling, to keep ``allocatedBytes`` within
/// twice the need): nothing is copied, no page is touched twice (a doubling
/// `realloc` touched each byte twice, and on this project's VM a first touch
/// costs about as much as the arithmetic). Past its reservation a buffer
/// moves to one twice as big with `mremap`, which moves page tables, not
/// bytes. No buffer is advised for huge pages (`MADV_HUGEPAGE`): with the
/// advice, the kernel compacts memory to find 2 MiB pages when they are first
/// touched, and on this project's VM the cold 3·10⁷-node chain took 2.3–2.7 s
/// with it against 0.84–0.88 s without (hand-written 0.32 s), while the warm
/// chain ran no faster with it (see the Performance guide).
///
/// Where reserving is not free (`reservingIsFree`: a limit on address space,
/// or strict overcommit accounting) or fails, the buffers are `malloc` memory,
/// grown by doubling with copies.
///
/// ## Memory kept and given back
///
/// Scopes and `removeAll(keepingCapacity: true)` keep the capacity and its
/// pages, so a loop of steps touches fresh memory on its first pass only;
/// `removeAll(keepingCapacity: false)` gives every page back (`MADV_DONTNEED`)
/// and keeps the reservation; a released tape's storage keeps the pages of
/// its first ``keptEntries`` entries of each buffer and gives back the rest.
///
/// ## Why values hold a raw pointer to it
///
/// A ``Value`` is 16 bytes: a pointer to this storage, an index and a stamp.
/// A strong reference to a class would cost an atomic retain and release for
/// every node recorded (measured: a third of the time of recording), and an
/// `unowned(unsafe)` one still does, once it is copied into a local. So the
/// storage is a struct at a fixed address that is **never deallocated**: when
/// a ``Tape`` is released, its storage gives back its memory (as above),
/// advances its generation (so every value still around is stale and is
/// rejected with a clear message) and goes back to a process-wide pool for the
/// next tape. A handful of 200-byte structs, and their reservations (address
/// space, not memory), is what this costs.
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
  /// `PendingSet.swift`). All zero between sweeps.
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
  /// The user-defined functions of `custom` nodes (their `rhs` indexes it),
  /// and each one's index, to record it again without a search.
  var functions: [ElementwiseFunction.Definition] = []
  var functionIndices: [ObjectIdentifier: Int] = [:]
  /// The tape that owns this storage now (nil while pooled).
  weak var owner: Tape?
  /// The thread the tape belongs to (``currentThread()`` there; 0 while
  /// pooled): every use of a value checks it (see `Value.swift`).
  @usableFromInline var ownerThread: UInt = 0

  /// Entries of address space reserved behind each node column, the operand
  /// table and the constant table; 0 where they are `malloc` memory.
  var reservedNodes = 0
  var reservedOperands = 0
  var reservedConstants = 0

  struct Mark {
    var count: Int
    var operandCount: Int
    var constantCount: Int
  }

  /// Creates empty storage whose buffers are reserved for `nodes` nodes,
  /// `operands` operands and `constants` constants; where reserving is not
  /// free or fails, its buffers are `malloc` memory.
  init(
    reservingNodes nodes: Int = 1 << 26, operands: Int = 1 << 24, constants: Int = 1 << 24
  ) {
    if reservingIsFree,
      let offsets = reservationLayout(
        Self.nodeStrides.map { (nodes, $0) } + [(operands, 4), (constants, 8)]),
      let total = offsets.last, let base = reserveAddressSpace(bytes: total)
    {
      op = (base + offsets[0]).bindMemory(to: OpCode.self, capacity: nodes)
      lhs = (base + offsets[1]).bindMemory(to: UInt32.self, capacity: nodes)
      rhs = (base + offsets[2]).bindMemory(to: UInt32.self, capacity: nodes)
      data = (base + offsets[3]).bindMemory(to: Double.self, capacity: nodes)
      grad = (base + offsets[4]).bindMemory(to: Double.self, capacity: nodes)
      stamp = (base + offsets[5]).bindMemory(to: UInt32.self, capacity: nodes)
      self.operands = (base + offsets[6]).bindMemory(to: UInt32.self, capacity: operands)
      self.constants = (base + offsets[7]).bindMemory(to: Double.self, capacity: constants)
      reservedNodes = nodes
      reservedOperands = operands
      reservedConstants = constants
      return
    }
    op = reallocate(nil, from: 0, to: 1)
    lhs = reallocate(nil, from: 0, to: 1)
    rhs = reallocate(nil, from: 0, to: 1)
    data = reallocate(nil, from: 0, to: 1)
    grad = reallocate(nil, from: 0, to: 1)
    stamp = reallocate(nil, from: 0, to: 1)
    self.operands = reallocate(nil, from: 0, to: 1)
    self.constants = reallocate(nil, from: 0, to: 1)
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
      stop(
        """
        Backprop: the tape is full (\(Self.maxNodes) nodes, the most 32-bit indices \
        can address). Record each step inside `Tape.scope { }` so that its nodes \
        are released when it ends, or use a fresh Tape.
        """)
    }
    let newCapacity = Swift.min(Swift.max(minimum, capacity * 2, 1024), Self.maxNodes)
    if reservedNodes > 0 {
      // Nothing to allocate: pages are committed as they are first touched.
      // Past the reservation, the columns move (their pages, not bytes).
      let newReserved = Self.reservation(reservedNodes, toHold: newCapacity, limit: Self.maxNodes)
      if newReserved > reservedNodes { moveNodeColumns(toHold: newReserved) }
    } else {
      op = reallocate(op, from: capacity, to: newCapacity)
      lhs = reallocate(lhs, from: capacity, to: newCapacity)
      rhs = reallocate(rhs, from: capacity, to: newCapacity)
      data = reallocate(data, from: capacity, to: newCapacity)
      grad = reallocate(grad, from: capacity, to: newCapacity)
      stamp = reallocate(stamp, from: capacity, to: newCapacity)
    }
    capacity = newCapacity
  }

  @usableFromInline
  mutating func growConstants(minimum: Int) {
    let newCapacity = Self.grownCapacity(constantCapacity, minimum: minimum, floor: 256, table: "constant")
    if reservedConstants > 0 {
      Self.extend(&constants, reserved: &reservedConstants, from: constantCapacity, to: newCapacity)
    } else {
      constants = reallocate(constants, from: constantCapacity, to: newCapacity)
    }
    constantCapacity = newCapacity
  }

  @usableFromInline
  mutating func growOperands(minimum: Int) {
    let newCapacity = Self.grownCapacity(operandCapacity, minimum: minimum, floor: 1024, table: "operand")
    if reservedOperands > 0 {
      Self.extend(&operands, reserved: &reservedOperands, from: operandCapacity, to: newCapacity)
    } else {
      operands = reallocate(operands, from: operandCapacity, to: newCapacity)
    }
    operandCapacity = newCapacity
  }

  /// A side table's next capacity: doubled, at least `minimum` and `floor`,
  /// at most 2³² − 1 entries (its indices are 32-bit).
  static func grownCapacity(_ current: Int, minimum: Int, floor: Int, table: String) -> Int {
    guard minimum <= Int(UInt32.max) else {
      stop(
        """
        Backprop: the tape's \(table) table is full (\(UInt32.max) entries). Record \
        each step inside `Tape.scope { }` so that its nodes are released when it \
        ends, or use a fresh Tape.
        """)
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
    functions = []
    functionIndices = [:]
    steps = StepState()
    recordLimit = 0
    if !keepingCapacity { releaseMemory(keeping: 0) }
  }

  /// Bytes of the buffers up to their capacity, plus the backward sweep's
  /// bitmap: what the tape holds or, in reserved buffers, may fill without
  /// growing (a page is committed when first touched). Capacity doubles, so
  /// this is at most about twice what the nodes recorded since the memory was
  /// last given back need. (Pages kept for the next tape count once in use.)
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

  /// Makes every handle into `storage` stale, gives its memory back except
  /// the pages of the first ``keptEntries`` entries of each buffer, and keeps
  /// it for a later tape.
  static func recycle(_ storage: UnsafeMutablePointer<TapeStorage>) {
    storage.pointee.removeAll(keepingCapacity: true)
    storage.pointee.releaseMemory(keeping: keptEntries)
    storage.pointee.owner = nil
    poolLock.withLock { pool.append(storage) }
  }

  /// The entries of each buffer whose pages a released tape's storage keeps
  /// for the next tape: 2¹⁵, at most 1.3 MiB. The next tape is usually small
  /// (a training shard's, a test's) and starts on warm pages; a big tape's
  /// memory goes back, since the pool keeps a storage for the process's life.
  static let keptEntries = 1 << 15
}

// MARK: - Reserved memory

extension TapeStorage {
  /// The bytes of an entry of each node column, in the order of the columns.
  static let nodeStrides = [MemoryLayout<OpCode>.stride, 4, 4, 8, 8, 4]

  /// Each node column's address and entry size.
  var nodeColumns: Zip2Sequence<[UnsafeMutableRawPointer], [Int]> {
    zip(
      [.init(op), .init(lhs), .init(rhs), .init(data), .init(grad), .init(stamp)],
      Self.nodeStrides)
  }

  /// The entries to reserve for `capacity`: `reserved` if it holds them, or
  /// else twice as many (at least `capacity`, at most `limit`).
  static func reservation(_ reserved: Int, toHold capacity: Int, limit: Int) -> Int {
    capacity <= reserved ? reserved : Swift.min(Swift.max(capacity, reserved * 2), limit)
  }

  /// Moves the node columns to a new reservation for `nodes` nodes.
  mutating func moveNodeColumns(toHold nodes: Int) {
    guard let offsets = reservationLayout(Self.nodeStrides.map { (nodes, $0) }),
      let base = reserveAddressSpace(bytes: offsets[Self.nodeStrides.count])
    else { outOfMemory(bytes: nodes * Self.bytesPerNodeSlot) }
    let (old, used) = (reservedNodes, capacity)
    movePages(&op, reserved: old, used: used, to: base + offsets[0], holding: nodes)
    movePages(&lhs, reserved: old, used: used, to: base + offsets[1], holding: nodes)
    movePages(&rhs, reserved: old, used: used, to: base + offsets[2], holding: nodes)
    movePages(&data, reserved: old, used: used, to: base + offsets[3], holding: nodes)
    movePages(&grad, reserved: old, used: used, to: base + offsets[4], holding: nodes)
    movePages(&stamp, reserved: old, used: used, to: base + offsets[5], holding: nodes)
    reservedNodes = nodes
  }

  /// Grows a reserved side table from `capacity` to `newCapacity` entries,
  /// moving it to a new reservation if its `reserved` entries are too few.
  static func extend<T>(
    _ buffer: inout UnsafeMutablePointer<T>, reserved: inout Int, from capacity: Int,
    to newCapacity: Int
  ) {
    let stride = MemoryLayout<T>.stride
    let newReserved = reservation(reserved, toHold: newCapacity, limit: Int(UInt32.max))
    if newReserved > reserved {
      guard let offsets = reservationLayout([(newReserved, stride)]),
        let base = reserveAddressSpace(bytes: offsets[1])
      else { outOfMemory(bytes: newReserved * stride) }
      movePages(&buffer, reserved: reserved, used: capacity, to: base, holding: newReserved)
      reserved = newReserved
    }
  }

  /// Gives the buffers' memory back to the system and sets their capacity to
  /// zero, except that the pages of the first `kept` entries of each buffer
  /// stay committed; the reservations stay. `malloc` buffers shrink to one
  /// entry.
  mutating func releaseMemory(keeping kept: Int) {
    pending.release()
    guard reservedNodes > 0 else {
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
      return
    }
    // Pages are committed below the capacity, and below what an earlier
    // release kept (`keptEntries` at most).
    let end = { (capacity: Int, reserved: Int) in
      Swift.min(Swift.max(capacity, Self.keptEntries), reserved)
    }
    for (base, stride) in nodeColumns {
      discardPages(base, stride: stride, from: kept, to: end(capacity, reservedNodes))
    }
    discardPages(operands, stride: 4, from: kept, to: end(operandCapacity, reservedOperands))
    discardPages(constants, stride: 8, from: kept, to: end(constantCapacity, reservedConstants))
    capacity = 0
    operandCapacity = 0
    constantCapacity = 0
  }
}
