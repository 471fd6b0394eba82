// What `train` and `predict` need of a model beyond the library's `Model`:
// predictions on plain numbers and a checkpoint; an MLP and a Sequential have both.

import Backprop

/// A model `train` can train, report on and save, and `predict` can apply.
protocol TrainableModel: Model {
  /// The outputs for one row, as plain numbers (nothing is left on the tape).
  func predictions(_ x: [Double]) -> [Double]
  /// The model as a checkpoint, with what `predict` needs to read rows.
  func checkpoint(
    optimizer: OptimizerState?, metadata: [String: String], scaling: Standardizer?,
    featureNames: [String]?, classNames: [String]?, targetName: String?
  ) throws -> Checkpoint
}

extension MLP: TrainableModel {
  func predictions(_ x: [Double]) -> [Double] { predict(x) }

  func checkpoint(
    optimizer: OptimizerState?, metadata: [String: String], scaling: Standardizer?,
    featureNames: [String]?, classNames: [String]?, targetName: String?
  ) throws -> Checkpoint {
    try Checkpoint(
      model: self, optimizer: optimizer, metadata: metadata, scaling: scaling,
      featureNames: featureNames, classNames: classNames, targetName: targetName)
  }
}

extension Sequential: TrainableModel {
  /// The outputs, recorded in a scope of the current tape that is released
  /// at once.
  func predictions(_ x: [Double]) -> [Double] {
    Tape.scope { self(x).map(\.data) }
  }

  func checkpoint(
    optimizer: OptimizerState?, metadata: [String: String], scaling: Standardizer?,
    featureNames: [String]?, classNames: [String]?, targetName: String?
  ) throws -> Checkpoint {
    try Checkpoint(
      model: self, optimizer: optimizer, metadata: metadata, scaling: scaling,
      featureNames: featureNames, classNames: classNames, targetName: targetName)
  }
}

extension Checkpoint {
  /// The saved model: a Sequential when the checkpoint has its layers, an
  /// MLP otherwise.
  func makeTrainableModel() throws -> any TrainableModel {
    if case .sequential? = architecture { return try makeSequential() }
    return try makeModel()
  }
}
