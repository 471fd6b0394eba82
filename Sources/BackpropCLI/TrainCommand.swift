import Backprop
import Foundation

/// `backprop train`: train an MLP on a CSV file and save it.
enum TrainCommand {
  static let allowed: Set<String> = [
    "--data", "--target", "--layers", "--activation", "--loss", "--optimizer",
    "--learning-rate", "--epochs", "--batch-size", "--seed", "--l2", "--test-fraction",
    "--save", "--standardize", "--shards", "--threads",
  ]

  /// Everything `train` was asked to do, checked before any file is read.
  struct Settings {
    var path: String
    var targetText: String
    var layers: [Int]
    var activation: Activation
    var loss: Loss?
    var optimizer: String
    var learningRate: Double?
    var epochs: Int
    var batchSize: Int?
    var seed: UInt64
    var l2: Double
    var testFraction: Double
    var standardize: Bool
    var shards: Int
    var threads: Int
    var savePath: String?
  }

  static let activationNames = ["linear", "step", "sigmoid", "tanh", "relu", "leakyReLU", "elu", "softplus"]
  static let lossNames = ["mse", "half-mse", "sse", "bce", "bce-logits", "cross-entropy", "hinge"]
  static let optimizerNames = ["sgd", "gd", "momentum", "nesterov", "adagrad", "adam", "adamw"]

  /// Reads and checks every option: a usage mistake is found before the
  /// data is read, however big the file.
  static func settings(_ arguments: [String]) throws -> Settings {
    let o = try Options(arguments, command: "train", allowed: allowed)
    let path = try o.required("--data", "FILE.csv")
    let targetText = try o.required("--target", "COLUMN (a name, a position from 1, or last)")
    if let n = Int(targetText), n < 1 {
      throw o.mistake("--target", targetText, "a column name, a position counted from 1, or last")
    }
    let layers = try o.widths("--layers", default: [16, 16], largest: 4096)
    guard layers.count <= 64 else {
      throw o.mistake("--layers", o["--layers"] ?? "", "at most 64 hidden layers")
    }
    let activationText = o["--activation"] ?? "relu"
    guard let activation = Activation(parsing: activationText) else {
      throw o.mistake("--activation", activationText, "one of \(activationNames.joined(separator: ", "))")
    }
    var loss: Loss? = nil
    if let name = o["--loss"] {
      guard let parsed = Loss(parsing: name) else {
        throw o.mistake("--loss", name, "one of \(lossNames.joined(separator: ", "))")
      }
      loss = parsed
    }
    let optimizer = try o.choice("--optimizer", default: "adam", from: optimizerNames) ?? "adam"
    let learningRate =
      o["--learning-rate"] == nil
      ? nil : try o.number("--learning-rate", default: 0, "a number greater than 0") { $0 > 0 }
    let epochs = try o.integer("--epochs", default: 100, in: 1...1_000_000_000)
    let batchSize =
      o["--batch-size"] == nil ? nil : try o.integer("--batch-size", default: 1, in: 1...Int.max)
    let seed = try o.seed("--seed", default: 0)
    let l2 = try o.number("--l2", default: 0, "a number ≥ 0") { $0 >= 0 }
    let testFraction = try o.number(
      "--test-fraction", default: 0, "a number from 0 up to, but not including, 1"
    ) { $0 >= 0 && $0 < 1 }
    let standardize = try o.yesOrNo("--standardize", default: true)
    // Every batch in 8 shards unless told otherwise, so that a run gives the
    // same model whatever --threads is.
    let shards = try o.integer("--shards", default: 8, in: 1...1024)
    let threads = try o.integer("--threads", default: 1, in: 1...256)
    if threads > 1 && shards == 1 {
      throw o.mistake(
        "--threads", o["--threads"] ?? "",
        "more than 1 needs --shards 2 or more (the shards are what runs in parallel)")
    }
    var savePath: String? = nil
    if o["--save"] != nil { savePath = try o.required("--save", "FILE.json") }
    return Settings(
      path: path, targetText: targetText, layers: layers, activation: activation, loss: loss,
      optimizer: optimizer, learningRate: learningRate, epochs: epochs, batchSize: batchSize,
      seed: seed, l2: l2, testFraction: testFraction, standardize: standardize, shards: shards,
      threads: threads, savePath: savePath)
  }

