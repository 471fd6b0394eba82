import Backprop
import Foundation

/// `backprop predict`: apply a saved model to the rows of a CSV file, one
/// prediction per line on stdout; with a target column, the accuracy (or
/// mean squared error) on stderr.
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
    let model = try checkpoint.makeModel()
    let loss = checkpoint.metadata["loss"].flatMap(Loss.init(parsing:)) ?? .meanSquaredError
    let classNames = try checkpoint.metadata["classNames"].map {
      try JSONDecoder().decode([String].self, from: Data($0.utf8))
    }
    let signed = checkpoint.metadata["labels"] == "signed"

    // With a target column (named on the command line, or the one the model
    // was trained on when the file has it), read it too and score.
    var rows: [[Double]]
    var targets: [[Double]]? = nil
    if let target = try targetColumn(options["--target"], checkpoint, dataPath) {
      let data = try Dataset.loadCSV(from: dataPath, target: target)
      rows = data.features
      targets = try alignTargets(data, classNames: classNames, signed: signed)
    } else {
      rows = try Dataset.loadCSVFeatures(from: dataPath).features
    }
    if let bad = rows.firstIndex(where: { $0.count != model.inputSize }) {
      throw TrainingError.sizeMismatch(
        what: "features of row \(bad) vs the model's inputs", expected: model.inputSize,
        actual: rows[bad].count)
    }
    if let scaling = checkpoint.scaling { rows = rows.map { scaling($0) } }

    let outputs = rows.map { model.predict($0) }
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
  /// target when the file's header has that name, else none.
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

  /// The file's targets in the model's encoding: class names mapped to the
  /// indices the model was trained with, 0/1 to −1/+1 for a hinge model.
  static func alignTargets(_ data: Dataset, classNames: [String]?, signed: Bool) throws -> [[Double]] {
    var targets = data.targets
    if let fileNames = data.classNames {
      guard let classNames else {
        throw TrainingError.invalidHyperparameter(
          name: "target column", value: .nan,
          requirement: "the model was trained on numbers, but the file has class names")
      }
      targets = try targets.enumerated().map { row, t in
        let name = fileNames[Int(t[0])]
        guard let k = classNames.firstIndex(of: name) else {
          throw TrainingError.labelOutOfRange(row: row, label: t[0], classCount: classNames.count)
        }
        return [Double(k)]
      }
    }
    if signed { targets = targets.map { [$0[0] == 0 ? -1 : $0[0]] } }
    return targets
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
