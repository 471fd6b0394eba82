// What `train` saves with each checkpoint so that `--resume` can continue a
// run, and the settings of a resumed run read back from a checkpoint.

import Backprop
import Foundation

extension TrainCommand {
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

  static func encodeNames(_ names: [String]) throws -> String {
    String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
  }
}
