// The ring of arrays an MLP's fast path returns its outputs in, reused once
// their callers have let go of them.

/// The arrays an MLP returns, kept to be filled again once their caller
/// has let go of them: creating an array costs an allocation and, later, a
/// release (about 100 ns here, a fifth of a call of micrograd's model), and
/// training loops drop a step's outputs before the next step asks for new
/// ones. The slots form a ring, so that a batch's outputs, held together
/// until the loss is recorded, are free again a step later.
///
/// Writing into a slot's array is an ordinary mutation of an array: if
/// someone still holds it, copy-on-write gives the slot a copy of its own
/// first (then it costs what a new array costs), so what a caller holds
/// never changes.
///
/// It has no lock, and needs none: only the fast path touches it, and the
/// fast path runs only after the plan's parameters pass their live check,
/// which includes the check that this is their tape's thread (a call from
/// another thread takes the general path and stops there with the thread
/// message), so one pool is only ever used on one thread.
final class OutputPool {
  @exclusivity(unchecked) private var slots: [[Value]]
  @exclusivity(unchecked) private var next = 0
  /// The largest arrays kept: beyond it an allocation is small beside the
  /// call, and slots would hold on to much memory.
  static let largest = 64

  init(slots: Int = 256) { self.slots = Array(repeating: [], count: slots) }

  /// An array of `count` handles written by `body`.
  func make(count: Int, _ body: (UnsafeMutableBufferPointer<Value>) -> Void) -> [Value] {
    func fresh() -> [Value] {
      [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
        body(buffer)
        initialized = count
      }
    }
    guard count <= Self.largest else { return fresh() }
    let k = next
    next = k + 1 == slots.count ? 0 : k + 1
    if slots[k].count == count {
      slots[k].withUnsafeMutableBufferPointer { body($0) }
    } else {
      slots[k] = fresh()
    }
    return slots[k]
  }
}
