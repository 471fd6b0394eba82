import Backprop
import Foundation
import Testing

/// An input of a binary cross-entropy, a label, and the exact loss and
/// gradient expected.
struct BCEExtreme: Sendable, CustomTestStringConvertible {
  let input: Double
  let label: Double
  let loss: Double
  let gradient: Double
  var testDescription: String { "input \(input), label \(label)" }
}

/// σ(x) in plain arithmetic, to full relative accuracy for every x.
private func sigma(_ x: Double) -> Double {
  x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
}

/// σ(x) − y written as (1 − y)·σ(x) − y·σ(−x), which does not cancel for
/// y ∈ {0, 1}.
private func sigmaMinus(_ x: Double, _ y: Double) -> Double {
  (1 - y) * sigma(x) - y * sigma(-x)
}

@Suite("Losses: binary cross-entropy")
struct BinaryCrossEntropyTests {
  static let probabilities = [0.01, 0.2, 0.5, 0.8, 0.97]
  static let labels = [0.0, 1.0, 0.3]
  static let logits = [-30.0, -4.5, -1.0, -0.1, 0.25, 2.0, 7.0, 30.0]

  // MARK: From a probability

  @Test(
    "probability: value is −[y log p + (1 − y) log(1 − p)]",
    arguments: probabilities, labels)
  func probabilityValue(p: Double, y: Double) {
    Tape.scope {
      let loss = binaryCrossEntropy(probability: Value(p), label: y)
      expectClose(loss.data, -(y * log(p) + (1 - y) * log(1 - p)), tolerance: 1e-15)
    }
  }

  @Test(
    "probability: gradient passes the central-difference check",
    arguments: probabilities, labels)
  func probabilityGradientCheck(p: Double, y: Double) {
    expectPassed(
      checkGradient(of: { binaryCrossEntropy(probability: $0, label: y) * 3 }, at: p))
  }

  @Test(
    "probability: gradient is (p − y) / (p(1 − p))",
    arguments: probabilities, labels)
  func probabilityHandDerivative(p: Double, y: Double) {
    Tape.scope {
      let x = Value(p)
      binaryCrossEntropy(probability: x, label: y).backward(gradient: upstream)
      expectClose(x.grad, upstream * (p - y) / (p * (1 - p)), tolerance: 1e-13)
    }
  }

  @Test(
    "probability: p = 0 or 1 gives at most 100 per log, never inf or NaN",
    arguments: [
      BCEExtreme(input: 0, label: 1, loss: 100, gradient: 0),
      BCEExtreme(input: 0, label: 0, loss: 0, gradient: 1),
      BCEExtreme(input: 1, label: 0, loss: 100, gradient: 0),
      BCEExtreme(input: 1, label: 1, loss: 0, gradient: -1),
    ])
  func probabilityExtremes(_ c: BCEExtreme) {
    Tape.scope {
      let x = Value(c.input)
      let loss = binaryCrossEntropy(probability: x, label: c.label)
      loss.backward(gradient: upstream)
      #expect(loss.data == c.loss)
      #expect(x.grad == upstream * c.gradient)
    }
  }

  @Test("probability: the gradient through a clamped log is 0")
  func clampedGradientIsZero() {
    Tape.scope {
      // Label 1 at p = 0: only the clamped log p term depends on p.
      let zero = Value(0.0)
      binaryCrossEntropy(probability: zero, label: 1).backward()
      #expect(zero.grad == 0)
      // Label 0 at p = 1: only the clamped log(1 − p) term depends on p.
      let one = Value(1.0)
      binaryCrossEntropy(probability: one, label: 0).backward()
      #expect(one.grad == 0)
      // Below e⁻¹⁰⁰ ≈ 3.7e-44 the clamp is active too.
      let tiny = Value(1e-50)
      let loss = binaryCrossEntropy(probability: tiny, label: 1)
      loss.backward()
      #expect(loss.data == 100)
      #expect(tiny.grad == 0)
    }
  }

  @Test("probability: just above the clamp the log is still exact")
  func justAboveClamp() {
    Tape.scope {
      let p = 1e-40  // log p ≈ −92.1
      let x = Value(p)
      let loss = binaryCrossEntropy(probability: x, label: 1)
      loss.backward()
      expectClose(loss.data, -log(p))
      expectClose(x.grad, -1 / p)
    }
  }

  @Test("probability of a sigmoid equals the logit form for moderate logits", arguments: logits)
  func probabilityAgreesWithLogits(x: Double) {
    guard Swift.abs(x) < 20 else { return }  // 1 − σ(x) loses digits beyond
    for y in [0.0, 1.0] {
      Tape.scope {
        let fromProbability = binaryCrossEntropy(probability: Value(x).sigmoid(), label: y)
        let fromLogit = binaryCrossEntropy(logit: Value(x), label: y)
        expectClose(fromProbability.data, fromLogit.data, tolerance: 1e-8)
      }
    }
  }

