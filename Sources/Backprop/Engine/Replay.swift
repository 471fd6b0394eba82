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
/// `replay()` recomputes every node the body recorded, in creation order,
/// from the current data of the leaves it uses (parameters recorded before,
/// or leaves created in the body and kept by the caller), with the same
/// formulas as recording, so the results are bit-identical to recording the
/// body again.
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
    let readsBefore = s.pointee.reads
    let output = tape.withCurrent(body)
    isReplayable = s.pointee.reads == readsBefore
    precondition(
      output.storage == s && output.isValid && output.id >= start.count,
      "Backprop: a Recording's body must return a value it recorded on the recording's tape")
    self.output = output
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
    precondition(
      output.isValid,
      "Backprop: replayed a Recording whose nodes were released (a scope ended or the tape was reset)"
    )
    if isReplayable {
      s.pointee.replayForward(from: start.count, through: output.id)
      return output
    }
    precondition(
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

extension TapeStorage {
  /// Recomputes `data` for the nodes `first...last` from their operands,
  /// with the formulas used when they were recorded (leaves keep theirs).
  mutating func replayForward(from first: Int, through last: Int) {
    let op = self.op
    let lhs = self.lhs
    let rhs = self.rhs
    let data = self.data
    let operands = UnsafePointer(self.operands)
    let constants = self.constants
    guard first <= last else { return }
    for i in first...last {
      let a = Int(lhs[i])
      let b = Int(rhs[i])
      let value: Double
      switch op[i] {
      case .leaf: continue
      case .add: value = data[a] + data[b]
      case .subtract: value = data[a] - data[b]
      case .multiply: value = data[a] * data[b]
      case .divide: value = data[a] / data[b]
      case .power: value = LibM.pow(data[a], data[b])
      case .maximum: value = Kernels.maximum(data[a], data[b])
      case .minimum: value = Kernels.minimum(data[a], data[b])
      case .addConstant: value = data[a] + constants[b]
      case .multiplyConstant: value = data[a] * constants[b]
      case .divideConstant: value = data[a] / constants[b]
      case .constantMinus: value = constants[b] - data[a]
      case .constantDivide: value = constants[b] / data[a]
      case .powerConstant: value = Kernels.power(data[a], constants[b])
      case .leakyReLU: value = Kernels.leakyReLU(data[a], slope: constants[b])
      case .elu: value = Kernels.elu(data[a], alpha: constants[b])
      case .negate: value = -data[a]
      case .exp: value = LibM.exp(data[a])
      case .log: value = LibM.log(data[a])
      case .sqrt: value = data[a].squareRoot()
      case .abs: value = Kernels.abs(data[a])
      case .tanh: value = LibM.tanh(data[a])
      case .sigmoid: value = Kernels.sigmoid(data[a])
      case .relu: value = Kernels.relu(data[a])
      case .softplus: value = Kernels.softplus(data[a])
      case .step: value = Kernels.step(data[a])
      case .sum:
        var total = 0.0
        for k in a..<(a + b) { total += data[Int(operands[k])] }
        value = total
      case .dot:
        var total = 0.0
        for k in 0..<b { total += data[Int(operands[a + 2 * k])] * data[Int(operands[a + 2 * k + 1])] }
        value = total
      case .dotConstant:
        let c = constants + Int(operands[a])
        var total = 0.0
        for k in 0..<b { total += data[Int(operands[a + 1 + k])] * c[k] }
        value = total
      case .logSumExp:
        value = Kernels.logSumExp(operands + a, count: b, data: data)
      }
      data[i] = value
    }
  }
}
