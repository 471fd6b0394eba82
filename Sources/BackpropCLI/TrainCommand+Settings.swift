// `train`'s options: the run settings that decide its result (saved with its
// checkpoints), how it is carried out, and the parsing that checks them all.

import Backprop

extension TrainCommand {
  static let allowed: Set<String> = [
    "--data", "--target", "--layers", "--activation", "--loss", "--optimizer",
    "--learning-rate", "--epochs", "--batch-size", "--seed", "--l2", "--test-fraction",
    "--save", "--standardize", "--shards", "--threads", "--checkpoint-every", "--resume", "--task",
    "--image", "--html",
  ]

  /// What a resumed run may still be told: where to save, how often, with
  /// how many threads, for how many epochs in all, and where its data file
  /// is now. Everything else is the run's own (it decides the result).
  static let resumable: Set<String> = [
    "--resume", "--save", "--checkpoint-every", "--threads", "--epochs", "--data", "--force", "--html",
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
    /// `--image`: each row is an image of this shape, and the model a
    /// Sequential of ``imageLayers``; `nil` for an MLP of ``layers`` (the
    /// key is then left out of the checkpoint, as before images).
    var image: Shape? = nil
    /// `--layers` as given with `--image` (see ``ImageLayerItem``).
    var imageLayers: [String]? = nil

    /// ``imageLayers`` read back.
    var imageItems: [ImageLayerItem] {
      (imageLayers ?? []).compactMap { ImageLayerItem(parsing: $0) }
    }

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
    /// `--html FILE`: where the training page goes (``TrainingPage``).
    var htmlPath: String? = nil
  }

  static let activationNames = [
    "linear", "step", "sigmoid", "tanh", "relu", "leakyReLU", "elu", "softplus", "gelu", "swish",
  ]
  static let lossNames = ["mse", "half-mse", "sse", "bce", "bce-logits", "cross-entropy", "hinge"]

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
      settings.htmlPath = try o["--html"].map { _ in try o.required("--html", "FILE.html") }
      return settings
    }
    let path = try o.required("--data", "FILE.csv")
    let targetText = try o.required("--target", "COLUMN (a name, a position from 1, or last)")
    if let n = Int(targetText), n < 1 {
      throw o.mistake("--target", targetText, "a column name, a position counted from 1, or last")
    }
    let activationText = o["--activation"] ?? "relu"
    guard let activation = Activation(parsing: activationText) else {
      throw o.mistake("--activation", activationText, "one of \(activationNames.joined(separator: ", "))")
    }
    var layers: [Int] = []
    var image: Shape? = nil
    var imageLayers: [String]? = nil
    if let imageText = o["--image"] {
      guard let shape = Shape(parsing: imageText) else {
        throw o.mistake(
          "--image", imageText, "channels, height and width from 1, like 1x8x8 (CHW pixel columns)")
      }
      let items = try ImageLayerItem.parse(o["--layers"] ?? "16,16", option: o)
      try ImageLayerItem.check(items, inputShape: shape, activation: activation, option: o)
      image = shape
      let text = o["--layers"] ?? "16,16"
      imageLayers = text == "none" ? [] : text.split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces).lowercased()
      }
    } else {
      layers = try o.widths("--layers", default: [16, 16], largest: 4096)
      guard layers.count <= 64 else {
        throw o.mistake("--layers", o["--layers"] ?? "", "at most 64 hidden layers")
      }
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
      task: task, image: image, imageLayers: imageLayers)
    var settings = Settings(
      run: run, threads: threads, savePath: savePath,
      checkpointEvery: try checkpointEvery(o, saving: savePath != nil), resumePath: nil)
    settings.force = o.isSet("--force")
    settings.htmlPath = try o["--html"].map { _ in try o.required("--html", "FILE.html") }
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
}
