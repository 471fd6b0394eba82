// Helpers shared by the training-loop tests (TrainerTests*.swift): a noise-free linear data set
// and a check against an absolute tolerance.

import Backprop
import Foundation
import Testing

/// A noise-free regression y = 0.5·x₁ − x₂ + 0.25 with x uniform in [−1, 1]².
func linearData(count: Int, seed: UInt64) throws -> Dataset {
  try regressionData(count: count, seed: seed, noise: false) { x, _ in 0.5 * x[0] - x[1] + 0.25 }
}

extension TrainerTests {
  /// Expects |actual − expected| ≤ tolerance.
  func expectWithin(
    _ actual: Double, _ expected: Double, _ tolerance: Double,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(
      Swift.abs(actual - expected) <= tolerance, "\(actual) vs \(expected)",
      sourceLocation: sourceLocation)
  }
}
