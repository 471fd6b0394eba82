/// The set of interior nodes the backward sweep has reached but not yet
/// processed: a three-level bitmap over node indices.
///
/// Level 0 has one bit per node; a bit of level 1 says whether a word of level
/// 0 is non-zero, and a bit of level 2 whether a word of level 1 is. Finding
/// the highest pending node below the one just processed is a few word
/// operations however far below it is, so a sweep skips the nodes its output
/// does not reach (the stale graphs of earlier steps, in a training loop
/// written without scopes) in time proportional to what it does reach, not to
/// the tape. Every bit that is set is cleared before the sweep ends, so the
/// set is empty between sweeps and never needs clearing.
@usableFromInline
struct PendingSet {
  @usableFromInline var level0: UnsafeMutablePointer<UInt64>?
  @usableFromInline var level1: UnsafeMutablePointer<UInt64>?
  @usableFromInline var level2: UnsafeMutablePointer<UInt64>?
  /// The number of node indices the bitmap covers (a multiple of 2¹⁸).
  @usableFromInline var capacity = 0

  @usableFromInline init() {}

  /// Words needed at each level for `nodes` indices.
  static func words(for nodes: Int) -> (Int, Int, Int) {
    let w0 = (nodes + 63) >> 6
    let w1 = (w0 + 63) >> 6
    let w2 = (w1 + 63) >> 6
    return (w0, w1, w2)
  }

  /// Makes room for node indices below `nodes`, zero-filled.
  mutating func reserve(_ nodes: Int) {
    guard nodes > capacity else { return }
    let newCapacity = Swift.max(nodes, capacity * 2, 1 << 18)
    let rounded = (newCapacity + (1 << 18) - 1) & ~((1 << 18) - 1)
    let (old0, old1, old2) = Self.words(for: capacity)
    let (new0, new1, new2) = Self.words(for: rounded)
    level0 = Self.grow(level0, from: old0, to: new0)
    level1 = Self.grow(level1, from: old1, to: new1)
    level2 = Self.grow(level2, from: old2, to: new2)
    capacity = rounded
  }

  private static func grow(
    _ p: UnsafeMutablePointer<UInt64>?, from old: Int, to new: Int
  ) -> UnsafeMutablePointer<UInt64> {
    let q: UnsafeMutablePointer<UInt64> = reallocate(p, from: old, to: new)
    (q + old).initialize(repeating: 0, count: new - old)
    return q
  }

  mutating func release() {
    deallocate(level0)
    deallocate(level1)
    deallocate(level2)
    level0 = nil
    level1 = nil
    level2 = nil
    capacity = 0
  }

  var allocatedBytes: Int {
    let (w0, w1, w2) = Self.words(for: capacity)
    return (w0 + w1 + w2) * 8
  }
}
