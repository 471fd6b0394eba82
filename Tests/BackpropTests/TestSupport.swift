// Shared helpers for the engine's tests: a closeness check that reports the
// caller's line, bit patterns, the upstream gradient of the derivative checks,
// and helpers of the training tests. (Every op's derivatives are checked from
// the op database, OpDatabase.swift.)

import Backprop
import Foundation
import Testing

// MARK: - Closeness

/// Expects `actual` to equal `expected` up to a relative `tolerance`:
/// `|actual − expected| ≤ tolerance · max(|actual|, |expected|)`.
///
/// Equal values always pass (so do two equal infinities); NaN never passes,
/// so test NaN with `isNaN`.
///
///     expectClose(x.grad, 2.5 * d.derivative)
///
/// - Parameters:
///   - actual: The value computed by the engine.
///   - expected: The value from the oracle.
///   - tolerance: The relative tolerance; 1e-12 by default.
///   - sourceLocation: Where a failure is reported: the caller's line.
func expectClose(
  _ actual: Double, _ expected: Double, tolerance: Double = 1e-12,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let scale = Swift.max(Swift.abs(actual), Swift.abs(expected))
  let close = actual == expected || Swift.abs(actual - expected) <= tolerance * scale
  #expect(
    close, "\(actual) is not within \(tolerance) (relative) of \(expected)",
    sourceLocation: sourceLocation)
}

/// Expects a gradient check to pass, printing its report when it fails.
func expectPassed(
  _ report: GradientCheckReport, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(report.passed, "\(report)", sourceLocation: sourceLocation)
}

/// The number of nodes that `body` records on a fresh tape (made current
/// while it runs). Values made by `body` must not escape it.
func nodesRecorded(by body: () -> Void) -> Int {
  let tape = Tape()
  return tape.withCurrent {
    let before = tape.count
    body()
    return tape.count - before
  }
}

// MARK: - Bits

/// The bit patterns of `xs`, so that `==` means bit for bit (and NaN == NaN).
func bits(_ xs: [Double]) -> [UInt64] { xs.map(\.bitPattern) }

// MARK: - The derivative checks

/// The upstream gradient used by the checks: not 1, so that an op that drops
/// it (the pullback bug of swift-numerics-differentiable) fails.
let upstream = 2.5

// MARK: - Optimisers that watch

/// An optimiser that applies `Base`'s updates and records, for every step,
/// the gradients it was given and the parameters it left: a window on each
/// iteration of a training run.
struct StepRecorder<Base: Optimizer>: Optimizer {
  var base: Base
  /// The parameters' gradients at each step, before its update.
  var gradients: [[Double]] = []
  /// The parameters after each step.
  var snapshots: [[Double]] = []

  init(_ base: Base) { self.base = base }

  var parameters: [Value] { base.parameters }
  var learningRate: Double { base.learningRate }
  var schedule: LearningRateSchedule { base.schedule }
  var stepCount: Int { base.stepCount }
  var state: OptimizerState { base.state }

  mutating func step() {
    gradients.append(base.parameters.map(\.grad))
    base.step()
    snapshots.append(base.parameters.map(\.data))
  }

  mutating func restore(from state: OptimizerState) throws { try base.restore(from: state) }
}

/// `count` points x uniform in [−1, 1]² with targets `f(x, u)`, u a further
/// uniform number in [−1, 1] drawn after x when `noise` (else 0), from a
/// generator seeded by `seed`.
func regressionData(
  count: Int, seed: UInt64, noise: Bool = true, _ f: (_ x: [Double], _ u: Double) -> Double
) throws -> Dataset {
  var rng = SeededGenerator(seed: seed)
  var features: [[Double]] = []
  var labels: [Double] = []
  for _ in 0..<count {
    let x = [rng.nextUniform(in: -1, 1), rng.nextUniform(in: -1, 1)]
    features.append(x)
    labels.append(f(x, noise ? rng.nextUniform(in: -1, 1) : 0))
  }
  return try Dataset(features: features, labels: labels)
}

/// The `backprop` executable the package built with the tests, if any.
let backpropBinary: URL? = {
  let package = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let candidates = [
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
    Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
    package.appendingPathComponent(".build/debug"),
  ].map { $0.appendingPathComponent("backprop") }
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()
