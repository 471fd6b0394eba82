/// How the learning rate changes with the step count k (from 0).
///
///     let schedule = LearningRateSchedule.linearDecay(final: 0.1, steps: 100)
///     schedule.rate(base: 1.0, step: 50)  // 0.55, micrograd's demo
public enum LearningRateSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
  /// γₖ = γ₀.
  case constant
  /// γₖ = γ₀ / (k + 1): the Robbins–Monro step sizes of seed 002 for SGD.
  case inverseTime
  /// γₖ = γ₀ − (γ₀ − final)·k / steps, then `final` from k = steps on:
  /// micrograd's demo is `linearDecay(final: 0.1, steps: 100)` with γ₀ = 1.
  case linearDecay(final: Double, steps: Int)
  /// γₖ = γ₀ · factor^⌊k / every⌋.
  case stepDecay(factor: Double, every: Int)

  /// The learning rate at step `k`.
  ///
  ///     let rate = LearningRateSchedule.inverseTime.rate(base: 0.5, step: 4)  // 0.5 / (4 + 1)
  ///     print(rate)
  ///     // Prints "0.1"
  ///
  /// - Parameters:
  ///   - base: γ₀.
  ///   - k: The step, from 0.
  /// - Returns: γₖ.
  public func rate(base: Double, step k: Int) -> Double {
    switch self {
    case .constant:
      return base
    case .inverseTime:
      return base / Double(k + 1)
    case .linearDecay(let final, let steps):
      guard k < steps else { return final }
      return base - (base - final) * Double(k) / Double(steps)
    case .stepDecay(let factor, let every):
      var rate = base
      for _ in 0..<(k / Swift.max(1, every)) { rate *= factor }
      return rate
    }
  }

  /// Checks the schedule's own parameters.
  ///
  ///     do { try LearningRateSchedule.stepDecay(factor: 2, every: 10).validate() }
  ///     catch { print(error) }
  ///     // Prints "invalid decay factor 2.0: must be in (0, 1]"
  ///
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``.
  public func validate() throws {
    switch self {
    case .constant, .inverseTime:
      break
    case .linearDecay(let final, let steps):
      try requireHyperparameter("final learning rate", final, "must be finite and > 0") { $0 > 0 }
      try requireHyperparameter("decay steps", Double(steps), "must be ≥ 1") { $0 >= 1 }
    case .stepDecay(let factor, let every):
      try requireHyperparameter("decay factor", factor, "must be in (0, 1]") { $0 > 0 && $0 <= 1 }
      try requireHyperparameter("decay interval", Double(every), "must be ≥ 1") { $0 >= 1 }
    }
  }

  /// `constant`, `1/(k+1)`, `linear to 0.1 over 100 steps`, `×0.5 every 10 steps`.
  public var description: String {
    switch self {
    case .constant: "constant"
    case .inverseTime: "1/(k+1)"
    case .linearDecay(let final, let steps): "linear to \(final) over \(steps) steps"
    case .stepDecay(let factor, let every): "×\(factor) every \(every) steps"
    }
  }
}
