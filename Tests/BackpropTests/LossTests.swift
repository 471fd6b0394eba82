import Backprop
import Foundation
import Testing

/// A batch for a loss: outputs and valid targets, seeded.
private func batch(for loss: Loss, size: Int, seed: UInt64) -> (
  outputs: [[Double]], targets: [[Double]]
) {
  var rng = SeededGenerator(seed: seed)
  let width: Int
  switch loss {
  case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError: width = 3
  case .softmaxCrossEntropy: width = 4
  case .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge: width = 1
  }
  var outputs: [[Double]] = []
  var targets: [[Double]] = []
  for row in 0..<size {
    switch loss {
    case .binaryCrossEntropy:
      outputs.append([rng.nextUniform(in: 0.05, 0.95)])
      targets.append([rng.nextUniform() < 0.5 ? 0 : 1])
    case .binaryCrossEntropyWithLogits:
      outputs.append([2 * rng.nextGaussian()])
      targets.append([rng.nextUniform() < 0.5 ? 0 : 1])
    case .hinge:
      outputs.append([2 * rng.nextGaussian()])
      targets.append([rng.nextUniform() < 0.5 ? -1 : 1])
    case .softmaxCrossEntropy:
      outputs.append((0..<width).map { _ in 2 * rng.nextGaussian() })
      let c = Int(rng.nextUniform() * Double(width))
      // Alternate the two target forms.
      targets.append(
        row.isMultiple(of: 2) ? [Double(c)] : (0..<width).map { $0 == c ? 1 : 0 })
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      outputs.append((0..<width).map { _ in rng.nextGaussian() })
      targets.append((0..<width).map { _ in rng.nextGaussian() })
    }
  }
  return (outputs, targets)
}

/// The model output size that `batch(for:size:seed:)` uses.
private func outputSize(for loss: Loss) -> Int {
  switch loss {
  case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError: 3
  case .softmaxCrossEntropy: 4
  case .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge: 1
  }
}

/// The per-example loss through the documented free function.
private func freeFunction(_ loss: Loss, _ output: [Value], _ target: [Double]) throws -> Value {
  switch loss {
  case .sumOfSquaredErrors: sumOfSquaredErrors(predicted: output, expected: target)
  case .meanSquaredError: meanSquaredError(predicted: output, expected: target)
  case .halfMeanSquaredError: halfMeanSquaredError(predicted: output, expected: target)
  case .binaryCrossEntropy: binaryCrossEntropy(probability: output[0], label: target[0])
  case .binaryCrossEntropyWithLogits: binaryCrossEntropy(logit: output[0], label: target[0])
  case .hinge: hinge(score: output[0], label: target[0])
  case .softmaxCrossEntropy:
    if target.count == 1 {
      softmaxCrossEntropy(logits: output, classIndex: Int(target[0]))
    } else {
      softmaxCrossEntropy(logits: output, oneHot: target)
    }
  }
}

/// Expects `validate` to throw, and returns the error.
private func validationError(
  _ loss: Loss, _ targets: [[Double]], outputSize: Int,
  sourceLocation: SourceLocation = #_sourceLocation
) -> TrainingError? {
  #expect(throws: TrainingError.self, sourceLocation: sourceLocation) {
    try loss.validate(targets: targets, outputSize: outputSize)
  }
}

@Suite("Loss: the training loop's loss")
struct LossTests {
  // MARK: The batch loss

  @Test(
    "callAsFunction is the mean of the free functions, as sum · (1/B)",
    arguments: Loss.allCases, [1, 2, 7])
  func batchEqualsFreeFunctions(_ loss: Loss, size: Int) throws {
    let (outputs, targets) = batch(for: loss, size: size, seed: UInt64(size))
    try loss.validate(targets: targets, outputSize: outputSize(for: loss))
    try Tape.scope {
      let values = outputs.map { $0.map { Value($0) } }
      let total = loss(values, targets)
      let perExample = try zip(values, targets).map { try freeFunction(loss, $0, $1) }
      let expected = Value.sum(perExample) * (1.0 / Double(size))
      #expect(total.data == expected.data)
      let mean = perExample.map(\.data).reduce(0, +) / Double(size)
      expectClose(total.data, mean, tolerance: 1e-14)
    }
  }

