// The automatic step rule: how a training loop written without scopes, as
// micrograd's notebook and seed 004's loop are, keeps flat memory.
//
// A step of such a loop records a graph, runs `backward()`, writes the
// parameters' data (`p.data -= lr * p.grad`, or an optimiser's `step()`),
// and starts recording the next graph. The graph of the step before is dead
// at that point (PyTorch's in-place rule: writing a leaf a graph was computed
// from makes the graph stale), so the first node recorded after
// "backward, then a leaf's data written" is a **step boundary**: the tape
// releases the nodes of the previous step before it records the new one.
//
// - Nothing recorded before the first boundary is ever released by the rule:
//   the parameters, inputs and constants made before the loop, and the first
//   step's graph (which the engine cannot tell from them). Every later step
//   reuses the nodes of the step before, so memory stays flat and recording
//   runs on warm memory, as in a loop of scopes.
// - A leaf written after a `backward()` (a parameter) is never released by
//   the rule, even one created inside a step (a layer that makes its weights
//   on first use): releases stop below it.
// - Values of the previous step stay readable until the next step records
//   its first node, so `print(loss.data)` after the update works. If that
//   first node uses a value of the previous step, the step is not over and
//   nothing is released.
// - The rule waits while a `Tape.scope { }` is open (a scope is the explicit
//   rule, and the library's own loops use scopes) and while a `Recording` of
//   the tape is alive (its nodes are replayed in place).
//
// It costs the record hot path nothing: `recordLimit` is lowered when a
// boundary may be due, so the check `count >= recordLimit` that catches a
// full tape also sends the first record after a write to `prepareRecord`.
//
// Candidates measured before choosing this (Performance guide): a counted
// reference from every `Value` to its chunk of the tape, released when the
// last handle into the chunk goes (candidate (a) of issue 10), cost 8–12 %
// on the chain benchmark and tripled the fan-in benchmark, from the retain
// and release of every handle copy.

/// The automatic step rule's state for one tape.
struct StepState {
  enum Phase {
    /// No `backward()` since the last boundary.
    case idle
    /// `backward()` ran since the last boundary.
    case backwardRan
    /// And a leaf's data was written since: the next record is a boundary.
    case armed
  }
  var phase = Phase.idle
  /// Where the current step's nodes begin; nil until the first boundary
  /// (and after a release below it).
  var stepStart: TapeStorage.Mark?
  /// One past the highest leaf written after a `backward()`: the rule never
  /// releases below it.
  var protectedEnd = 0
  /// How many boundaries released nodes, for the message of a stale value.
  var releases = 0
  /// `Recording`s of this tape alive now: boundaries wait for them.
  var recordings = 0
  /// `backward()` calls since nodes were last released, and the node count
  /// then: for the warning that a tape grows step after step.
  var backwardsSinceRelease = 0
  var countAtRelease = 0

  /// Nodes from `mark.count` on were released (by a scope, a reset or a
  /// boundary).
  mutating func truncated(to mark: TapeStorage.Mark) {
    if let start = stepStart, start.count > mark.count { stepStart = nil }
    protectedEnd = Swift.min(protectedEnd, mark.count)
    countAtRelease = mark.count
    backwardsSinceRelease = 0
  }
}

/// A tape larger than this that keeps growing across `backward()` calls
/// gets a warning on standard error, once per process (2²⁴ nodes: 490 MB).
let growthWarningNodes = 1 << 24
nonisolated(unsafe) private var warnedAboutGrowth = false
private let warningLock = Lock()

extension TapeStorage {
  /// `backward()` ran on this tape.
  mutating func noteBackward() {
    if steps.phase == .idle { steps.phase = .backwardRan }
    steps.backwardsSinceRelease += 1
    if _slowPath(
      steps.backwardsSinceRelease >= 2 && count - steps.countAtRelease >= growthWarningNodes)
    {
      warnAboutGrowth()
    }
  }

