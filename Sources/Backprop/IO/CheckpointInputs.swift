// Reading the rows a saved model is to be applied to, so that it cannot
// answer wrong silently.

// Columns are matched by the names the checkpoint stores (in any order),
// missing and unknown columns refused by name, target texts checked against
// the class names, and a target column that nobody asked to score pointed
// out.

import Foundation

/// Why the rows of a CSV file do not fit a checkpoint's inputs. Lines and
/// columns are counted from 1.
///
///     do {
///       _ = try checkpoint.readInputs(fromCSV: "new.csv")
///     } catch let error as PredictionInputError {
///       print(error)
///       // Prints "new.csv:1: column 'petal_width' is missing; the model takes sepal_length, …"
///     }
public enum PredictionInputError: Error, Equatable, CustomStringConvertible {
  /// The header lacks a column the model was trained on.
  case missingColumn(file: String, name: String, featureNames: [String])
  /// The header has a column (at `column`) the model was not trained on.
  case unknownColumn(file: String, name: String, column: Int, featureNames: [String])
  /// The header names a column more than once.
  case duplicateColumn(file: String, name: String, columns: [Int])
  /// A target text (at `line`, `column`) that is none of the classes the
  /// model was trained on.
  case unseenClass(file: String, line: Int, column: Int, text: String, known: [String])
  /// The file has the column the model predicts (at `column`), but no
  /// target column was asked for: score it by naming it, or remove it.
  case unrequestedTarget(file: String, name: String, column: Int)
  /// Matched by position (no header, or a checkpoint without feature
  /// names), the rows have `found` columns besides any target, where the
  /// model takes `expected` inputs.
  case columnCount(file: String, found: Int, expected: Int)

  /// What is wrong, and where.
  public var description: String {
    switch self {
    case .missingColumn(let file, let name, let featureNames):
      "\(file):1: column '\(name)' is missing; the model takes \(list(featureNames)) (in any "
        + "order)"
    case .unknownColumn(let file, let name, let column, let featureNames):
      "\(file):1: column '\(name)' (column \(column)) was not in the training data; remove "
        + "it, or name it as the target column if it holds what the model predicts (the "
        + "model takes \(list(featureNames)))"
    case .duplicateColumn(let file, let name, let columns):
      "\(file):1: column '\(name)' appears \(columns.count) times (columns "
        + "\(columns.map(String.init).joined(separator: ", "))); names must differ"
    case .unseenClass(let file, let line, let column, let text, let known):
      "\(file):\(line):\(column): class '\(text)' in line \(line) was not seen in training; "
        + "known: \(list(known))"
    case .unrequestedTarget(let file, let name, let column):
      "\(file):1: the file has column '\(name)' (column \(column)), which the model "
        + "predicts; name it as the target column to score it, or remove it"
    case .columnCount(let file, let found, let expected):
      "\(file): the rows have \(found) columns but the model takes \(expected) inputs"
        + (found == expected + 1
          ? "; if one of them is the target, name it as the target column to score it, or "
            + "remove it" : "")
    }
  }
}

private func list(_ names: [String]) -> String { names.joined(separator: ", ") }

/// The rows of a CSV file laid out as a checkpoint's model takes them, from
/// ``Checkpoint/readInputs(fromCSV:target:classNames:hasHeader:separator:)``.
public struct PredictionInputs: Sendable, Equatable {
  /// One row per data line, in the model's input order (not yet scaled:
  /// apply ``Checkpoint/scaling`` before predicting).
  public var features: [[Double]]
  /// The targets, when a target column was read: a class index (into the
  /// class names) per row for a classifier with names, the numbers
  /// otherwise; `nil` without a target column.
  public var targets: [[Double]]?
  /// The line of each row in the file, from 1.
  public var lines: [Int]
  /// Whether the columns were matched by name (the file has a header and
  /// the checkpoint has ``Checkpoint/featureNames``) rather than by
  /// position.
  public var matchedByName: Bool
  /// The target column read: its header name, or `column N`; `nil` without
  /// one.
  public var targetColumn: String?
}

