// `backprop predict`: a saved model applied to the rows of a CSV file, with
// the accuracy or error when the file has the target column.

import Backprop
import Foundation

/// `backprop predict`: apply a saved model to the rows of a CSV file, one
/// prediction per line on stdout; with a target column, the accuracy (or
/// mean squared error) on stderr.
///
/// It cannot answer wrong silently: with a header and a checkpoint that
/// stores feature names (format version 2) the columns are matched by name,
/// in any order, and a missing or unknown column is refused by name; a class
/// never seen in training is named with its line; a target column that was
/// not asked for is pointed out. Version 1 checkpoints are matched by
/// position, as before.
enum PredictCommand {
  static func run(_ arguments: [String]) throws {
    let options = try parseOptions(arguments, allowed: ["--model", "--data", "--target"])
    guard let modelPath = options["--model"] else {
      throw UsageError(description: "predict needs --model FILE")
    }
    guard let dataPath = options["--data"] else {
      throw UsageError(description: "predict needs --data FILE")
    }
    let checkpoint = try Checkpoint.load(from: modelPath)
    let model = try checkpoint.makeTrainableModel()
    let loss = checkpoint.metadata["loss"].flatMap(Loss.init(parsing:)) ?? .meanSquaredError
    let classNames = try checkpoint.classNames ?? checkpoint.metadata["classNames"].map {
      try JSONDecoder().decode([String].self, from: Data($0.utf8))
    }
    let signed = checkpoint.metadata["labels"] == "signed"

    // The target column: --target if given, else the training target when
    // it was given to `train` by name and the file's header has it.
    let target = try targetColumn(options["--target"], checkpoint, dataPath)
    let inputs: PredictionInputs
    do {
      inputs = try checkpoint.readInputs(fromCSV: dataPath, target: target, classNames: classNames)
    } catch let error as PredictionInputError {
      throw DataProblem(description: explain(error, checkpoint: checkpoint, targetGiven: target != nil))
    }
    var rows = inputs.features
    if let scaling = checkpoint.scaling { rows = rows.map { scaling($0) } }
    var targets = inputs.targets
    if let given = targets, classNames == nil {
      try checkLabels(given, lines: inputs.lines, loss: loss, outputs: model.outputSize, file: dataPath)
    }
    if signed { targets = targets?.map { [$0[0] == 0 ? -1 : $0[0]] } }

    let outputs = rows.map { model.predictions($0) }
    for output in outputs {
      print(describe(output, loss: loss, classNames: classNames, signed: signed))
    }
    if let targets {
      if let accuracy = try accuracy(outputs: outputs, targets: targets, loss: loss) {
        FileHandle.standardError.write(
          Data(String(format: "accuracy %.1f%% on %d rows\n", 100 * accuracy, rows.count).utf8))
      } else {
        let mse = Evaluation.meanSquaredError(outputs, targets)
        FileHandle.standardError.write(
          Data(String(format: "mean squared error %.6g on %d rows\n", mse, rows.count).utf8))
      }
    }
  }

  /// The target column to read: `--target` if given, else the training
  /// target when `train` was given it by name and the file's header has
  /// that name, else none.
  static func targetColumn(
    _ option: String?, _ checkpoint: Checkpoint, _ path: String
  ) throws -> TargetColumn? {
    if let option { return TrainCommand.targetColumn(option) }
    guard let trained = checkpoint.metadata["target"],
      case .name(let name) = TrainCommand.targetColumn(trained),
      let firstLine = try? String(contentsOfFile: path, encoding: .utf8).split(
        whereSeparator: \.isNewline
      ).first
    else { return nil }
    let header = firstLine.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
    return header.contains(name) ? .name(name) : nil
  }

  /// The library's message, with the command-line option that fixes it.
  static func explain(
    _ error: PredictionInputError, checkpoint: Checkpoint, targetGiven: Bool
  ) -> String {
    switch error {
    case .unrequestedTarget(let file, let name, let column):
      return "\(file):1: the file has column '\(name)' (column \(column)), which the model "
        + "predicts; pass --target \(name) to score it, or remove it"
    case .unknownColumn(let file, let name, let column, let featureNames):
      return "\(file):1: column '\(name)' (column \(column)) was not in the training data; "
        + "remove it, or pass --target \(name) if it holds what the model predicts (the "
        + "model takes \(featureNames.joined(separator: ", ")))"
    case .columnCount(let file, let found, let expected) where found == expected + 1 && !targetGiven:
      let trained = checkpoint.metadata["target"]
      let option: String
      switch trained.map(TrainCommand.targetColumn) {
      case .last?: option = "--target last"
      case .index(let i)?: option = "--target \(i + 1)"
      case .name(let name)?: option = "--target \(name)"
      case nil: option = "--target COLUMN"
      }
      let how = trained.map { " (the model was trained with --target \($0))" } ?? ""
      return "\(file): the rows have \(found) columns but the model takes \(expected) inputs; "
        + "if one of them is the target\(how), pass \(option) to score it, or remove it"
    default:
      return error.description
    }
  }

  /// For a classifier trained on numeric labels: each target must be a
  /// class the model has.
  static func checkLabels(
    _ targets: [[Double]], lines: [Int], loss: Loss, outputs: Int, file: String
  ) throws {
    let classCount: Int
    switch loss {
    case .softmaxCrossEntropy: classCount = outputs
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits: classCount = 2
    default: return
    }
    for (row, target) in zip(lines, targets) {
      let label = target[0]
      guard label == label.rounded(), label >= 0, label < Double(classCount) else {
        throw DataProblem(
          description: "\(file):\(row): class label \(String(format: "%.6g", label)) is not "
            + "one of the model's classes 0 to \(classCount - 1)")
      }
    }
  }

  /// One line per row: a class (name or index) for classifiers, the
  /// numbers for a regression.
  static func describe(_ output: [Double], loss: Loss, classNames: [String]?, signed: Bool) -> String {
    func name(_ k: Int) -> String { classNames.flatMap { $0.indices.contains(k) ? $0[k] : nil } ?? "\(k)" }
    switch loss {
    case .softmaxCrossEntropy:
      let k = output.indices.max { output[$0] < output[$1] } ?? 0
      return name(k)
    case .binaryCrossEntropyWithLogits:
      return name(output[0] > 0 ? 1 : 0)
    case .binaryCrossEntropy:
      return name(output[0] >= 0.5 ? 1 : 0)
    case .hinge:
      return classNames != nil ? name(output[0] > 0 ? 1 : 0) : (output[0] > 0 ? "1" : "-1")
    default:
      return output.map { "\($0)" }.joined(separator: ",")
    }
  }
}