  @Test("the batch gradient passes the central-difference check", arguments: Loss.allCases)
  func batchGradientCheck(_ loss: Loss) {
    let (outputs, targets) = batch(for: loss, size: 5, seed: 77)
    let width = outputs[0].count
    let report = checkGradient(
      of: { x in
        let rows = stride(from: 0, to: x.count, by: width).map { Array(x[$0..<($0 + width)]) }
        return loss(rows, targets) * 3
      }, at: outputs.flatMap { $0 })
    expectPassed(report)
  }

  @Test("the batch gradient is the mean of the per-example gradients", arguments: Loss.allCases)
  func batchGradientIsMean(_ loss: Loss) throws {
    let (outputs, targets) = batch(for: loss, size: 4, seed: 91)
    try Tape.scope {
      let batchValues = outputs.map { $0.map { Value($0) } }
      loss(batchValues, targets).backward(gradient: upstream)
      for (i, (row, target)) in zip(outputs, targets).enumerated() {
        let single = row.map { Value($0) }
        try freeFunction(loss, single, target).backward(gradient: upstream)
        for k in row.indices {
          expectClose(batchValues[i][k].grad, single[k].grad / 4, tolerance: 1e-14)
        }
      }
    }
  }

  @Test("per-example MSE averages over the outputs, RSS sums over them")
  func perExampleReduction() {
    Tape.scope {
      let outputs = [[Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]]
      let targets: [[Double]] = [[0, 0], [1, 3]]
      // Per-example RSS: 5 and 10; MSE: 2.5 and 5; ½MSE: 1.25 and 2.5.
      let sse = Loss.sumOfSquaredErrors
      let mse = Loss.meanSquaredError
      let halfMSE = Loss.halfMeanSquaredError
      #expect(sse(outputs, targets).data == 7.5)
      #expect(mse(outputs, targets).data == 3.75)
      #expect(halfMSE(outputs, targets).data == 1.875)
    }
  }