extension Checkpoint {
  /// Reads the rows of a CSV file to predict on, matching its columns to
  /// the model's inputs.
  ///
  ///     let checkpoint = try Checkpoint.load(from: "iris-model.json")
  ///     let inputs = try checkpoint.readInputs(fromCSV: "iris.csv", target: .name("species"))
  ///     let model = try checkpoint.makeModel()
  ///     let outputs = inputs.features.map { model.predict(checkpoint.scaling?($0) ?? $0) }
  ///
  /// When the file has a header and the checkpoint has ``featureNames``, the
  /// columns are matched by name, in any order: a missing column, a column
  /// the model was not trained on, and a name used twice are refused by
  /// name. Otherwise (no header, or a version 1 checkpoint) they are taken
  /// by position: every column but the target, as many as the model has
  /// inputs. Target texts are matched with the class names (by text, or as
  /// a number equal to one); a text that is none of them is refused with
  /// its line.
  ///
  /// - Parameters:
  ///   - path: The CSV file.
  ///   - target: The column to score against; `nil` (the default) for none.
  ///     Without one, a header that has the column the model predicts
  ///     (``targetName``) is refused, so that it is not taken for a
  ///     feature or ignored unsaid.
  ///   - classNames: The class names to match target texts with; `nil`
  ///     (the default) takes ``classNames``.
  ///   - hasHeader: Whether the first row names the columns; `nil` (the
  ///     default) detects it: the first row is a header when it holds one
  ///     of the checkpoint's names, or text in a column that holds numbers
  ///     below.
  ///   - separator: The field separator; `,` by default.
  /// - Returns: The rows in the model's input order, and the targets.
  /// - Throws: ``PredictionInputError`` when the columns do not fit the
  ///   model or a class is unseen; ``CSVError`` with the file, line,
  ///   column and text for a field that is not a finite number, a ragged
  ///   row, an unknown target column or an empty file.
  public func readInputs(
    fromCSV path: String, target: TargetColumn? = nil, classNames: [String]? = nil,
    hasHeader: Bool? = nil, separator: Character = ","
  ) throws -> PredictionInputs {
    // One record at a time: memory does not grow with the file (the
    // loader's scanner and its file checks).
    let scanner = CSVScanner(file: try CSVFile.openText(path), separator: separator)
    guard try scanner.next() else {
      throw CSVError(file: path, line: 0, column: 0, value: "", reason: "the file is empty")
    }
    let width = scanner.fields.count
    let firstLine = scanner.recordLine
    let firstValues = scanner.fields.map { scanner.value($0) }
    let header = try hasHeader ?? detectHeader(scanner, firstValues)
    let names = header ? firstValues : nil
    // The target column.
    var targetIndex: Int?
    switch target {
    case .name(let name)?:
      guard let names, let found = names.firstIndex(of: name) else {
        throw CSVError(
          file: path, line: firstLine, column: 0, value: name,
          reason: names.map { "no such column in the header (\($0.joined(separator: ", ")))" }
            ?? "no header row to find the target column in")
      }
      targetIndex = found
    case .index(let i)?:
      guard (0..<width).contains(i) else {
        throw CSVError(
          file: path, line: firstLine, column: 0, value: String(i + 1),
          reason: "the target column is out of range: the file has \(width) columns")
      }
      targetIndex = i
    case .last?:
      targetIndex = width - 1
    case nil:
      if let names, let targetName, let k = names.firstIndex(of: targetName) {
        throw PredictionInputError.unrequestedTarget(file: path, name: targetName, column: k + 1)
      }
    }

    // The feature columns, in the model's input order.
    let columns: [Int]
    let byName = names != nil && featureNames != nil
    if let names, let featureNames {
      var positions: [String: [Int]] = [:]
      for (j, name) in names.enumerated() { positions[name, default: []].append(j + 1) }
      for name in names where (positions[name]?.count ?? 0) > 1 {
        throw PredictionInputError.duplicateColumn(
          file: path, name: name, columns: positions[name] ?? [])
      }
      columns = try featureNames.map { name in
        guard let j = names.firstIndex(of: name), j != targetIndex else {
          throw PredictionInputError.missingColumn(
            file: path, name: name, featureNames: featureNames)
        }
        return j
      }
      let used = Set(columns)
      if let j = names.indices.first(where: { !used.contains($0) && $0 != targetIndex }) {
        throw PredictionInputError.unknownColumn(
          file: path, name: names[j], column: j + 1, featureNames: featureNames)
      }
    } else {
      columns = (0..<width).filter { $0 != targetIndex }
      guard columns.count == inputSize else {
        throw PredictionInputError.columnCount(
          file: path, found: columns.count, expected: inputSize)
      }
    }

    let known = classNames ?? self.classNames
    var features: [[Double]] = []
    var targets: [[Double]] = []
    var lines: [Int] = []
    /// Reads the scanner's current record as a row.
    func readRow() throws {
      try CSVTable.requireWidth(scanner, width, against: header ? "the header" : "the first row")
      let fields = scanner.fields
      features.append(try columns.map { j in try CSVTable.finiteNumber(scanner, fields[j], j, names) })
      lines.append(scanner.recordLine)
      if let targetIndex {
        targets.append([try targetValue(scanner, fields[targetIndex], targetIndex, names, known)])
      }
    }
    if !header { try readRow() }
    while try scanner.next() { try readRow() }
    guard !features.isEmpty else {
      throw CSVError(
        file: path, line: 0, column: 0, value: "",
        reason: "no data rows (only the header, on line \(firstLine))")
    }
    return PredictionInputs(
      features: features, targets: targetIndex == nil ? nil : targets, lines: lines,
      matchedByName: byName,
      targetColumn: targetIndex.map { names?[$0] ?? "column \($0 + 1)" })
  }