  /// The data of leaf `index` (and of every leaf below it, for a block of
  /// parameters) was written.
  @usableFromInline
  mutating func noteDataWrite(upTo index: Int) {
    guard steps.phase != .idle else { return }
    steps.protectedEnd = Swift.max(steps.protectedEnd, index + 1)
    if steps.phase == .backwardRan {
      steps.phase = .armed
      recordLimit = 0
    }
  }

  /// A `Recording` of this tape was made (`+1`) or released (`-1`).
  mutating func noteRecording(_ change: Int) {
    steps.recordings += change
    recordLimit = 0
  }

  /// The record slow path: a full tape, or a step boundary that may be due.
  /// Returns where to record the node and its (possibly moved) operand
  /// fields.
  @usableFromInline
  mutating func prepareRecord(_ code: OpCode, _ a: UInt32, _ b: UInt32) -> (Int, UInt32, UInt32) {
    var fields = (a, b)
    if steps.phase == .armed && scopeMarks.isEmpty && steps.recordings == 0 {
      fields = stepBoundary(code, a, b)
    }
    if count >= capacity { grow(minimum: count + 1) }
    recordLimit = capacity
    return (count, fields.0, fields.1)
  }

  /// A step boundary before recording the node (`code`, `a`, `b`), whose
  /// operand-table and constant-table entries are already appended: releases
  /// the previous step and moves those entries down to where it began.
  mutating func stepBoundary(_ code: OpCode, _ a: UInt32, _ b: UInt32) -> (UInt32, UInt32) {
    steps.phase = .idle
    let (operandLength, constantLength) = code.layout.sideEntries(b)
    let top = Mark(
      count: count, operandCount: operandCount - operandLength,
      constantCount: constantCount - constantLength)
    guard let start = steps.stepStart else {
      // The first boundary: everything so far stays.
      steps.stepStart = top
      return (a, b)
    }
    let target = steps.protectedEnd > start.count ? top : start
    guard target.count < count else {
      steps.stepStart = target
      return (a, b)
    }
    // A node that uses a value of the previous step continues that step.
    var usesPreviousStep = false
    code.layout.forEachOperand(a, b, operands: operands) {
      if $0 >= target.count { usesPreviousStep = true }
    }
    if usesPreviousStep { return (a, b) }

    var (a, b) = (a, b)
    if operandLength > 0 {
      // Forward copies: the destination is below the source.
      let from = Int(a)
      let to = target.operandCount
      for k in 0..<operandLength { operands[to + k] = operands[from + k] }
      a = UInt32(truncatingIfNeeded: to)
    }
    if constantLength > 0 {
      let to = target.constantCount
      if code.layout == .constantList {
        let from = Int(operands[Int(a)])
        for k in 0..<constantLength { constants[to + k] = constants[from + k] }
        operands[Int(a)] = UInt32(truncatingIfNeeded: to)
      } else {
        constants[to] = constants[Int(b)]
        b = UInt32(truncatingIfNeeded: to)
      }
    }
    truncate(
      to: Mark(
        count: target.count, operandCount: target.operandCount + operandLength,
        constantCount: target.constantCount + constantLength))
    steps.stepStart = target
    steps.releases += 1
    return (a, b)
  }

  /// Says once per process, on standard error, that a tape keeps growing
  /// across steps, and how to stop it.
  func warnAboutGrowth() {
    let first = warningLock.withLock { () -> Bool in
      defer { warnedAboutGrowth = true }
      return !warnedAboutGrowth
    }
    guard first else { return }
    let megabytes = count * Self.bytesPerNodeSlot / 1_000_000
    let message = """
      Backprop: warning: a tape holds \(count) nodes (\(megabytes) MB) recorded over \
      \(steps.backwardsSinceRelease) calls of backward() without releasing any, and \
      keeps growing. The tape releases a step by itself when the next step starts \
      recording after backward() and an update of a parameter's data, but not while \
      a `Tape.scope { }` is open or a `Recording` is alive, nor when the next step \
      uses a value of the step before. Record each step inside `Tape.scope { }` to \
      release it (see "How backward works").

      """
    writeToStandardError(message)
  }
}
