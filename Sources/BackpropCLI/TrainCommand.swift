import Backprop
import Foundation

/// `backprop train`: train an MLP on a CSV file and save it.
enum TrainCommand {
  static let allowed: Set<String> = [
    "--data", "--target", "--layers", "--activation", "--loss", "--optimizer",
    "--learning-rate", "--epochs", "--batch-size", "--seed", "--l2", "--test-fraction",
    "--save", "--standardize", "--shards", "--threads", "--checkpoint-every", "--resume", "--task",
  ]

  /// What a resumed run may still be told: where to save, how often, with
  /// how many threads, for how many epochs in all, and where its data file
  /// is now. Everything else is the run's own (it decides the result).
  static let resumable: Set<String> = [
    "--resume", "--save", "--checkpoint-every", "--threads", "--epochs", "--data", "--force",
  ]

  /// The settings that decide a run's result, saved in its checkpoints (as
  /// JSON under the metadata key `run`) so that `--resume` continues it.
  struct Run: Codable, Equatable {
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
    /// `auto`, `classify` or `regress`.
    var task: String

    /// ``task`` as the CSV loader's.
    var targetTask: TargetTask {
      switch task {
      case "classify": .classification
      case "regress": .regression
      default: .automatic
      }
    }
  }

  /// Everything `train` was asked to do, checked before any file is read:
  /// the run, and how to carry it out (which does not change its result).
  struct Settings {
    /// Empty (no `path`) until a resumed run's settings are read.
    var run: Run
    var threads: Int
    var savePath: String?
    var checkpointEvery: Int?
    var resumePath: String?
    /// `--force`: replace a read-only checkpoint file.
    var force = false
  }

  static let activationNames = ["linear", "step", "sigmoid", "tanh", "relu", "leakyReLU", "elu", "softplus"]
  static let lossNames = ["mse", "half-mse", "sse", "bce", "bce-logits", "cross-entropy", "hinge"]
  static let optimizerNames = ["sgd", "gd", "momentum", "nesterov", "adagrad", "adam", "adamw"]

  /// Reads and checks every option: a usage mistake is found before the
  /// data is read, however big the file.
  static func settings(_ arguments: [String]) throws -> Settings {
    let o = try Options(arguments, command: "train", allowed: allowed, flags: ["--force"])
    if o["--resume"] != nil {
      let resumePath = try o.required("--resume", "FILE.json (a checkpoint of the run)")
      if let fixed = o.values.keys.sorted().first(where: { !resumable.contains($0) }) {
        throw o.mistake(
          fixed, o[fixed] ?? "",
          "a resumed run keeps the settings it started with; with --resume give only "
            + resumable.subtracting(["--resume"]).sorted().joined(separator: ", "))
      }
      let epochs =
        o["--epochs"] == nil ? 0 : try o.integer("--epochs", default: 0, in: 1...1_000_000_000)
      let unread = Run(
        path: o["--data"] ?? "", targetText: "", layers: [], activation: .relu, loss: nil,
        optimizer: "", learningRate: nil, epochs: epochs, batchSize: nil, seed: 0, l2: 0,
        testFraction: 0, standardize: true, shards: 1, task: "auto")
      var settings = Settings(
        run: unread, threads: try o.integer("--threads", default: 1, in: 1...256),
        savePath: nil, checkpointEvery: nil, resumePath: resumePath)
      settings.savePath = try o["--save"].map { _ in try o.required("--save", "FILE.json") }
      settings.checkpointEvery = try checkpointEvery(o, saving: settings.savePath != nil)
      settings.force = o.isSet("--force")
      return settings
    }
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
    let task = try o.choice("--task", default: "auto", from: ["auto", "classify", "regress"]) ?? "auto"
    if task == "regress", let loss, loss.classifies {
      throw o.mistake("--task", o["--task"] ?? "", "regress does not go with --loss \(loss), which classifies")
    }
    let run = Run(
      path: path, targetText: targetText, layers: layers, activation: activation, loss: loss,
      optimizer: optimizer, learningRate: learningRate, epochs: epochs, batchSize: batchSize,
      seed: seed, l2: l2, testFraction: testFraction, standardize: standardize, shards: shards,
      task: task)
    var settings = Settings(
      run: run, threads: threads, savePath: savePath,
      checkpointEvery: try checkpointEvery(o, saving: savePath != nil), resumePath: nil)
    settings.force = o.isSet("--force")
    if settings.force && savePath == nil {
      throw UsageError(description: "train: --force needs --save FILE.json (it lets a save replace a read-only file)")
    }
    return settings
  }

