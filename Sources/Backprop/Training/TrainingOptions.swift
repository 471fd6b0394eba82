// The options of a training run: epochs, batches, shuffling, the L2
// penalty, the stopping rule, replay, shards and threads, resuming.

/// How ``train(_:on:loss:optimizer:options:progress:)`` goes through the
/// data.
///
/// In seed 001's terms: an *epoch* is one pass over the training data, a
/// *batch* the examples behind one gradient, an *iteration* one update. A
/// batch of the whole data set is (full-batch) gradient descent, a batch of
/// 1 is stochastic gradient descent, anything between is mini-batch SGD.
///
///     let options = TrainingOptions(epochs: 50, batchSize: 8, l2: 1e-4)
public struct TrainingOptions: Sendable, Equatable {
  /// Passes over the data.
  public var epochs: Int
  /// Examples per batch; `nil` for the whole data set (full batch).
  public var batchSize: Int?
  /// Whether to reshuffle the examples at the start of each epoch (with a
  /// generator seeded by `seed`, so runs repeat exactly). Ignored for full
  /// batches.
  public var shuffle: Bool
  /// The shuffling seed.
  public var seed: UInt64
  /// The coefficient λ of an L2 penalty λ·Σp² added to each batch's loss; 0
  /// for none.
  public var l2: Double
  /// Whether the L2 penalty includes the biases (seed 004 leaves them out).
  public var l2IncludesBiases: Bool
  /// Stop after an epoch whose final gradient norm is at most this
  /// (seed 002's stopping rule); `nil` to always run every epoch.
  public var gradientNormTolerance: Double?
  /// Whether full-batch training records the graph once and replays it at
  /// every step (``Recording``) instead of recording it again; `true` by
  /// default. The results are bit-identical either way; replay is several
  /// times faster.
  ///
  ///     let recordedEveryStep = TrainingOptions(epochs: 100, replaysFullBatch: false)
  public var replaysFullBatch: Bool
  /// Whether mini-batch training records a batch's graph once, with its
  /// inputs and targets as leaves, and replays it for every later batch of
  /// the same size with those leaves rewritten; `true` by default. A
  /// shorter last batch is recorded at each step, as without replay. The
  /// results are bit-identical either way. Softmax cross-entropy with
  /// one-hot (or soft) target rows, whose graph depends on which entries
  /// are not zero, is always recorded again; class indices replay. A model
  /// that records fewer than 4 nodes an input (an MLP on many features)
  /// records its batches, which is faster for it: a replayed batch's inputs
  /// are leaves, whose gradients the sweep computes.
  ///
  ///     let recordedEveryStep = TrainingOptions(epochs: 10, batchSize: 32, replaysMiniBatches: false)
  public var replaysMiniBatches: Bool
  /// How many pieces each batch is cut into for its gradient: each piece (a
  /// *shard*, a run of consecutive examples) is recorded on a tape of its
  /// own, and the shards' gradients are added in shard order. 1 (the
  /// default) records the batch as one graph on the model's tape. The
  /// result depends on the shards (floating-point sums in another order,
  /// a difference of a few units in the last place) but never on
  /// ``threads``. A batch of fewer examples than shards has a shard per
  /// example.
  public var shards: Int
  /// How many threads compute the shards of a batch at once, the calling
  /// thread included; 1 by default. More than one needs ``shards`` of at
  /// least 2; more threads than shards leave the rest idle. The results are
  /// bit-identical for any number of threads.
  ///
  ///     // The same model with threads: 1, 2 or 8; faster with more cores.
  ///     let options = TrainingOptions(epochs: 100, shards: 8, threads: 2)
  public var threads: Int
  /// Epochs of this run already done, 0 (the default) for a fresh run: to
  /// resume a run after epoch k, pass the model and the optimiser as they
  /// were after epoch k (from a checkpoint) and `completedEpochs: k`, with
  /// every other option as in the original run. Training then runs epochs
  /// k + 1 through ``epochs``, with the shuffles, epoch numbers, iteration
  /// counts and stopping rule of the uninterrupted run, and gives the same
  /// parameters and reports bit for bit. The optimiser's ``Optimizer/stepCount``
  /// must be that of k epochs: k times the batches per epoch.
  ///
  ///     // Epochs 1–4 ran and were saved; run 5–10.
  ///     let options = TrainingOptions(epochs: 10, batchSize: 8, seed: 7, completedEpochs: 4)
  public var completedEpochs: Int

