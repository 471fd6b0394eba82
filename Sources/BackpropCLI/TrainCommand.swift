import Backprop
import Foundation

/// `backprop train`: train an MLP on a CSV file and save it.
enum TrainCommand {
  static let allowed: Set<String> = [
    "--data", "--target", "--layers", "--activation", "--loss", "--optimizer",
    "--learning-rate", "--epochs", "--batch-size", "--seed", "--l2", "--test-fraction",
    "--save", "--standardize", "--shards", "--threads",
  ]

  static func run(_ arguments: [String]) throws {
    let options = try parseOptions(arguments, allowed: allowed)
    guard let path = options["--data"] else { throw UsageError(description: "train needs --data FILE") }
    guard let targetText = options["--target"] else {
      throw UsageError(description: "train needs --target COLUMN (a name, a position from 1, or last)")
    }
    let layers = try parseLayers(options["--layers"] ?? "16,16")
    let activationText = options["--activation"] ?? "relu"
    guard let activation = Activation(parsing: activationText) else {
      throw UsageError(description: "unknown activation '\(activationText)'")
    }
    let epochs = try int(options, "--epochs", default: 100)
    let seed = UInt64(try int(options, "--seed", default: 0))
    let batchSize = try options["--batch-size"].map { _ in try int(options, "--batch-size", default: 0) }
    let l2 = try double(options, "--l2", default: 0)
    let testFraction = try double(options, "--test-fraction", default: 0)
    let standardize = try bool(options, "--standardize", default: true)
    // Every batch in 8 shards unless told otherwise, so that a run gives the
    // same model whatever --threads is.
    let threads = try int(options, "--threads", default: 1)
    let shards = try int(options, "--shards", default: 8)

    var data = try Dataset.loadCSV(from: path, target: targetColumn(targetText))
    let loss = try chooseLoss(options["--loss"], for: data)
    if loss == .hinge, Set(data.labels).isSubset(of: [0, 1]) { data = try data.signedLabels() }

    var generator = SeededGenerator(seed: seed)
    var train = data
    var test: Dataset?
    if testFraction > 0 {
      (train, test) = try data.split(testFraction: testFraction, using: &generator)
    }
    let standardizer = standardize ? Standardizer(fitting: train) : nil
    if let standardizer {
      train = standardizer(train)
      test = test.map { standardizer($0) }
    }

    let outputSize = try outputCount(for: loss, data: data)
    let model = MLP(
      inputSize: train.featureCount, layerSizes: layers + [outputSize], activation: activation,
      initialization: activation == .relu ? .he : .glorot, using: &generator)
    var optimizer = try makeOptimizer(
      options["--optimizer"] ?? "adam", parameters: model.parameters,
      learningRate: options["--learning-rate"].map { _ in try double(options, "--learning-rate", default: 0) })

    print("training \(model) on \(train.count) rows of \(path), loss \(loss), optimizer \(optimizer.name)")
    let every = Swift.max(1, epochs / 20)
    let trainingOptions = TrainingOptions(
      epochs: epochs, batchSize: batchSize, seed: seed, l2: l2, shards: shards, threads: threads)
    let history = try optimizer.train(model, on: train, loss: loss, options: trainingOptions) { r in
      guard r.epoch == 1 || r.epoch % every == 0 || r.epoch == epochs else { return }
      let accuracy = r.accuracy.map { String(format: "  accuracy %5.1f%%", 100 * $0) } ?? ""
      print(String(format: "  epoch %4d/%d  loss %.6f", r.epoch, epochs, r.loss) + accuracy)
    }
    if let last = history.last {
      let accuracy = last.accuracy.map { String(format: ", training accuracy %.1f%%", 100 * $0) } ?? ""
      print(String(format: "final training loss %.6f", last.loss) + accuracy)
    }
    if let test {
      let outputs = test.features.map { model.predict($0) }
      if let accuracy = try accuracy(outputs: outputs, targets: test.targets, loss: loss) {
        print(String(format: "test accuracy %.1f%% on %d rows", 100 * accuracy, test.count))
      } else {
        print(String(format: "test mean squared error %.6g on %d rows", Evaluation.meanSquaredError(outputs, test.targets), test.count))
      }
    }
    if let savePath = options["--save"] {
      var metadata = ["loss": loss.description, "target": targetText, "data": path]
      if let names = data.classNames { metadata["classNames"] = try encodeNames(names) }
      if loss == .hinge { metadata["labels"] = "signed" }
      try model.save(
        to: savePath, optimizer: optimizer.state, metadata: metadata, scaling: standardizer)
      print("saved \(savePath)")
    }
  }

  /// `16,16` → [16, 16].
  static func parseLayers(_ text: String) throws -> [Int] {
    if text.isEmpty || text == "none" { return [] }
    let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw UsageError(description: "--layers takes widths ≥ 1 separated by commas, like 16,16; got '\(text)'")
    }
    return sizes.compactMap { $0 }
  }

  /// A name, a position counted from 1, or `last`.
  static func targetColumn(_ text: String) -> TargetColumn {
    if text == "last" { return .last }
    if let n = Int(text), n >= 1 { return .index(n - 1) }
    return .name(text)
  }

  /// The loss named, or a default for the data: cross-entropy for class
  /// labels (names, or whole numbers 0…K−1 with K > 2), binary cross-entropy
  /// from logits for 0/1 labels, mean squared error otherwise.
  static func chooseLoss(_ name: String?, for data: Dataset) throws -> Loss {
    if let name {
      guard let loss = Loss(parsing: name) else {
        throw UsageError(description: "unknown loss '\(name)'; try mse, half-mse, sse, bce, bce-logits, cross-entropy, hinge")
      }
      return loss
    }
    if let names = data.classNames { return names.count == 2 ? .binaryCrossEntropyWithLogits : .softmaxCrossEntropy }
    if let k = data.classCount, data.targetCount == 1 {
      return k <= 2 ? .binaryCrossEntropyWithLogits : .softmaxCrossEntropy
    }
    return .meanSquaredError
  }

  /// The model's output count for a loss.
  static func outputCount(for loss: Loss, data: Dataset) throws -> Int {
    switch loss {
    case .softmaxCrossEntropy:
      guard let k = data.classNames?.count ?? data.classCount, k >= 2 else {
        throw UsageError(description: "cross-entropy needs class labels 0, 1, … or class names in the target column")
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

  static func int(_ options: [String: String], _ name: String, default value: Int) throws -> Int {
    guard let text = options[name] else { return value }
    guard let n = Int(text) else { throw UsageError(description: "\(name) needs a whole number, not '\(text)'") }
    return n
  }

  static func double(_ options: [String: String], _ name: String, default value: Double) throws -> Double {
    guard let text = options[name] else { return value }
    guard let x = Double(text), x.isFinite else { throw UsageError(description: "\(name) needs a number, not '\(text)'") }
    return x
  }

  static func bool(_ options: [String: String], _ name: String, default value: Bool) throws -> Bool {
    guard let text = options[name] else { return value }
    switch text {
    case "yes", "true", "on": return true
    case "no", "false", "off": return false
    default: throw UsageError(description: "\(name) takes yes or no, not '\(text)'")
    }
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
