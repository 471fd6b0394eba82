// The loss a training run minimises, as a value: its seven cases, the table
// of their names and target kinds, and its coding as a command-line name.
// Validation, the batch loss and accuracy are in the Loss+… files beside it.

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
/// ``callAsFunction(_:_:)-([[Value]],_)``: a loss of `Value`s never throws. A programming
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

  // MARK: Names

  /// What sets one loss apart from another where validation, messages and
  /// names are concerned: one row per case, the only switch over the cases
  /// besides the loss of an example (in `Loss+Batch.swift`) and the
  /// accuracy rule (``isCorrect(output:target:)``).
  struct Traits {
    /// The command-line name, also the ``description``.
    var name: String
    /// Every name ``init(parsing:)`` accepts, lowercased.
    var names: [String]
    /// What the model's outputs are and what the targets must be.
    var targets: TargetKind
    /// What the model's single output means, for messages.
    var outputMeaning: String
  }

  /// The kinds of output and target the losses take.
  enum TargetKind {
    /// K ≥ 1 outputs, one finite number per output in each target row.
    case realValued
    /// One output; each target is `[0]` or `[1]`.
    case binaryLabel
    /// One output; each target is `[-1]` or `[1]`.
    case signedLabel
    /// K ≥ 2 logits; each target is a class index or a one-hot row.
    case classIndexOrOneHot
  }

  /// This case's row of the table.
  var traits: Traits {
    switch self {
    case .sumOfSquaredErrors:
      Traits(
        name: "sse", names: ["sse", "rss", "sumofsquarederrors", "sumofsquares"],
        targets: .realValued, outputMeaning: "number per target")
    case .meanSquaredError:
      Traits(
        name: "mse", names: ["mse", "meansquarederror"], targets: .realValued,
        outputMeaning: "number per target")
    case .halfMeanSquaredError:
      Traits(
        name: "half-mse", names: ["half-mse", "halfmeansquarederror"], targets: .realValued,
        outputMeaning: "number per target")
    case .binaryCrossEntropy:
      Traits(
        name: "bce", names: ["bce", "binarycrossentropy"], targets: .binaryLabel,
        outputMeaning: "probability")
    case .binaryCrossEntropyWithLogits:
      Traits(
        name: "bce-logits", names: ["bce-logits", "binarycrossentropywithlogits"],
        targets: .binaryLabel, outputMeaning: "logit")
    case .softmaxCrossEntropy:
      Traits(
        name: "cross-entropy", names: ["cross-entropy", "softmaxcrossentropy"],
        targets: .classIndexOrOneHot, outputMeaning: "logit per class")
    case .hinge:
      Traits(name: "hinge", names: ["hinge"], targets: .signedLabel, outputMeaning: "score")
    }
  }

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
    let name = text.lowercased()
    guard let loss = Loss.allCases.first(where: { $0.traits.names.contains(name) }) else {
      return nil
    }
    self = loss
  }

  /// The command-line name: `sse`, `mse`, `half-mse`, `bce`, `bce-logits`,
  /// `cross-entropy` or `hinge`; ``init(parsing:)`` reads it back.
  public var description: String { traits.name }

  /// `label` as a class index if it is a whole number in 0..<classCount.
  static func classIndex(_ label: Double, classCount: Int) -> Int? {
    guard let c = Int(exactly: label), c >= 0, c < classCount else { return nil }
    return c
  }


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