  /// A target field: a class index when there are class names, else a
  /// finite number.
  private func targetValue(
    _ s: CSVScanner, _ field: CSVFieldRef, _ j: Int, _ names: [String]?, _ known: [String]?
  ) throws -> Double {
    guard let known else {
      if s.isName(field) {
        throw CSVError(
          file: s.file, line: field.line, column: s.column(field), value: s.text(field),
          reason: "a class name where the model was trained on numbers (\(CSVTable.describe(j, names)))")
      }
      return try CSVTable.finiteNumber(s, field, j, names)
    }
    let value = s.value(field)
    if let k = known.firstIndex(of: value) { return Double(k) }
    if let x = s.number(field), let k = known.firstIndex(where: { Double($0) == x }) {
      return Double(k)
    }
    throw PredictionInputError.unseenClass(
      file: s.file, line: field.line, column: s.column(field), text: value, known: known)
  }

  /// Whether the first record (`first`, the scanner's current one) is a
  /// header: it holds one of the checkpoint's names, or text in a column
  /// where the other rows hold no text. Reading the other rows, it leaves
  /// the scanner on the first record again.
  private func detectHeader(_ s: CSVScanner, _ first: [String]) throws -> Bool {
    let known = Set((featureNames ?? []) + (targetName.map { [$0] } ?? []))
    if first.contains(where: { known.contains($0) }) { return true }
    // Columns with text on the first row; a column with text below too
    // holds names (a class column), not a header's.
    var candidates = Set(s.fields.indices.filter { s.isName(s.fields[$0]) })
    guard !candidates.isEmpty else { return false }
    while !candidates.isEmpty, try s.next() {
      let fields = s.fields
      for j in candidates where j < fields.count && s.isName(fields[j]) { candidates.remove(j) }
    }
    try s.rewind()
    _ = try s.next()
    return !candidates.isEmpty
  }
}

/// The names of a CSV training file's columns, to store in a checkpoint:
/// from ``Checkpoint/columnNames(ofCSV:target:dataRows:separator:)``.
public struct CSVColumnNames: Sendable, Equatable {
  /// The feature columns' names, in file order without the target: the
  /// order of a loaded data set's features.
  public var featureNames: [String]
  /// The target column's name.
  public var targetName: String
}

extension Checkpoint {
  /// The header names of the CSV file a model was trained on, to save with
  /// it so that predictions can match columns by name.
  ///
  ///     let data = try Dataset.loadCSV(from: "iris.csv", target: .last)
  ///     let names = try Checkpoint.columnNames(ofCSV: "iris.csv", target: .last,
  ///                                            dataRows: data.count)
  ///     try model.save(to: "model.json", featureNames: names?.featureNames,
  ///                    classNames: data.classNames, targetName: names?.targetName)
  ///
  /// - Parameters:
  ///   - path: The CSV file the data set was loaded from.
  ///   - target: The target column, as given to the loader.
  ///   - dataRows: The number of rows the loader read: the file has a header
  ///     exactly when it holds one record more.
  ///   - separator: The field separator; `,` by default.
  /// - Returns: The names; `nil` when the file has no header, or when its
  ///   names cannot be stored (an empty or repeated name, a target out of
  ///   range).
  /// - Throws: ``CSVError`` when the file cannot be read or its quoting is
  ///   broken.
  public static func columnNames(
    ofCSV path: String, target: TargetColumn, dataRows: Int, separator: Character = ","
  ) throws -> CSVColumnNames? {
    let scanner = CSVScanner(file: try CSVFile.openText(path), separator: separator)
    guard try scanner.next() else { return nil }
    let names = scanner.fields.map { scanner.value($0) }
    var records = 1
    while try scanner.next() { records += 1 }
    guard records == dataRows + 1 else { return nil }
    let targetIndex: Int
    switch target {
    case .name(let name):
      guard let found = names.firstIndex(of: name) else { return nil }
      targetIndex = found
    case .index(let i):
      guard names.indices.contains(i) else { return nil }
      targetIndex = i
    case .last:
      targetIndex = names.count - 1
    }
    guard !names.contains(where: \.isEmpty), Set(names).count == names.count else { return nil }
    var featureNames = names
    featureNames.remove(at: targetIndex)
    return CSVColumnNames(featureNames: featureNames, targetName: names[targetIndex])
  }
}