  /// Creates options.
  ///
  ///     let options = TrainingOptions(epochs: 100, batchSize: 16, seed: 7)
  ///
  /// - Parameters:
  ///   - epochs: Passes over the data; at least 1.
  ///   - batchSize: Examples per batch; `nil` (the default) for full batch.
  ///   - shuffle: Reshuffle every epoch; `true` by default.
  ///   - seed: The shuffling seed; 0 by default.
  ///   - l2: The L2 coefficient; 0 by default.
  ///   - l2IncludesBiases: Whether biases are penalised; `true` by default.
  ///   - gradientNormTolerance: The stopping rule's ε; `nil` by default.
  ///   - replaysFullBatch: Replay the full-batch graph instead of recording
  ///     it at every step; `true` by default.
  ///   - replaysMiniBatches: Replay a mini-batch's graph with new inputs and
  ///     targets instead of recording it at every step; `true` by default.
  ///   - shards: The pieces each batch is cut into; 1 by default.
  ///   - threads: The threads that compute the shards; 1 by default.
  ///   - completedEpochs: Epochs of this run already done, to resume it; 0
  ///     by default.
  public init(
    epochs: Int, batchSize: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0, l2: Double = 0,
    l2IncludesBiases: Bool = true, gradientNormTolerance: Double? = nil,
    replaysFullBatch: Bool = true, replaysMiniBatches: Bool = true, shards: Int = 1,
    threads: Int = 1, completedEpochs: Int = 0
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.seed = seed
    self.l2 = l2
    self.l2IncludesBiases = l2IncludesBiases
    self.gradientNormTolerance = gradientNormTolerance
    self.replaysFullBatch = replaysFullBatch
    self.replaysMiniBatches = replaysMiniBatches
    self.shards = shards
    self.threads = threads
    self.completedEpochs = completedEpochs
  }

  /// Creates options, with the old label `replay:` for
  /// `replaysFullBatch:`.
  ///
  ///     let options = TrainingOptions(epochs: 100, replay: false)
  ///
  /// - Parameters:
  ///   - epochs: Passes over the data; at least 1.
  ///   - batchSize: Examples per batch; `nil` (the default) for full batch.
  ///   - shuffle: Reshuffle every epoch; `true` by default.
  ///   - seed: The shuffling seed; 0 by default.
  ///   - l2: The L2 coefficient; 0 by default.
  ///   - l2IncludesBiases: Whether biases are penalised; `true` by default.
  ///   - gradientNormTolerance: The stopping rule's ε; `nil` by default.
  ///   - replay: ``replaysFullBatch``.
  ///   - shards: The pieces each batch is cut into; 1 by default.
  ///   - threads: The threads that compute the shards; 1 by default.
  ///   - completedEpochs: Epochs of this run already done, to resume it; 0
  ///     by default.
  @available(
    *, deprecated,
    renamed:
      "init(epochs:batchSize:shuffle:seed:l2:l2IncludesBiases:gradientNormTolerance:replaysFullBatch:shards:threads:completedEpochs:)"
  )
  public init(
    epochs: Int, batchSize: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0, l2: Double = 0,
    l2IncludesBiases: Bool = true, gradientNormTolerance: Double? = nil, replay: Bool,
    shards: Int = 1, threads: Int = 1, completedEpochs: Int = 0
  ) {
    self.init(
      epochs: epochs, batchSize: batchSize, shuffle: shuffle, seed: seed, l2: l2,
      l2IncludesBiases: l2IncludesBiases, gradientNormTolerance: gradientNormTolerance,
      replaysFullBatch: replay, shards: shards, threads: threads,
      completedEpochs: completedEpochs)
  }

  /// ``replaysFullBatch`` under its old name.
  ///
  ///     options.replay = false  // options.replaysFullBatch = false
  @available(*, deprecated, renamed: "replaysFullBatch")
  public var replay: Bool {
    get { replaysFullBatch }
    set { replaysFullBatch = newValue }
  }

  /// The batch size of a data set of `count` examples.
  func effectiveBatchSize(count: Int) -> Int { Swift.min(batchSize ?? count, count) }

  /// The updates of one epoch over `count` examples.
  func updatesPerEpoch(count: Int) -> Int {
    let size = effectiveBatchSize(count: count)
    return (count + size - 1) / size
  }

  /// Checks the options against a data set's size.
  func validate(count: Int) throws {
    try requireHyperparameter("epochs", Double(epochs), "must be ≥ 1") { $0 >= 1 }
    if let batchSize {
      try requireHyperparameter("batch size", Double(batchSize), "must be ≥ 1") { $0 >= 1 }
    }
    try requireHyperparameter("shards", Double(shards), "must be ≥ 1") { $0 >= 1 }
    try requireHyperparameter("threads", Double(threads), "must be from 1 to 256") {
      $0 >= 1 && $0 <= 256
    }
    if threads > 1 && shards == 1 {
      throw TrainingError.invalidHyperparameter(
        name: "threads", value: Double(threads),
        requirement:
          "needs shards ≥ 2: the shards of a batch are what runs in parallel; set shards "
          + "(8, say) and keep it, since the result depends on shards, never on threads")
    }
    try requireHyperparameter(
      "completed epochs", Double(completedEpochs), "must be from 0 to epochs (\(epochs))"
    ) { $0 >= 0 && $0 <= Double(epochs) }
    try requireHyperparameter("l2", l2, "must be finite and ≥ 0") { $0 >= 0 }
    if let gradientNormTolerance {
      try requireHyperparameter(
        "gradient-norm tolerance", gradientNormTolerance, "must be finite and ≥ 0"
      ) { $0 >= 0 }
    }
  }
}