  /// `--checkpoint-every N`: a save every N epochs, which needs `--save`.
  static func checkpointEvery(_ o: Options, saving: Bool) throws -> Int? {
    guard let text = o["--checkpoint-every"] else { return nil }
    let n = try o.integer("--checkpoint-every", default: 1, in: 1...1_000_000_000)
    guard saving else {
      throw o.mistake("--checkpoint-every", text, "needs --save FILE.json, where the checkpoints go")
    }
    return n
  }

  /// The settings of the run a checkpoint was saved from, with what the
  /// command line may still change (and the epochs it completed).
  static func resumed(_ s: Settings, from checkpoint: Checkpoint, path: String) throws -> (Settings, Int) {
    guard let json = checkpoint.metadata["run"],
      let run = try? JSONDecoder().decode(Run.self, from: Data(json.utf8))
    else {
      throw DataProblem(
        description:
          "\(path) has no run settings to resume (it was not saved by `backprop train` with "
          + "checkpoints); train again with --save")
    }
    guard checkpoint.optimizer != nil else {
      throw DataProblem(description: "\(path) has no optimiser state to resume from")
    }
    guard let epoch = checkpoint.metadata["epoch"].flatMap({ Int($0) }), epoch >= 0 else {
      throw DataProblem(description: "\(path) does not say how many epochs it completed")
    }
    var r = s
    r.run = run
    // The data file may have moved, and the run may be made longer.
    if !s.run.path.isEmpty { r.run.path = s.run.path }
    if s.run.epochs > 0 { r.run.epochs = s.run.epochs }
    // Saving goes on where it went (the checkpoint resumed), as often.
    if r.savePath == nil { r.savePath = path }
    if r.checkpointEvery == nil {
      r.checkpointEvery = checkpoint.metadata["checkpointEvery"].flatMap { Int($0) }
    }
    if r.threads > 1 && run.shards == 1 {
      throw UsageError(description: "train: --threads '\(r.threads)' is not allowed: the run resumed has 1 shard")
    }
    guard epoch <= r.run.epochs else {
      throw UsageError(
        description:
          "train: --epochs '\(r.run.epochs)' is not allowed: \(path) has already completed \(epoch) epochs")
    }
    return (r, epoch)
  }