  static func run(_ arguments: [String]) throws {
    let s = try settings(arguments)
    var data = try Dataset.loadCSV(from: s.path, target: targetColumn(s.targetText))
    let loss = try s.loss ?? chooseLoss(for: data)
    if loss == .hinge, Set(data.labels).isSubset(of: [0, 1]) { data = try data.signedLabels() }

    var generator = SeededGenerator(seed: s.seed)
    var train = data
    var test: Dataset?
    if s.testFraction > 0 {
      (train, test) = try data.split(testFraction: s.testFraction, using: &generator)
    }
    let standardizer = s.standardize ? Standardizer(fitting: train) : nil
    if let standardizer {
      train = standardizer(train)
      test = test.map { standardizer($0) }
    }

    let outputSize = try outputCount(for: loss, data: data, target: s.targetText)
    let model = MLP(
      inputSize: train.featureCount, layerSizes: s.layers + [outputSize], activation: s.activation,
      initialization: s.activation == .relu ? .he : .glorot, using: &generator)
    var optimizer = try makeOptimizer(
      s.optimizer, parameters: model.parameters, learningRate: s.learningRate)

    say("training \(model) on \(train.count) rows of \(s.path), loss \(loss), optimizer \(optimizer.name)")
    let epochs = s.epochs
    let every = Swift.max(1, epochs / 20)
    let trainingOptions = TrainingOptions(
      epochs: epochs, batchSize: s.batchSize, seed: s.seed, l2: s.l2, shards: s.shards,
      threads: s.threads)
    let history = try optimizer.train(model, on: train, loss: loss, options: trainingOptions) { r in
      let accuracy = r.accuracy.map { String(format: "  accuracy %5.1f%%", 100 * $0) } ?? ""
      let line = "  epoch \(r.epoch)/\(epochs)  loss \(formatNumber(r.loss))" + accuracy
      if r.epoch == 1 || r.epoch % every == 0 || r.epoch == epochs {
        // A kept line: on a terminal it replaces the live one.
        if stdoutIsTerminal { sayLive(line, done: true) } else { say(line) }
      } else {
        sayLive(line)
      }
    }
    if let last = history.last {
      let accuracy = last.accuracy.map { String(format: ", training accuracy %.1f%%", 100 * $0) } ?? ""
      say("final training loss \(formatNumber(last.loss))" + accuracy)
    }
    if let test {
      let outputs = test.features.map { model.predict($0) }
      if let accuracy = try accuracy(outputs: outputs, targets: test.targets, loss: loss) {
        say(String(format: "test accuracy %.1f%% on %d rows", 100 * accuracy, test.count))
      } else {
        let error = Evaluation.meanSquaredError(outputs, test.targets)
        say("test mean squared error \(formatNumber(error)) on \(test.count) rows")
      }
    }
    if let savePath = s.savePath {
      var metadata = ["loss": loss.description, "target": s.targetText, "data": s.path]
      if let names = data.classNames { metadata["classNames"] = try encodeNames(names) }
      if loss == .hinge { metadata["labels"] = "signed" }
      try model.save(
        to: savePath, optimizer: optimizer.state, metadata: metadata, scaling: standardizer)
      say("saved \(savePath)")
    }
  }

  /// A name, a position counted from 1, or `last`.
  static func targetColumn(_ text: String) -> TargetColumn {
    if text == "last" { return .last }
    if let n = Int(text), n >= 1 { return .index(n - 1) }
    return .name(text)
  }

  /// The default loss for the data: cross-entropy for class labels (names,
  /// or whole numbers 0…K−1 with K > 2), binary cross-entropy from logits
  /// for two classes, mean squared error otherwise.
  static func chooseLoss(for data: Dataset) throws -> Loss {
    if let names = data.classNames { return names.count == 2 ? .binaryCrossEntropyWithLogits : .softmaxCrossEntropy }
    if let k = data.classCount, data.targetCount == 1 {
      return k <= 2 ? .binaryCrossEntropyWithLogits : .softmaxCrossEntropy
    }
    return .meanSquaredError
  }

