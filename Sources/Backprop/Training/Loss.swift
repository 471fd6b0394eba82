// The loss a training run minimises, as a value: it checks a data set's
// targets, builds the batch loss from the model's outputs with the functions
// in `Losses/`, says whether a prediction is correct, and has a command-line
// name.

/// A loss function for training: what the model's outputs mean, what the
/// targets must look like, and how a batch's loss is formed.
///
///     let loss = Loss.hinge
///     try loss.validate(targets: [[1], [-1]], outputSize: model.outputSize)
///     let batch = loss([model([0.5, 1.0]), model([-1.0, 0.2])], [[1], [-1]])
///     batch.backward()
///
/// The batch loss is the mean of the per-example losses, recorded as
/// `Value.sum(perExample) * (1.0 / Double(batchCount))` (a multiply, as
/// micrograd does), so the hinge loss reproduces micrograd's demo to the last
/// digits. Each per-example loss is one of the free functions:
///
/// - ``sumOfSquaredErrors``, ``meanSquaredError``, ``halfMeanSquaredError``: K
///   outputs, K numbers per target row;
///   ``sumOfSquaredErrors(predicted:expected:)``,
///   ``meanSquaredError(predicted:expected:)``,
///   ``halfMeanSquaredError(predicted:expected:)``.
/// - ``binaryCrossEntropy``: one probability, target 0 or 1;
///   ``binaryCrossEntropy(probability:label:)``.
/// - ``binaryCrossEntropyWithLogits``: one logit, target 0 or 1;
///   ``binaryCrossEntropy(logit:label:)``.
/// - ``softmaxCrossEntropy``: K ≥ 2 logits, target a class index or K
///   one-hot entries; ``softmaxCrossEntropy(logits:classIndex:)``,
///   ``softmaxCrossEntropy(logits:oneHot:)``.
/// - ``hinge``: one score, target −1 or +1; ``hinge(score:label:)``.
///
/// Each free function has the name of its case: a noun phrase naming the
/// quantity (the sum of squared errors, the mean squared error, the binary or
/// softmax cross-entropy, the hinge), without a `Loss` suffix, as Keras and
/// PyTorch's functional API name them.
///
/// One error model holds for all of them, and for this enum's
/// ``callAsFunction(_:_:)``: a loss of `Value`s never throws. A programming
/// mistake (an empty list of outputs, a target of the wrong length, a class
/// index out of range) stops the program with a message that says what was
/// wrong and what to do, in release builds too. The values of the targets are
/// not inspected (a NaN target gives a NaN loss). Bad data from outside is
/// caught before, with a thrown error: by ``validate(targets:outputSize:)``,
/// which ``train(_:on:loss:optimizer:options:progress:)`` calls, and by the
/// data set loaders.
///
/// It is `Codable` as its command-line name (`"mse"`, `"hinge"`, …), which is
/// also its ``description``.
public enum Loss: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The residual sum of squares over the outputs, `Σₖ (yₖ − ŷₖ)²` per
  /// example (seed 001's RSS); target: one number per output. Command-line
  /// name `sse` (or `rss`).
  case sumOfSquaredErrors
  /// The mean squared error over the outputs, `(1/K) Σₖ (yₖ − ŷₖ)²` per
  /// example (seed 000's L² loss); target: one number per output.
  /// Command-line name `mse`.
  case meanSquaredError
  /// Half the mean squared error over the outputs, `(1/2K) Σₖ (yₖ − ŷₖ)²` per
  /// example (seed 001's ½MSE); target: one number per output. Command-line
  /// name `half-mse`.
  case halfMeanSquaredError
  /// Binary cross-entropy of one output that is a probability (a sigmoid
  /// output layer), `−[y log p + (1 − y) log(1 − p)]` with the logarithms
  /// clamped at −100; target 0 or 1. Command-line name `bce`.
  case binaryCrossEntropy
  /// Binary cross-entropy of one output that is a logit (a linear output
  /// layer), `softplus(x) − x·y`, exact for any logit; target 0 or 1.
  /// Command-line name `bce-logits`.
  case binaryCrossEntropyWithLogits
  /// Softmax cross-entropy of K ≥ 2 outputs that are logits,
  /// `logSumExp(z) − z_c`; target: a class index c (one entry) or a one-hot
  /// vector (K entries). Command-line name `cross-entropy`.
  case softmaxCrossEntropy
  /// The hinge loss of one output that is a score, `max(0, 1 − y·s)`, as
  /// micrograd's demo; target −1 or +1. Command-line name `hinge`.
  case hinge

  // MARK: Validation

  /// Checks targets against this loss and the model's output size, naming
  /// the first bad row (from 0).
  ///
  ///     do {
  ///       try Loss.binaryCrossEntropy.validate(targets: [[1], [2]], outputSize: 1)
  ///     } catch {
  ///       print(error)
  ///       // Prints "row 1: class label 2.0 is outside 0..<2"
  ///     }
  ///
  /// What each loss needs, row by row:
  /// - ``sumOfSquaredErrors``, ``meanSquaredError``, ``halfMeanSquaredError``: one
  ///   finite number per output.
  /// - ``binaryCrossEntropy``, ``binaryCrossEntropyWithLogits``: one output;
  ///   each target is `[0]` or `[1]`.
  /// - ``hinge``: one output; each target is `[-1]` or `[1]`.
  /// - ``softmaxCrossEntropy``: K ≥ 2 outputs; each target is either a class
  ///   index `[c]` with c a whole number in 0..<K, or a one-hot vector of K
  ///   entries, each 0 or 1, exactly one of them 1.
  ///
  /// Call it once on a data set before training, so that a bad row stops the
  /// run before any step instead of tripping a precondition in
  /// ``callAsFunction(_:_:)``.
  ///
  /// - Parameters:
  ///   - targets: The target rows, one per example.
  ///   - outputSize: The number of outputs of the model (``MLP/outputSize``).
  /// - Throws: ``TrainingError/empty(what:)`` when there are no targets;
  ///   ``TrainingError/sizeMismatch(what:expected:actual:)`` when the model
  ///   has the wrong number of outputs for this loss or a row has the wrong
  ///   number of entries (or a one-hot row has no 1 or several);
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for a NaN or
  ///   infinite entry; ``TrainingError/labelOutOfRange(row:label:classCount:)``
  ///   for a label that this loss does not accept (with `classCount` 2 for
  ///   the binary losses and the hinge, K for softmax cross-entropy).
  /// - Complexity: O(n · K) for n rows of K entries.
  public func validate(targets: [[Double]], outputSize: Int) throws {
    guard !targets.isEmpty else { throw TrainingError.empty(what: "the list of targets") }
    try validateOutputSize(outputSize)
    for (row, target) in targets.enumerated() {
      try validate(row: row, target: target, outputSize: outputSize)
    }
  }

  /// Throws unless a model with `outputSize` outputs suits this loss.
  private func validateOutputSize(_ outputSize: Int) throws {
    switch self {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      guard outputSize >= 1 else {
        throw TrainingError.sizeMismatch(
          what: "the model's outputs for \(self) (at least one)", expected: 1, actual: outputSize)
      }
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge:
      guard outputSize == 1 else {
        throw TrainingError.sizeMismatch(
          what: "the model's outputs for \(self) (one \(outputMeaning))", expected: 1,
          actual: outputSize)
      }
    case .softmaxCrossEntropy:
      guard outputSize >= 2 else {
        throw TrainingError.sizeMismatch(
          what: "the model's outputs for \(self) (one logit per class, at least 2)",
          expected: 2, actual: outputSize)
      }
    }
  }

  /// What the model's single output means, for messages.
  private var outputMeaning: String {
    switch self {
    case .binaryCrossEntropy: "probability"
    case .binaryCrossEntropyWithLogits: "logit"
    case .hinge: "score"
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError: "number per target"
    case .softmaxCrossEntropy: "logit per class"
    }
  }

  /// Throws unless `target`, the target of row `row`, suits this loss.
  private func validate(row: Int, target: [Double], outputSize: Int) throws {
    switch self {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      try expectCount(row: row, target: target, outputSize)
      try expectFinite(row: row, target: target)
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits:
      try expectCount(row: row, target: target, 1)
      try expectFinite(row: row, target: target)
      guard target[0] == 0 || target[0] == 1 else {
        throw TrainingError.labelOutOfRange(row: row, label: target[0], classCount: 2)
      }
    case .hinge:
      try expectCount(row: row, target: target, 1)
      try expectFinite(row: row, target: target)
      guard target[0] == -1 || target[0] == 1 else {
        throw TrainingError.invalidLabel(row: row, label: target[0], allowed: [-1, 1])
      }
    case .softmaxCrossEntropy:
      if target.count == 1 {
        try expectFinite(row: row, target: target)
        guard Loss.classIndex(target[0], classCount: outputSize) != nil else {
          throw TrainingError.labelOutOfRange(row: row, label: target[0], classCount: outputSize)
        }
        return
      }
      guard target.count == outputSize else {
        throw TrainingError.sizeMismatch(
          what: "row \(row)'s target (a class index, or one one-hot entry per class)",
          expected: outputSize, actual: target.count)
      }
      try expectFinite(row: row, target: target)
      if let bad = target.first(where: { $0 != 0 && $0 != 1 }) {
        throw TrainingError.labelOutOfRange(row: row, label: bad, classCount: outputSize)
      }
      let ones = target.count(where: { $0 == 1 })
      guard ones == 1 else {
        throw TrainingError.sizeMismatch(
          what: "row \(row)'s one-hot target (entries equal to 1)", expected: 1, actual: ones)
      }
    }
  }

  /// Throws unless row `row`'s target has `count` entries.
  private func expectCount(row: Int, target: [Double], _ count: Int) throws {
    guard target.count == count else {
      throw TrainingError.sizeMismatch(
        what: "row \(row)'s target", expected: count, actual: target.count)
    }
  }

  /// Throws for the first NaN or infinite entry of row `row`'s target.
  private func expectFinite(row: Int, target: [Double]) throws {
    if let k = target.firstIndex(where: { !$0.isFinite }) {
      throw TrainingError.nonFiniteValue(
        what: "row \(row)'s target entry", index: k, value: target[k])
    }
  }

  /// `label` as a class index if it is a whole number in 0..<classCount.
  private static func classIndex(_ label: Double, classCount: Int) -> Int? {
    guard let c = Int(exactly: label), c >= 0, c < classCount else { return nil }
    return c
  }

  // MARK: The loss

  /// The batch loss: the mean over the batch of the per-example loss.
  ///
  ///     let outputs = [model([2.0, 3.0]), model([-1.0, 0.5])]
  ///     let loss = Loss.meanSquaredError(outputs, [[1.0], [-1.0]])
  ///     loss.backward()
  ///
  /// It is recorded as `Value.sum(perExample) * (1.0 / Double(batchCount))`:
  /// a multiply, as micrograd's demo writes
  /// `sum(losses) * (1.0 / len(losses))`, so that the two agree bit for bit.
  /// Each per-example loss is the free function the case names (see
  /// ``Loss``); for ``sumOfSquaredErrors`` it sums over the outputs, for
  /// ``meanSquaredError`` and ``halfMeanSquaredError`` it averages over them.
  ///
  /// - Parameters:
  ///   - outputs: The model's outputs, one row per example.
  ///   - targets: The targets, one row per example.
  /// - Returns: `(1/B) Σᵢ ℓ(outputsᵢ, targetsᵢ)` for a batch of B examples.
  /// - Precondition: The batch is not empty, there are as many target rows as
  ///   output rows, and the targets passed ``validate(targets:outputSize:)``
  ///   for the outputs' size.
  /// - Complexity: O(B · K) time and nodes for B examples of K outputs.
  public func callAsFunction(_ outputs: [[Value]], _ targets: [[Double]]) -> Value {
    require(!outputs.isEmpty, "Backprop: the loss of an empty batch is undefined")
    require(
      outputs.count == targets.count,
      "Backprop: \(outputs.count) output rows but \(targets.count) target rows")
    return partialLoss(outputs, targets, batchCount: outputs.count)
  }

  /// The part of a batch loss that some of its examples contribute:
  /// `Value.sum(perExample) * (1.0 / Double(batchCount))`, with `batchCount`
  /// the size of the whole batch. Parallel training adds up such parts, one
  /// per shard of the batch.
  func partialLoss(_ outputs: [[Value]], _ targets: [[Double]], batchCount: Int) -> Value {
    var perExample: [Value] = []
    perExample.reserveCapacity(outputs.count)
    for (output, target) in zip(outputs, targets) {
      perExample.append(exampleLoss(output: output, target: target))
    }
    return Value.sum(perExample) * (1.0 / Double(batchCount))
  }

  /// The loss of one example, with the checks of a validated target as
  /// preconditions.
  func exampleLoss(output: [Value], target: [Double]) -> Value {
    switch self {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      require(
        !output.isEmpty && output.count == target.count,
        "Backprop: \(self) of \(output.count) outputs and \(target.count) targets; "
          + "validate the targets first")
      switch self {
      case .sumOfSquaredErrors: return Value.sum(squaredErrors(output, target))
      case .meanSquaredError: return meanOfSquaredErrors(output, target)
      default: return halfMeanOfSquaredErrors(output, target)
      }
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge:
      require(
        output.count == 1 && target.count == 1,
        "Backprop: \(self) takes one output and one target, not \(output.count) and "
          + "\(target.count); validate the targets first")
      switch self {
      case .binaryCrossEntropy:
        return Backprop.binaryCrossEntropy(probability: output[0], label: target[0])
      case .binaryCrossEntropyWithLogits:
        return Backprop.binaryCrossEntropy(logit: output[0], label: target[0])
      default:
        return Backprop.hinge(score: output[0], label: target[0])
      }
    case .softmaxCrossEntropy:
      if target.count == 1 {
        guard let c = Loss.classIndex(target[0], classCount: output.count) else {
          stop(
            "Backprop: class label \(target[0]) is outside 0..<\(output.count); "
              + "validate the targets first")
        }
        return Backprop.softmaxCrossEntropy(logits: output, classIndex: c)
      }
      require(
        !output.isEmpty && output.count == target.count,
        "Backprop: \(output.count) logits but a one-hot target of \(target.count); "
          + "validate the targets first")
      return softmaxCrossEntropyUnchecked(logits: output, oneHot: target)
    }
  }

  // MARK: Accuracy

  /// Whether a prediction counts as correct, for accuracy; `nil` for the
  /// regression losses, which have no notion of a correct prediction.
  ///
  ///     Loss.hinge.isCorrect(output: [0.3], target: [1])                     // true
  ///     Loss.softmaxCrossEntropy.isCorrect(output: [0.1, 2, -1], target: [1]) // true
  ///     Loss.meanSquaredError.isCorrect(output: [0.3], target: [1])          // nil
  ///
  /// The predicted class is read from the output as the loss interprets it:
  /// - ``hinge``: `(target > 0) == (output > 0)`, as micrograd's demo
  ///   computes accuracy (a score of exactly 0 predicts −1);
  /// - ``binaryCrossEntropyWithLogits``: `(output > 0) == (target == 1)`;
  /// - ``binaryCrossEntropy``: `(output >= 0.5) == (target == 1)`;
  /// - ``softmaxCrossEntropy``: the index of the largest output (the first
  ///   on a tie, NaN ignored) equals the class: the target itself when it
  ///   has one entry, else the index of its largest entry.
  ///
  /// This is a metric on plain numbers (for instance from
  /// ``MLP/predict(_:)``), not differentiable. An empty output or target, or
  /// a NaN output, is never correct.
  ///
  /// - Parameters:
  ///   - output: The model's outputs for one example.
  ///   - target: Its target row.
  /// - Returns: Whether the predicted class is the target's, or `nil` for
  ///   ``sumOfSquaredErrors``, ``meanSquaredError`` and ``halfMeanSquaredError``.
  public func isCorrect(output: [Double], target: [Double]) -> Bool? {
    isCorrect(output: output[...], target: target)
  }

  /// ``isCorrect(output:target:)`` for outputs that are part of a larger
  /// buffer (the training loop's, with every example's outputs in a row).
  func isCorrect(output: ArraySlice<Double>, target: [Double]) -> Bool? {
    switch self {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      return nil
    case .hinge:
      guard let s = output.first, let y = target.first else { return false }
      return (y > 0) == (s > 0)
    case .binaryCrossEntropyWithLogits:
      guard let x = output.first, let y = target.first else { return false }
      return (x > 0) == (y == 1)
    case .binaryCrossEntropy:
      guard let p = output.first, let y = target.first, !p.isNaN else { return false }
      return (p >= 0.5) == (y == 1)
    case .softmaxCrossEntropy:
      guard let predicted = Loss.argmax(output) else { return false }
      let actual =
        target.count == 1
        ? Loss.classIndex(target[0], classCount: output.count) : Loss.argmax(target)
      return predicted == actual
    }
  }

  /// The position (from 0) of the first largest non-NaN entry, or `nil` if
  /// there is none.
  private static func argmax(_ xs: some Collection<Double>) -> Int? {
    var best: Int? = nil
    var largest = 0.0
    for (i, x) in xs.enumerated() where !x.isNaN {
      if best != nil, !(x > largest) { continue }
      best = i
      largest = x
    }
    return best
  }

  // MARK: Names

  /// Parses a command-line name: `mse`, `half-mse`, `sse` (or `rss`), `bce`,
  /// `bce-logits`, `cross-entropy`, `hinge`, or a case name such as
  /// `meanSquaredError`; letter case is ignored.
  ///
  ///     let loss = Loss(parsing: "bce-logits")
  ///     print(loss == .binaryCrossEntropyWithLogits)
  ///     // Prints "true"
  ///
  /// - Parameter text: The name.
  /// - Returns: The loss, or `nil` for an unknown name.
  public init?(parsing text: String) {
    switch text.lowercased() {
    case "sse", "rss", "sumofsquarederrors", "sumofsquares": self = .sumOfSquaredErrors
    case "mse", "meansquarederror": self = .meanSquaredError
    case "half-mse", "halfmeansquarederror": self = .halfMeanSquaredError
    case "bce", "binarycrossentropy": self = .binaryCrossEntropy
    case "bce-logits", "binarycrossentropywithlogits": self = .binaryCrossEntropyWithLogits
    case "cross-entropy", "softmaxcrossentropy": self = .softmaxCrossEntropy
    case "hinge": self = .hinge
    default: return nil
    }
  }

  /// The command-line name: `sse`, `mse`, `half-mse`, `bce`, `bce-logits`,
  /// `cross-entropy` or `hinge`; ``init(parsing:)`` reads it back.
  public var description: String {
    switch self {
    case .sumOfSquaredErrors: "sse"
    case .meanSquaredError: "mse"
    case .halfMeanSquaredError: "half-mse"
    case .binaryCrossEntropy: "bce"
    case .binaryCrossEntropyWithLogits: "bce-logits"
    case .softmaxCrossEntropy: "cross-entropy"
    case .hinge: "hinge"
    }
  }

  // MARK: Codable

  /// Decodes a loss from its name, a single string such as `"mse"` (any name
  /// ``init(parsing:)`` accepts).
  ///
  ///     let json = Data(#"["mse", "hinge"]"#.utf8)
  ///     let losses = try JSONDecoder().decode([Loss].self, from: json)
  ///     // [.meanSquaredError, .hinge]
  ///
  /// - Parameter decoder: The decoder to read from.
  /// - Throws: `DecodingError.dataCorrupted` for an unknown name, or the
  ///   decoder's error when the value is not a string.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let name = try container.decode(String.self)
    guard let loss = Loss(parsing: name) else {
      throw DecodingError.dataCorruptedError(
        in: container,
        debugDescription: "unknown loss \"\(name)\"; expected one of "
          + Loss.allCases.map(\.description).joined(separator: ", "))
    }
    self = loss
  }

  /// Encodes the loss as its command-line name, a single string.
  ///
  ///     let json = try JSONEncoder().encode([Loss.halfMeanSquaredError])
  ///     print(String(decoding: json, as: UTF8.self))
  ///     // Prints "["half-mse"]"
  ///
  /// - Parameter encoder: The encoder to write to.
  /// - Throws: The encoder's error.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}

/// `Loss.allCases` lists the seven losses in declaration order.
extension Loss: CaseIterable {}

extension Loss {
  /// The residual sum of squares under its old name; see
  /// ``sumOfSquaredErrors``.
  ///
  ///     let loss = Loss.sumOfSquares  // Loss.sumOfSquaredErrors
  @available(*, deprecated, renamed: "sumOfSquaredErrors")
  public static var sumOfSquares: Loss { .sumOfSquaredErrors }
}