  /// The run settings saved with each checkpoint.
  static func runSettings(_ s: Settings) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(s.run), as: UTF8.self)
  }

  static func run(_ arguments: [String]) throws {
    var s = try settings(arguments)
    var checkpoint: Checkpoint? = nil
    var completedEpochs = 0
    if let resumePath = s.resumePath {
      let loaded = try Checkpoint.load(from: resumePath)
      (s, completedEpochs) = try resumed(s, from: loaded, path: resumePath)
      checkpoint = loaded
    }
    // Where the model goes is checked before any work: a FIFO, a device, a
    // folder, a read-only file (without --force) or a missing folder stops
    // here, not after training.
    if let savePath = s.savePath {
      try Checkpoint.checkDestination(savePath, replacingReadOnly: s.force)
    }
    var data = try Dataset.loadCSV(from: s.run.path, target: targetColumn(s.run.targetText), task: s.run.targetTask)
    if let typing = data.targetTyping {
      say(typing.wasAsked ? typing.reason : typing.reason + " (--task classify|regress, or --loss, to choose)")
    }
    let loss = try s.run.loss ?? chooseLoss(for: data)
    if loss == .hinge, Set(data.labels).isSubset(of: [0, 1]) { data = try data.signedLabels() }

    var generator = SeededGenerator(seed: s.run.seed)
    var train = data
    var test: Dataset?
    if s.run.testFraction > 0 {
      let testRows = Int((s.run.testFraction * Double(data.count)).rounded())
      guard testRows >= 1, testRows < data.count else {
        throw DataProblem(
          description:
            "--test-fraction \(formatNumber(s.run.testFraction)) of \(data.count) rows leaves "
            + (testRows < 1 ? "no rows to test on" : "no rows to train on") + "; choose another fraction")
      }
      (train, test) = try data.split(testFraction: s.run.testFraction, using: &generator)
    }
    let standardizer = s.run.standardize ? Standardizer(fitting: train) : nil
    if let standardizer {
      train = standardizer(train)
      test = test.map { standardizer($0) }
    }

    let outputSize = try outputCount(for: loss, data: data, target: s.run.targetText)
    let model: MLP
    if let checkpoint {
      model = try checkpoint.makeModel()
      guard model.inputSize == train.featureCount, model.outputSize == outputSize else {
        throw DataProblem(
          description:
            "\(s.run.path) does not fit the run in \(s.resumePath ?? ""): the model takes "
            + "\(model.inputSize) inputs and gives \(model.outputSize) outputs, the data has "
            + "\(train.featureCount) features and needs \(outputSize) outputs")
      }
    } else {
      model = MLP(
        inputSize: train.featureCount, layerSizes: s.run.layers + [outputSize], activation: s.run.activation,
        initialization: s.run.activation == .relu ? .he : .glorot, using: &generator)
    }
    var optimizer = try makeOptimizer(
      s.run.optimizer, parameters: model.parameters, learningRate: s.run.learningRate)
    if let state = checkpoint?.optimizer { try optimizer.restore(from: state) }

    let epochs = s.run.epochs
    let trainingOptions = TrainingOptions(
      epochs: epochs, batchSize: s.run.batchSize, seed: s.run.seed, l2: s.run.l2, shards: s.run.shards,
      threads: s.threads, completedEpochs: completedEpochs)
    if s.run.batchSize == nil {
      try checkMemory(model: model, rows: train.count, loss: loss, options: trainingOptions)
    }

    var metadata = ["loss": loss.description, "target": s.run.targetText, "data": s.run.path]
    if let names = data.classNames { metadata["classNames"] = try encodeNames(names) }
    if loss == .hinge { metadata["labels"] = "signed" }
    metadata["run"] = try runSettings(s)
    if let n = s.checkpointEvery { metadata["checkpointEvery"] = String(n) }
    // The names predict matches columns by: the features and the target
    // (when the file has a header), and the classes of a classifier.
    // (Read only when saving: it reads the training file's header again.)
    let columns =
      s.savePath == nil
      ? nil
      : try Checkpoint.columnNames(
        ofCSV: s.run.path, target: targetColumn(s.run.targetText), dataRows: data.count)
    /// Saves the model after `epoch` (atomically: the old file stays whole
    /// until the new one is).
    func save(after epoch: Int, _ state: OptimizerState) throws {
      guard let savePath = s.savePath else { return }
      var withEpoch = metadata
      withEpoch["epoch"] = String(epoch)
      let result = try model.save(
        to: savePath, optimizer: state, metadata: withEpoch, scaling: standardizer,
        featureNames: columns?.featureNames, classNames: loss.classifies ? data.classNames : nil,
        targetName: columns?.targetName, replacingReadOnly: s.force)
      for leftover in result.removedLeftovers {
        say("removed leftover \(leftover) (from a save that was interrupted)")
      }
    }

    if completedEpochs > 0 {
      say("resuming \(s.resumePath ?? "") after epoch \(completedEpochs) of \(epochs)")
    }
    say("training \(model) on \(train.count) rows of \(s.run.path), loss \(loss), optimizer \(optimizer.name)")
    if let savePath = s.savePath {
      catchInterrupts(message: "stopping after this epoch, which will be saved to \(savePath)")
    }
    let every = Swift.max(1, epochs / 20)
    var stoppedAfter: Int? = nil
    let history = try optimizer.train(model, on: train, loss: loss, options: trainingOptions) {
      r, state in
      let accuracy = r.accuracy.map { String(format: "  accuracy %5.1f%%", 100 * $0) } ?? ""
      let line = "  epoch \(r.epoch)/\(epochs)  loss \(formatNumber(r.loss))" + accuracy
      if r.epoch == 1 || r.epoch % every == 0 || r.epoch == epochs {
        // A kept line: on a terminal it replaces the live one.
        if stdoutIsTerminal { sayLive(line, done: true) } else { say(line) }
      } else {
        sayLive(line)
      }
      if interruptRequested.load(ordering: .relaxed) || simulatedInterrupt == r.epoch {
        if s.savePath != nil {
          try save(after: r.epoch, state)
          stoppedAfter = r.epoch
          return .stop
        }
      }
      if let n = s.checkpointEvery, r.epoch % n == 0, r.epoch < epochs {
        try save(after: r.epoch, state)
      }
      return .continue
    }
    if let stoppedAfter, let savePath = s.savePath {
      if stdoutIsTerminal { sayLive("", done: true) }
      say("interrupted after epoch \(stoppedAfter) of \(epochs); saved \(savePath)")
      say("continue with: backprop train --resume \(savePath)")
      exit(130)
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
      try save(after: history.last?.epoch ?? completedEpochs, optimizer.state)
      say("saved \(savePath)")
    }
  }

  /// Refuses full-batch training whose tapes would need more than half the
  /// machine's memory (estimated before training), suggesting mini-batches.
  static func checkMemory(model: MLP, rows: Int, loss: Loss, options: TrainingOptions) throws {
    let need = estimatedTrainingMemory(model: model, rows: rows, loss: loss, options: options)
    let have = physicalMemoryBytes()
    guard have > 0, need > have / 2 else { return }
    let gigabytes = { (bytes: Int) in String(format: "%.1f GB", Double(bytes) / 1e9) }
    throw DataProblem(
      description:
        "full-batch training on \(rows) rows would need about \(gigabytes(need)), more than half "
        + "of this machine's \(gigabytes(have)); train in mini-batches, e.g. --batch-size 256")
  }

  /// A Ctrl-C simulated after this epoch (`BACKPROP_INTERRUPT_AFTER_EPOCH`),
  /// so that tests can interrupt a run at a known point.
  static let simulatedInterrupt: Int? = ProcessInfo.processInfo
    .environment["BACKPROP_INTERRUPT_AFTER_EPOCH"].flatMap { Int($0) }

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
    let k = data.classNames?.count ?? data.classCount ?? 0
    if loss.classifies && k == 1 {
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

  mutating func restore(from state: OptimizerState) throws {
    switch self {
    case .sgd(var o):
      try o.restore(from: state)
      self = .sgd(o)
    case .adagrad(var o):
      try o.restore(from: state)
      self = .adagrad(o)
    case .adam(var o):
      try o.restore(from: state)
      self = .adam(o)
    case .adamW(var o):
      try o.restore(from: state)
      self = .adamW(o)
    }
  }

  /// Trains, calling `afterEpoch` with each epoch's report and the
  /// optimiser's state then.
  mutating func train(
    _ model: MLP, on data: Dataset, loss: Loss, options: TrainingOptions,
    afterEpoch: (EpochReport, OptimizerState) throws -> TrainingControl
  ) throws -> [EpochReport] {
    switch self {
    case .sgd(var o):
      defer { self = .sgd(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    case .adagrad(var o):
      defer { self = .adagrad(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    case .adam(var o):
      defer { self = .adam(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    case .adamW(var o):
      defer { self = .adamW(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
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

extension Loss {
  /// Whether the loss scores classes (its targets are labels), not numbers.
  var classifies: Bool {
    switch self {
    case .softmaxCrossEntropy, .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge: true
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError: false
    }
  }
}