  /// The model's output count for a loss.
  static func outputCount(for loss: Loss, data: Dataset, target: String) throws -> Int {
    let classifies = [.softmaxCrossEntropy, .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge]
      .contains(loss)
    let k = data.classNames?.count ?? data.classCount ?? 0
    if classifies && k == 1 {
      let only = data.classNames?.first.map { "'\($0)'" } ?? formatNumber(data.labels.first ?? 0)
      throw DataProblem(
        description:
          "the target column \(target) has one class only (\(only)); classification needs two or more")
    }
    switch loss {
    case .softmaxCrossEntropy:
      guard k >= 2 else {
        throw DataProblem(
          description: "cross-entropy needs class labels 0, 1, … or class names in the target column \(target)")
      }
      return k
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge:
      return 1
    default:
      return data.targetCount
    }
  }

  static func encodeNames(_ names: [String]) throws -> String {
    String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
  }
}

/// An optimiser chosen on the command line.
enum AnyOptimizer {
  case sgd(SGD)
  case adagrad(Adagrad)
  case adam(Adam)
  case adamW(AdamW)

  var name: String {
    switch self {
    case .sgd(let o): o.momentum > 0 ? (o.nesterov ? "nesterov" : "momentum") : "sgd"
    case .adagrad: "adagrad"
    case .adam: "adam"
    case .adamW: "adamw"
    }
  }

  var state: OptimizerState {
    switch self {
    case .sgd(let o): o.state
    case .adagrad(let o): o.state
    case .adam(let o): o.state
    case .adamW(let o): o.state
    }
  }

  mutating func train(
    _ model: MLP, on data: Dataset, loss: Loss, options: TrainingOptions,
    progress: (EpochReport) -> Void
  ) throws -> [EpochReport] {
    switch self {
    case .sgd(var o):
      defer { self = .sgd(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options, progress: progress)
    case .adagrad(var o):
      defer { self = .adagrad(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options, progress: progress)
    case .adam(var o):
      defer { self = .adam(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options, progress: progress)
    case .adamW(var o):
      defer { self = .adamW(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options, progress: progress)
    }
  }
}

/// `sgd`, `momentum`, `nesterov`, `adagrad`, `adam` or `adamw`, with its
/// default learning rate unless one is given.
func makeOptimizer(_ name: String, parameters: [Value], learningRate: Double?) throws -> AnyOptimizer {
  switch name.lowercased() {
  case "sgd", "gd":
    return .sgd(try SGD(parameters: parameters, learningRate: learningRate ?? 0.1))
  case "momentum":
    return .sgd(try SGD(parameters: parameters, learningRate: learningRate ?? 0.05, momentum: 0.9))
  case "nesterov":
    return .sgd(try SGD(parameters: parameters, learningRate: learningRate ?? 0.05, momentum: 0.9, nesterov: true))
  case "adagrad":
    return .adagrad(try Adagrad(parameters: parameters, learningRate: learningRate ?? 0.1))
  case "adam":
    return .adam(try Adam(parameters: parameters, learningRate: learningRate ?? 0.01))
  case "adamw":
    return .adamW(try AdamW(parameters: parameters, learningRate: learningRate ?? 0.01))
  default:
    throw UsageError(description: "unknown optimizer '\(name)'; try sgd, momentum, nesterov, adagrad, adam, adamw")
  }
}

/// The mean squared error of predictions on plain numbers (accuracy is the
/// library's `accuracy(outputs:targets:loss:)`).
enum Evaluation {
  static func meanSquaredError(_ outputs: [[Double]], _ targets: [[Double]]) -> Double {
    var total = 0.0
    var n = 0
    for (o, t) in zip(outputs, targets) {
      for (a, b) in zip(o, t) {
        total += (a - b) * (a - b)
        n += 1
      }
    }
    return n > 0 ? total / Double(n) : .nan
  }
}
