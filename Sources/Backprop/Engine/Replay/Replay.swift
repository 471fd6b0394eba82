// Replay: a graph whose structure does not depend on the data is recorded
// once and then run again with new leaf values — forward over the same tape
// region, then `backward()` as usual — with no recording, no allocation and
// no operand checks.

/// A graph recorded once and replayed with new leaf values.
///
///     let w = Value(0.5)
///     let x = Value(2.0)
///     let recording = Recording { (w * x - 1).pow(2) }
///     print(recording.output.data)
///     // Prints "0.0"
///     w.data = 1.5
///     let loss = recording.replay()  // recomputed, nothing recorded
///     print(loss.data)
///     // Prints "4.0"
///
/// `replay()` recomputes every node the body recorded from the current data
/// of the leaves it uses (parameters recorded before, or leaves created in
/// the body and kept by the caller), with the same formulas as recording, so
/// the results are bit-identical to recording the body again. It is faster
/// than recording in creation order: independent dot products (the neurons
/// of one layer) are computed four at a time, each still summed left to
/// right (see `ReplaySchedule.swift`).
///
/// **The guard.** A recording is only valid while the body would record the
/// same graph: Swift code that branches on a value (`if x.data > 0 { … }`)
/// would take its old branch forever. The body can only branch on values by
/// reading `data` or `grad`, so the recording counts those reads: a body that
/// read any is not replayable, and `replay()` records it again instead (it
/// then must be the last thing on its tape). ``isReplayable`` says which.
public final class Recording {
  /// The tape the body was recorded on.
  public let tape: Tape
  /// The body's result; after ``replay()`` its data is recomputed.
  public private(set) var output: Value
  /// Whether the body read no value's `data` or `grad` while recording, so
  /// its graph cannot depend on the data and ``replay()`` recomputes it
  /// without recording.
  public let isReplayable: Bool

  private let body: () -> Value
  private let start: TapeStorage.Mark
  /// The order replay recomputes the recorded nodes in (see
  /// `ReplaySchedule`), for a replayable recording.
  private let schedule: ReplaySchedule?

  /// Records `body` on `tape` (the current thread's tape by default).
  ///
  ///     let recording = Recording { model([0.5, -1.0])[0] }
  ///
  /// - Parameters:
  ///   - tape: Where to record; the current thread's tape by default.
  ///   - body: Builds the graph and returns its output, a value recorded by
  ///     the body itself.
  /// - Precondition: The output was recorded by `body` on `tape`.
  public init(on tape: Tape? = nil, _ body: @escaping () -> Value) {
    let tape = tape ?? Tape.current
    let s = tape.storage
    self.tape = tape
    self.body = body
    start = TapeStorage.Mark(
      count: s.pointee.count, operandCount: s.pointee.operandCount,
      constantCount: s.pointee.constantCount)
    s.pointee.noteRecording(1)
    let readsBefore = s.pointee.reads
    let output = tape.withCurrent(body)
    isReplayable = s.pointee.reads == readsBefore
    require(
      output.storage == s && output.isValid && output.id >= start.count,
      "Backprop: a Recording's body must return a value it recorded on the recording's tape")
    self.output = output
    schedule = isReplayable ? ReplaySchedule(s.pointee, first: start.count, through: output.id) : nil
  }

  deinit {
    tape.storage.pointee.noteRecording(-1)
  }

  /// Recomputes the recorded graph from the leaves' current data and
  /// returns the output (whose data is now up to date); for a recording
  /// that is not replayable, records the body again.
  ///
  ///     w.data -= 0.1 * w.grad
  ///     let loss = recording.replay()
  ///     loss.backward()
  ///
  /// - Returns: ``output``.
  /// - Precondition: The recorded nodes have not been released (by the end
  ///   of a scope they were recorded in, or a reset); for a recording that
  ///   is not replayable, nothing was recorded on the tape after it.
  /// - Complexity: O(n) for the n nodes the body recorded, with no
  ///   allocation.
  @discardableResult
  public func replay() -> Value {
    let s = tape.storage
    require(
      output.isValid,
      "Backprop: replayed a Recording whose nodes were released (a scope ended or the tape was reset)"
    )
    if let schedule {
      s.replayForward(schedule)
      return output
    }
    require(
      s.pointee.count == output.id + 1,
      "Backprop: a Recording whose body reads data is recorded again on replay, so it must be the last thing on its tape"
    )
    s.pointee.truncate(to: start)
    output = tape.withCurrent(body)
    return output
  }
}

@available(*, unavailable, message: "A Recording belongs to one thread's tape")
extension Recording: Sendable {}
