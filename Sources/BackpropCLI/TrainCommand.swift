// `backprop train`'s run: the data, the model, the optimiser, and the training
// loop with its checkpoints and interrupts.

import Backprop
import Foundation

/// `backprop train`: train an MLP, or with `--image` a convolutional
/// Sequential, on a CSV file and save it.
enum TrainCommand {
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
    if let htmlPath = s.htmlPath { try TrainingPage.checkDestination(htmlPath) }
    var data =
      try s.run.image.map {
        try Dataset.loadCSV(
          from: s.run.path, target: targetColumn(s.run.targetText), imageShape: $0,
          task: s.run.targetTask)
      }
      ?? Dataset.loadCSV(from: s.run.path, target: targetColumn(s.run.targetText), task: s.run.targetTask)
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
    let rawTrain = train
    let standardizer = s.run.standardize ? Standardizer(fitting: train) : nil
    if let standardizer {
      train = standardizer(train)
      test = test.map { standardizer($0) }
    }

    let outputSize = try outputCount(for: loss, data: data, target: s.run.targetText)
    let initialization: WeightInitialization = s.run.activation == .relu ? .he : .glorot
    let prepared = Prepared(
      settings: s, data: data, train: train, rawTrain: rawTrain, test: test, standardizer: standardizer,
      loss: loss, checkpoint: checkpoint, completedEpochs: completedEpochs)
    if let shape = s.run.image {
      let model: Sequential
      if let checkpoint {
        model = try checkpoint.makeSequential()
      } else {
        model = try ImageLayerItem.model(
          s.run.imageItems, inputShape: shape, activation: s.run.activation,
          outputSize: outputSize, initialization: initialization, using: &generator)
      }
      try run(model, prepared, outputSize: outputSize)
    } else {
      let model =
        try checkpoint?.makeModel()
        ?? MLP(
          inputSize: train.featureCount, layerSizes: s.run.layers + [outputSize],
          activation: s.run.activation, initialization: initialization, using: &generator)
      try run(model, prepared, outputSize: outputSize)
    }
  }

  /// Everything read and worked out before the model is made.
  struct Prepared {
    var settings: Settings
    var data: Dataset
    var train: Dataset
    /// The training rows as read, before standardisation (for `--html`).
    var rawTrain: Dataset
    var test: Dataset?
    var standardizer: Standardizer?
    var loss: Loss
    var checkpoint: Checkpoint?
    var completedEpochs: Int
  }

  /// Trains `model` (made, or resumed from `p.checkpoint`), reporting and
  /// saving as the settings ask.
  static func run(_ model: some TrainableModel, _ p: Prepared, outputSize: Int) throws {
    let (s, data, train, test, loss) = (p.settings, p.data, p.train, p.test, p.loss)
    let (standardizer, checkpoint, completedEpochs) = (p.standardizer, p.checkpoint, p.completedEpochs)
    guard model.inputSize == train.featureCount, model.outputSize == outputSize else {
      throw DataProblem(
        description:
          "\(s.run.path) does not fit the run in \(s.resumePath ?? ""): the model takes "
          + "\(model.inputSize) inputs and gives \(model.outputSize) outputs, the data has "
          + "\(train.featureCount) features and needs \(outputSize) outputs")
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
      let result = try model.checkpoint(
        optimizer: state, metadata: withEpoch, scaling: standardizer,
        featureNames: columns?.featureNames, classNames: loss.classifies ? data.classNames : nil,
        targetName: columns?.targetName
      ).save(to: savePath, replacingReadOnly: s.force)
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
    // The parameters at the start of each epoch the page shows.
    var recorder = TrainingPageRecorder(
      firstEpoch: completedEpochs + 1, lastEpoch: s.htmlPath == nil ? completedEpochs : epochs)
    if s.htmlPath != nil {
      let frames = (epochs - completedEpochs + recorder.every - 1) / recorder.every + 1
      try TrainingPage.checkRecording(parameterCount: model.parameterCount, frames: frames)
    }
    recorder.willStart(epoch: completedEpochs + 1, parameters: model.parameterValues)
    let history = try optimizer.train(model, on: train, loss: loss, options: trainingOptions) {
      r, state in
      recorder.willStart(epoch: r.epoch + 1, parameters: model.parameterValues)
      report(r, of: epochs, keepingEvery: every)
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
    try reportResult(of: history, model: model, test: test, loss: loss)
    if let htmlPath = s.htmlPath {
      let page = TrainingPage.trainRun(
        model: model, path: s.run.path, rows: p.rawTrain, standardizer: standardizer, loss: loss, l2: s.run.l2,
        optimizerName: optimizer.name, batchSize: s.run.batchSize, epochs: epochs,
        frames: recorder.frames(history))
      let size = try TrainingPage.write(page, to: htmlPath)
      say("wrote \(htmlPath) (\(TrainingPage.formatSize(size))): open it in a browser")
    }
    if let savePath = s.savePath {
      try save(after: history.last?.epoch ?? completedEpochs, optimizer.state)
      say("saved \(savePath)")
    }
  }

  /// Refuses full-batch training whose tapes would need more than half the
  /// machine's memory (estimated before training), suggesting mini-batches.
  static func checkMemory(model: some Model, rows: Int, loss: Loss, options: TrainingOptions) throws {
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
}