  // MARK: From a logit

  @Test(
    "logit: value is max(x, 0) − x·y + log1p(e^−|x|)",
    arguments: logits, labels)
  func logitValue(x: Double, y: Double) {
    Tape.scope {
      let loss = binaryCrossEntropy(logit: Value(x), label: y)
      let expected = Swift.max(x, 0) - x * y + log1p(exp(-Swift.abs(x)))
      expectClose(loss.data, expected, tolerance: 1e-14)
    }
  }

  @Test(
    "logit: value is −[y log σ(x) + (1 − y) log(1 − σ(x))] for moderate x",
    arguments: [-4.5, -1.0, -0.1, 0.25, 2.0, 7.0], labels)
  func logitMatchesDefinition(x: Double, y: Double) {
    Tape.scope {
      let loss = binaryCrossEntropy(logit: Value(x), label: y)
      let s = sigma(x)
      expectClose(loss.data, -(y * log(s) + (1 - y) * log(1 - s)), tolerance: 1e-12)
    }
  }

  @Test("logit: gradient passes the central-difference check", arguments: logits, labels)
  func logitGradientCheck(x: Double, y: Double) {
    expectPassed(checkGradient(of: { binaryCrossEntropy(logit: $0, label: y) * 3 }, at: x))
  }

  @Test("logit: gradient is σ(x) − y", arguments: logits, labels)
  func logitHandDerivative(x: Double, y: Double) {
    Tape.scope {
      let v = Value(x)
      binaryCrossEntropy(logit: v, label: y).backward(gradient: upstream)
      expectClose(v.grad, upstream * sigmaMinus(x, y), tolerance: 1e-13)
    }
  }

  @Test(
    "logit: ±1000 gives the exact loss and gradient, never inf or NaN",
    arguments: [
      BCEExtreme(input: 1000, label: 1, loss: 0, gradient: 0),
      BCEExtreme(input: 1000, label: 0, loss: 1000, gradient: 1),
      BCEExtreme(input: -1000, label: 0, loss: 0, gradient: 0),
      BCEExtreme(input: -1000, label: 1, loss: 1000, gradient: -1),
    ])
  func logitExtremes(_ c: BCEExtreme) {
    Tape.scope {
      let v = Value(c.input)
      let loss = binaryCrossEntropy(logit: v, label: c.label)
      loss.backward(gradient: upstream)
      #expect(loss.data == c.loss)
      #expect(v.grad == upstream * c.gradient)
    }
  }

  @Test(
    "logit: tiny losses far on the right side are exact to the last digits",
    arguments: [10.0, 30.0, 100.0, 700.0])
  func logitTinyLossesExact(x: Double) {
    Tape.scope {
      for (logit, label) in [(x, 1.0), (-x, 0.0)] {
        let v = Value(logit)
        let loss = binaryCrossEntropy(logit: v, label: label)
        loss.backward()
        expectClose(loss.data, log1p(exp(-x)), tolerance: 1e-15)
        expectClose(v.grad, label == 1 ? -sigma(-x) : sigma(-x), tolerance: 1e-15)
      }
    }
  }

  @Test("logit: hard labels record only the term that counts")
  func logitNodeCount() {
    #expect(nodesRecorded { _ = binaryCrossEntropy(logit: Value(0.5), label: 0) } == 2)
    #expect(nodesRecorded { _ = binaryCrossEntropy(logit: Value(0.5), label: 1) } == 3)
  }

  @Test("logit: the largest finite logits stay finite")
  func logitHuge() {
    Tape.scope {
      for x in [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 1e300] {
        for y in [0.0, 1.0] {
          let v = Value(x)
          let loss = binaryCrossEntropy(logit: v, label: y)
          loss.backward()
          #expect(!loss.data.isNaN)
          #expect(v.grad.isFinite)
        }
      }
    }
  }

  @Test("logit: the minimum over x is at σ(x) = y for a soft label")
  func logitSoftLabelMinimum() {
    Tape.scope {
      let y = 0.3
      let x = Value(log(y / (1 - y)))  // σ(x) = 0.3
      binaryCrossEntropy(logit: x, label: y).backward()
      #expect(Swift.abs(x.grad) < 1e-15)
    }
  }

  @Test("the doc comments' examples print what they say")
  func documentedExamples() {
    Tape.scope {
      let fromProbability = binaryCrossEntropy(probability: Value(0.8), label: 1)
      #expect("\(fromProbability.data)" == "0.2231435513142097")
      let fromLogit = binaryCrossEntropy(logit: Value(2.0), label: 1)
      #expect("\(fromLogit.data)" == "0.1269280110429725")
    }
  }
}
