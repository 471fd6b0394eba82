import Backprop
import Testing

@Suite("Metrics: accuracy and the 0-1 loss")
struct MetricsTests {
  @Test("accuracy: the fraction of equal labels")
  func accuracyValue() throws {
    #expect(try accuracy(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0]) == 0.5)
    #expect(try accuracy(predictions: [2, 0, 1], labels: [2, 0, 1]) == 1)
    #expect(try accuracy(predictions: [-1], labels: [1]) == 0)
  }

  @Test("0-1 loss: the fraction, or with normalize: false the number, of errors")
  func zeroOneValue() throws {
    #expect(try zeroOneLoss(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0]) == 0.5)
    #expect(
      try zeroOneLoss(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0], normalize: false) == 2)
    #expect(try zeroOneLoss(predictions: [3, 3], labels: [3, 3], normalize: false) == 0)
  }

  @Test("accuracy + 0-1 loss = 1 on seeded labels", arguments: [1, 2, 3] as [UInt64])
  func complementary(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    let labels = (0..<37).map { _ in Double(Int(rng.nextUniform() * 3)) }
    let predictions = (0..<37).map { _ in Double(Int(rng.nextUniform() * 3)) }
    let a = try accuracy(predictions: predictions, labels: labels)
    let e = try zeroOneLoss(predictions: predictions, labels: labels)
    expectClose(a + e, 1, tolerance: 1e-15)
    let count = try zeroOneLoss(predictions: predictions, labels: labels, normalize: false)
    #expect(count == Double(zip(predictions, labels).count(where: { $0 != $1 })))
  }

  @Test("seed 000: the 0-1 loss of Heaviside predictions h(N(x))")
  func heavisidePredictions() throws {
    let scores = [0.7, -0.2, 0.0, -3.0, 1e-9]
    let labels = [1.0, 1.0, 1.0, 0.0, 0.0]
    let predictions = scores.map { $0 >= 0 ? 1.0 : 0.0 }  // h(0) = 1
    #expect(try zeroOneLoss(predictions: predictions, labels: labels, normalize: false) == 2)
  }

  @Test("a NaN prediction is never correct")
  func nanPrediction() throws {
    #expect(try accuracy(predictions: [.nan, 1], labels: [0, 1]) == 0.5)
    #expect(try zeroOneLoss(predictions: [.nan], labels: [.nan], normalize: false) == 1)
  }

  @Test("mismatched sizes throw")
  func sizeMismatch() {
    let a = #expect(throws: TrainingError.self) {
      try accuracy(predictions: [1, 0], labels: [1])
    }
    guard case .sizeMismatch(_, 2, 1) = a else {
      Issue.record("expected sizeMismatch(2, 1), got \(String(describing: a))")
      return
    }
    let e = #expect(throws: TrainingError.self) {
      try zeroOneLoss(predictions: [1], labels: [1, 0])
    }
    guard case .sizeMismatch(_, 1, 2) = e else {
      Issue.record("expected sizeMismatch(1, 2), got \(String(describing: e))")
      return
    }
  }

  @Test("empty input throws rather than returning NaN")
  func emptyThrows() {
    let a = #expect(throws: TrainingError.self) { try accuracy(predictions: [], labels: []) }
    guard case .empty = a else {
      Issue.record("expected empty, got \(String(describing: a))")
      return
    }
    let e = #expect(throws: TrainingError.self) { try zeroOneLoss(predictions: [], labels: []) }
    guard case .empty = e else {
      Issue.record("expected empty, got \(String(describing: e))")
      return
    }
  }

  @Test("accuracy of model outputs under a loss's reading of them")
  func accuracyOfOutputs() throws {
    let hinge = try accuracy(
      outputs: [[0.9], [-2.0], [0.3]], targets: [[1], [-1], [-1]], loss: .hinge)
    #expect(hinge == 2.0 / 3.0)
    let softmax = try accuracy(
      outputs: [[0.1, 2, -1], [3, 0, 0], [0, 0, 5]], targets: [[1], [0, 1, 0], [2]],
      loss: .softmaxCrossEntropy)
    #expect(softmax == 2.0 / 3.0)
    let bce = try accuracy(outputs: [[0.5], [0.49]], targets: [[1], [1]], loss: .binaryCrossEntropy)
    #expect(bce == 0.5)
    #expect(try accuracy(outputs: [[0.5]], targets: [[1]], loss: .meanSquaredError) == nil)
  }

  @Test("accuracy of model outputs: mismatched and empty batches throw")
  func accuracyOfOutputsThrows() {
    let mismatch = #expect(throws: TrainingError.self) {
      try accuracy(outputs: [[1], [2]], targets: [[1]], loss: .hinge)
    }
    guard case .sizeMismatch(_, 2, 1) = mismatch else {
      Issue.record("expected sizeMismatch(2, 1), got \(String(describing: mismatch))")
      return
    }
    let empty = #expect(throws: TrainingError.self) {
      try accuracy(outputs: [], targets: [], loss: .hinge)
    }
    guard case .empty = empty else {
      Issue.record("expected empty, got \(String(describing: empty))")
      return
    }
  }

  @Test("the doc comments' examples print what they say")
  func documentedExamples() throws {
    #expect("\(try accuracy(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0]))" == "0.5")
    #expect("\(try zeroOneLoss(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0]))" == "0.5")
    let count = try zeroOneLoss(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0], normalize: false)
    #expect("\(count)" == "2.0")
    let outputs: [[Double]] = [[0.9], [-2.0], [0.3]]
    let a = try accuracy(outputs: outputs, targets: [[1], [-1], [-1]], loss: .hinge)
    #expect("\(a ?? .nan)" == "0.6666666666666666")
  }
}
