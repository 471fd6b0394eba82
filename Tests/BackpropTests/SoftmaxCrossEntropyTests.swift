import Backprop
import Foundation
import Testing

/// softmax(z) in plain arithmetic, with the maximum subtracted.
private func softmax(_ z: [Double]) -> [Double] {
  let m = z.max() ?? 0
  let e = z.map { exp($0 - m) }
  let total = e.reduce(0.0) { $0 + $1 }
  return e.map { $0 / total }
}

/// −log softmax(z)_c in plain arithmetic: log Σ e^(z_k − m) − (z_c − m).
private func crossEntropy(_ z: [Double], _ c: Int) -> Double {
  let m = z.max() ?? 0
  return log(z.reduce(0) { $0 + exp($1 - m) }) - (z[c] - m)
}

/// Seeded logits: `count` values of `scale · N(0, 1)`.
private func logits(count: Int, scale: Double = 2, seed: UInt64) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<count).map { _ in scale * rng.nextGaussian() }
}

/// The one-hot vector of class `c` among `count`.
private func oneHot(_ c: Int, count: Int) -> [Double] {
  (0..<count).map { $0 == c ? 1 : 0 }
}

/// A number of classes and the true class.
struct ClassCase: Sendable, CustomTestStringConvertible {
  let classCount: Int
  let classIndex: Int
  var testDescription: String { "class \(classIndex) of \(classCount)" }

  static let all = [
    ClassCase(classCount: 1, classIndex: 0), ClassCase(classCount: 2, classIndex: 1),
    ClassCase(classCount: 3, classIndex: 0), ClassCase(classCount: 5, classIndex: 3),
    ClassCase(classCount: 10, classIndex: 9),
  ]
}

@Suite("Losses: softmax cross-entropy")
struct SoftmaxCrossEntropyTests {
  @Test("value is −log softmax(z)_c", arguments: ClassCase.all)
  func valueMatchesHandFormula(_ c: ClassCase) {
    let z = logits(count: c.classCount, seed: UInt64(c.classCount))
    Tape.scope {
      let loss = softmaxCrossEntropy(logits: z.map { Value($0) }, classIndex: c.classIndex)
      expectClose(loss.data, crossEntropy(z, c.classIndex), tolerance: 1e-13)
      expectClose(loss.data, -log(softmax(z)[c.classIndex]), tolerance: 1e-12)
    }
  }

  @Test("a known value: z = [2, 1, 0.1], class 0")
  func knownValue() throws {
    Tape.scope {
      let z = [Value(2.0), Value(1.0), Value(0.1)]
      let expected = -log(exp(2.0) / (exp(2.0) + exp(1.0) + exp(0.1)))
      expectClose(softmaxCrossEntropy(logits: z, classIndex: 0).data, expected, tolerance: 1e-15)
      let byVector = softmaxCrossEntropy(logits: z, oneHot: [1, 0, 0])
      expectClose(byVector.data, expected, tolerance: 1e-15)
    }
  }

  @Test("gradient passes the central-difference check", arguments: ClassCase.all)
  func gradientCheck(_ c: ClassCase) {
    let z = logits(count: c.classCount, seed: 10 + UInt64(c.classCount))
    expectPassed(
      checkGradient(of: { softmaxCrossEntropy(logits: $0, classIndex: c.classIndex) * 3 }, at: z))
    let y = oneHot(c.classIndex, count: c.classCount)
    expectPassed(
      checkGradient(
        of: { x in softmaxCrossEntropy(logits: x, oneHot: y) * 3 }, at: z))
  }

  @Test("gradient is softmax(z)_k − y_k", arguments: ClassCase.all)
  func gradientMatchesHandDerivative(_ c: ClassCase) throws {
    let z = logits(count: c.classCount, seed: 20 + UInt64(c.classCount))
    let p = softmax(z)
    let y = oneHot(c.classIndex, count: c.classCount)
    Tape.scope {
      let byIndex = z.map { Value($0) }
      softmaxCrossEntropy(logits: byIndex, classIndex: c.classIndex).backward(gradient: upstream)
      let byVector = z.map { Value($0) }
      softmaxCrossEntropy(logits: byVector, oneHot: y).backward(gradient: upstream)
      for k in z.indices {
        expectClose(byIndex[k].grad, upstream * (p[k] - y[k]), tolerance: 1e-12)
        expectClose(byVector[k].grad, upstream * (p[k] - y[k]), tolerance: 1e-12)
      }
    }
  }

  @Test("a one-hot label gives exactly the class-index loss", arguments: ClassCase.all)
  func oneHotEqualsClassIndex(_ c: ClassCase) throws {
    let z = logits(count: c.classCount, scale: 5, seed: 30 + UInt64(c.classCount))
    Tape.scope {
      let values = z.map { Value($0) }
      let byIndex = softmaxCrossEntropy(logits: values, classIndex: c.classIndex)
      let byVector = softmaxCrossEntropy(
        logits: values, oneHot: oneHot(c.classIndex, count: c.classCount))
      #expect(byIndex.data == byVector.data)
    }
  }

  @Test("a soft label: value Σ y_k(lse − z_k), gradient (Σy)·softmax − y")
  func softLabel() throws {
    let z = [0.5, -1.25, 2.0, 0.0]
    let y = [0.2, 0.5, 0.0, 0.3]
    let p = softmax(z)
    var expected = 0.0
    for k in z.indices { expected += y[k] * crossEntropy(z, k) }
    Tape.scope {
      let values = z.map { Value($0) }
      let loss = softmaxCrossEntropy(logits: values, oneHot: y)
      loss.backward()
      expectClose(loss.data, expected, tolerance: 1e-14)
      for k in z.indices { expectClose(values[k].grad, p[k] - y[k], tolerance: 1e-13) }
    }
    expectPassed(
      checkGradient(of: { x in softmaxCrossEntropy(logits: x, oneHot: y) }, at: z))
  }