  @Test("hinge batch plus the L2 penalty: micrograd's total loss, bit for bit")
  func microgradTotalLoss() {
    Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu, seed: 3)
      var rng = SeededGenerator(seed: 4)
      let xs = (0..<10).map { _ in [rng.nextGaussian(), rng.nextGaussian()] }
      let ys: [Double] = (0..<10).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 }
      let outputs = xs.map { model($0) }
      let hinge = Loss.hinge
      let total = hinge(outputs, ys.map { [$0] }) + l2Penalty(model, coefficient: 1e-4)
      // micrograd: sum(losses) * (1.0 / len(losses)) + alpha * sum(p*p).
      var dataLoss = 0.0
      for (x, y) in zip(xs, ys) {
        let margin = 1 + (-y) * model.predict(x)[0]
        dataLoss += margin > 0 ? margin : 0
      }
      var reg = 0.0
      for p in model.parameters { reg += p.data * p.data }
      #expect(total.data == dataLoss * (1.0 / 10) + 1e-4 * reg)
    }
  }

  // MARK: Validation

  @Test("valid targets pass", arguments: Loss.allCases)
  func validTargetsPass(_ loss: Loss) throws {
    let (_, targets) = batch(for: loss, size: 6, seed: 5)
    try loss.validate(targets: targets, outputSize: outputSize(for: loss))
  }

  @Test("no targets throw", arguments: Loss.allCases)
  func emptyTargets(_ loss: Loss) {
    let error = validationError(loss, [], outputSize: outputSize(for: loss))
    guard case .empty = error else {
      Issue.record("expected empty, got \(String(describing: error))")
      return
    }
  }

  @Test("a label out of range names the first bad row")
  func labelOutOfRange() {
    #expect(
      validationError(.binaryCrossEntropy, [[1], [0], [2], [3]], outputSize: 1)
        == .labelOutOfRange(row: 2, label: 2, classCount: 2))
    #expect(
      validationError(.binaryCrossEntropyWithLogits, [[0.5]], outputSize: 1)
        == .labelOutOfRange(row: 0, label: 0.5, classCount: 2))
    #expect(
      validationError(.hinge, [[1], [-1], [0]], outputSize: 1)
        == .invalidLabel(row: 2, label: 0, allowed: [-1, 1]))
    #expect(
      validationError(.softmaxCrossEntropy, [[0], [3], [2]], outputSize: 3)
        == .labelOutOfRange(row: 1, label: 3, classCount: 3))
    #expect(
      validationError(.softmaxCrossEntropy, [[0], [-1]], outputSize: 3)
        == .labelOutOfRange(row: 1, label: -1, classCount: 3))
    #expect(
      validationError(.softmaxCrossEntropy, [[1.5]], outputSize: 3)
        == .labelOutOfRange(row: 0, label: 1.5, classCount: 3))
    #expect(
      validationError(.softmaxCrossEntropy, [[0, 1, 0], [0.5, 0.5, 0]], outputSize: 3)
        == .labelOutOfRange(row: 1, label: 0.5, classCount: 3))
  }

  @Test("a row of the wrong size names the row")
  func rowSizeMismatch() {
    let regression = validationError(.meanSquaredError, [[1, 2], [3]], outputSize: 2)
    guard case .sizeMismatch(let what, 2, 1) = regression, what.contains("row 1") else {
      Issue.record("expected sizeMismatch naming row 1, got \(String(describing: regression))")
      return
    }
    let binary = validationError(.hinge, [[1], [1, -1]], outputSize: 1)
    guard case .sizeMismatch(let what, 1, 2) = binary, what.contains("row 1") else {
      Issue.record("expected sizeMismatch naming row 1, got \(String(describing: binary))")
      return
    }
    let softmax = validationError(.softmaxCrossEntropy, [[1], [0, 1]], outputSize: 3)
    guard case .sizeMismatch(let what, 3, 2) = softmax, what.contains("row 1") else {
      Issue.record("expected sizeMismatch naming row 1, got \(String(describing: softmax))")
      return
    }
  }

  @Test("a one-hot row without exactly one 1 names the row")
  func oneHotCount() {
    for bad in [[1.0, 1, 0], [0.0, 0, 0]] {
      let error = validationError(.softmaxCrossEntropy, [[0, 0, 1], bad], outputSize: 3)
      let ones = bad.count(where: { $0 == 1 })
      guard case .sizeMismatch(let what, 1, ones) = error, what.contains("row 1") else {
        Issue.record("expected sizeMismatch naming row 1, got \(String(describing: error))")
        continue
      }
    }
  }

  @Test("a NaN or infinite target names the row and the entry", arguments: Loss.allCases)
  func nonFiniteTarget(_ loss: Loss) {
    let width = outputSize(for: loss)
    var (_, targets) = batch(for: loss, size: 3, seed: 6)
    targets[1] = [Double](repeating: 0, count: width)
    targets[1][width - 1] = .nan
    let error = validationError(loss, targets, outputSize: width)
    guard case .nonFiniteValue(let what, width - 1, let value) = error, value.isNaN,
      what.contains("row 1")
    else {
      Issue.record("expected nonFiniteValue naming row 1, got \(String(describing: error))")
      return
    }
  }

  @Test("a model with the wrong number of outputs throws")
  func wrongOutputSize() {
    for loss in [Loss.binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge] {
      let error = validationError(loss, [[1]], outputSize: 2)
      guard case .sizeMismatch(_, 1, 2) = error else {
        Issue.record("\(loss): expected sizeMismatch(1, 2), got \(String(describing: error))")
        continue
      }
    }
    let softmax = validationError(.softmaxCrossEntropy, [[0]], outputSize: 1)
    guard case .sizeMismatch(_, 2, 1) = softmax else {
      Issue.record("expected sizeMismatch(2, 1), got \(String(describing: softmax))")
      return
    }
  }

  // MARK: Accuracy

  @Test("isCorrect reads each output as its loss does")
  func isCorrect() {
    // hinge: (target > 0) == (output > 0), as micrograd.
    #expect(Loss.hinge.isCorrect(output: [0.3], target: [1]) == true)
    #expect(Loss.hinge.isCorrect(output: [-0.3], target: [1]) == false)
    #expect(Loss.hinge.isCorrect(output: [0], target: [-1]) == true)
    #expect(Loss.hinge.isCorrect(output: [0], target: [1]) == false)
    // BCE with logits: (output > 0) == (target == 1).
    #expect(Loss.binaryCrossEntropyWithLogits.isCorrect(output: [2], target: [1]) == true)
    #expect(Loss.binaryCrossEntropyWithLogits.isCorrect(output: [0], target: [0]) == true)
    #expect(Loss.binaryCrossEntropyWithLogits.isCorrect(output: [-1], target: [1]) == false)
    // BCE: output >= 0.5 predicts 1.
    #expect(Loss.binaryCrossEntropy.isCorrect(output: [0.5], target: [1]) == true)
    #expect(Loss.binaryCrossEntropy.isCorrect(output: [0.49], target: [0]) == true)
    #expect(Loss.binaryCrossEntropy.isCorrect(output: [0.9], target: [0]) == false)
    #expect(Loss.binaryCrossEntropy.isCorrect(output: [.nan], target: [0]) == false)
    // softmax CE: argmax == class, for both target forms.
    #expect(Loss.softmaxCrossEntropy.isCorrect(output: [0.1, 2, -1], target: [1]) == true)
    #expect(Loss.softmaxCrossEntropy.isCorrect(output: [0.1, 2, -1], target: [0, 1, 0]) == true)
    #expect(Loss.softmaxCrossEntropy.isCorrect(output: [0.1, 2, -1], target: [2]) == false)
    #expect(Loss.softmaxCrossEntropy.isCorrect(output: [3, 3, 1], target: [0]) == true)
    #expect(Loss.softmaxCrossEntropy.isCorrect(output: [.nan, 1, 2], target: [2]) == true)
    // Regression: no notion of correct.
    for loss in [Loss.sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError] {
      #expect(loss.isCorrect(output: [1], target: [1]) == nil)
    }
  }

  // MARK: Names and coding

  @Test("command-line names parse, and description reads them back", arguments: Loss.allCases)
  func roundTripName(_ loss: Loss) {
    #expect(Loss(parsing: loss.description) == loss)
    #expect(Loss(parsing: "\(loss)".uppercased()) == loss)
  }

  @Test("every documented name")
  func names() {
    let expected: [String: Loss] = [
      "mse": .meanSquaredError, "half-mse": .halfMeanSquaredError, "sse": .sumOfSquaredErrors,
      "rss": .sumOfSquaredErrors, "bce": .binaryCrossEntropy,
      "bce-logits": .binaryCrossEntropyWithLogits, "cross-entropy": .softmaxCrossEntropy,
      "hinge": .hinge, "sumOfSquares": .sumOfSquaredErrors, "meanSquaredError": .meanSquaredError,
      "halfMeanSquaredError": .halfMeanSquaredError, "binaryCrossEntropy": .binaryCrossEntropy,
      "binaryCrossEntropyWithLogits": .binaryCrossEntropyWithLogits,
      "softmaxCrossEntropy": .softmaxCrossEntropy,
    ]
    for (name, loss) in expected { #expect(Loss(parsing: name) == loss, "\(name)") }
    for name in ["", "l1", "mse ", "cross_entropy", "logits"] {
      #expect(Loss(parsing: name) == nil, "\(name)")
    }
  }

  @Test("Codable as its name", arguments: Loss.allCases)
  func codable(_ loss: Loss) throws {
    let data = try JSONEncoder().encode([loss])
    #expect(String(decoding: data, as: UTF8.self) == "[\"\(loss.description)\"]")
    #expect(try JSONDecoder().decode([Loss].self, from: data) == [loss])
  }

  @Test("decoding an unknown name throws")
  func decodeUnknown() {
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode([Loss].self, from: Data("[\"l1\"]".utf8))
    }
  }

  @Test("the doc comments' examples print what they say")
  func documentedExamples() {
    do {
      try Loss.binaryCrossEntropy.validate(targets: [[1], [2]], outputSize: 1)
      Issue.record("validate did not throw")
    } catch {
      #expect("\(error)" == "row 1: class label 2.0 is outside 0..<2")
    }
    #expect("\(Loss(parsing: "bce-logits") == .binaryCrossEntropyWithLogits)" == "true")
  }
}