  @Test("logits [1000, 0, −1000]: exact losses 0, 1000, 2000 and exact gradients")
  func hugeLogits() throws {
    let z = [1000.0, 0.0, -1000.0]
    for (c, expected) in [(0, 0.0), (1, 1000.0), (2, 2000.0)] {
      Tape.scope {
        let byIndex = z.map { Value($0) }
        let loss = softmaxCrossEntropy(logits: byIndex, classIndex: c)
        loss.backward()
        #expect(loss.data == expected)
        // softmax(z) = [1, 0, 0] exactly in Double.
        #expect(byIndex.map(\.grad) == zip([1.0, 0, 0], oneHot(c, count: 3)).map { $0 - $1 })
        let byVector = z.map { Value($0) }
        let vectorLoss = softmaxCrossEntropy(logits: byVector, oneHot: oneHot(c, count: 3))
        vectorLoss.backward()
        #expect(vectorLoss.data == expected)
        #expect(byVector.map(\.grad) == byIndex.map(\.grad))
      }
    }
  }

  @Test("tiny logits (all near −1000) give the loss of the shifted logits")
  func tinyLogits() {
    let shifted = [0.0, -1.0, -2.5]
    Tape.scope {
      let z = shifted.map { Value($0 - 1000) }
      let loss = softmaxCrossEntropy(logits: z, classIndex: 1)
      loss.backward()
      expectClose(loss.data, crossEntropy(shifted, 1), tolerance: 1e-12)
      let p = softmax(shifted)
      for k in z.indices {
        expectClose(z[k].grad, p[k] - (k == 1 ? 1 : 0), tolerance: 1e-12)
      }
    }
  }

  @Test("equal logits give log K with gradient 1/K − y")
  func equalLogits() {
    Tape.scope {
      let z = (0..<4).map { _ in Value(7.0) }
      let loss = softmaxCrossEntropy(logits: z, classIndex: 2)
      loss.backward()
      expectClose(loss.data, log(4.0), tolerance: 1e-14)
      for (g, expected) in zip(z.map(\.grad), [0.25, 0.25, -0.75, 0.25]) {
        expectClose(g, expected, tolerance: 1e-14)
      }
    }
  }

  @Test("a −inf logit with label 0 contributes nothing: no NaN")
  func negativeInfinityLogit() throws {
    Tape.scope {
      let z = [Value(0.5), Value(-.infinity), Value(-0.5)]
      let loss = softmaxCrossEntropy(logits: z, oneHot: [1, 0, 0])
      loss.backward()
      expectClose(loss.data, crossEntropy([0.5, -.infinity, -0.5], 0), tolerance: 1e-15)
      #expect(z.allSatisfy { $0.grad.isFinite })
      #expect(z[1].grad == 0)
    }
  }

  @Test("a logit used twice receives both contributions")
  func reusedLogit() {
    Tape.scope {
      let a = Value(0.3)
      let b = Value(-1.1)
      let loss = softmaxCrossEntropy(logits: [a, b, a], classIndex: 0)
      loss.backward()
      let p = softmax([0.3, -1.1, 0.3])
      expectClose(a.grad, (p[0] - 1) + p[2], tolerance: 1e-14)
      expectClose(b.grad, p[1], tolerance: 1e-14)
    }
  }

  @Test("one-hot: a NaN label entry is not inspected: the loss is NaN")
  func nonFiniteLabelGivesNaN() {
    Tape.scope {
      let loss = softmaxCrossEntropy(logits: [Value(1), Value(2)], oneHot: [0, .nan])
      #expect(loss.data.isNaN)
    }
  }

  @Test("one-hot: an all-zero label gives 0 with no gradient")
  func zeroLabel() throws {
    Tape.scope {
      let z = [Value(1), Value(2)]
      let loss = softmaxCrossEntropy(logits: z, oneHot: [0, 0])
      loss.backward()
      #expect(loss.data == 0)
      #expect(z.map(\.grad) == [0, 0])
    }
  }

  #if compiler(>=6.2)
  @Test("a class index out of range stops the program")
  func classIndexOutOfRangeTraps() async {
    await #expect(processExitsWith: .failure) {
      _ = softmaxCrossEntropy(logits: [Value(1), Value(2)], classIndex: 2)
    }
  }

  @Test("one-hot: a label of the wrong length stops the program, both ways")
  func oneHotSizeMismatchStops() async {
    await #expect(processExitsWith: .failure) {
      _ = softmaxCrossEntropy(logits: [Value(1), Value(2), Value(3)], oneHot: [1, 0])
    }
    await #expect(processExitsWith: .failure) {
      _ = softmaxCrossEntropy(logits: [Value(1), Value(2), Value(3)], oneHot: [1, 0, 0, 0])
    }
  }

  @Test("empty logits stop the program")
  func emptyLogitsStop() async {
    await #expect(processExitsWith: .failure) {
      _ = softmaxCrossEntropy(logits: [], oneHot: [])
    }
    await #expect(processExitsWith: .failure) {
      _ = softmaxCrossEntropy(logits: [], classIndex: 0)
    }
  }
  #endif

  @Test("the doc comments' examples print what they say")
  func documentedExamples() throws {
    Tape.scope {
      let z = [Value(2.0), Value(1.0), Value(0.1)]
      #expect("\(softmaxCrossEntropy(logits: z, classIndex: 0).data)" == "0.41703001627783376")
      let loss = softmaxCrossEntropy(logits: z, oneHot: [1, 0, 0])
      #expect("\(loss.data)" == "0.41703001627783376")
    }
  }
}
