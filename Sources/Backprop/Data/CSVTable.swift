// From a scanner's records to a data set: the header, the target column,
// the features as numbers, and the targets typed.

// One pass over the records, storing only numbers; a second pass only when a
// target column turns out to hold names after numbers (or a header-less
// first row's class name is data after all).

/// Asks for the records again from the start, knowing more.
private struct ReadAgain: Error {
  var header: Bool
}

enum CSVTable {
  /// The data set in the scanner's records; with an `imageShape`, the
  /// first row must have `imageShape.count` feature columns.
  static func dataset(
    _ scanner: CSVScanner, target: TargetColumn, hasHeader: Bool?, task: TargetTask,
    imageShape: Shape? = nil
  ) throws -> Dataset {
    var header = hasHeader
    var namesAfterNumbers = false
    while true {
      do {
        return try pass(
          scanner, target: target, hasHeader: header, names: namesAfterNumbers, task: task,
          imageShape: imageShape)
      } catch let again as ReadAgain {
        header = again.header
        namesAfterNumbers = true
        try scanner.rewind()
      }
    }
  }

  /// One pass; `names` says the target column holds names somewhere.
  private static func pass(
    _ s: CSVScanner, target: TargetColumn, hasHeader: Bool?, names: Bool, task: TargetTask,
    imageShape: Shape?
  ) throws -> Dataset {
    let file = s.file
    guard try s.next() else {
      throw CSVError(file: file, line: 0, column: 0, value: "", reason: "the file is empty")
    }
    let first = s.fields
    let firstLine = s.recordLine
    let width = first.count

    // The target column, and whether the first row is a header (or may be:
    // `pending`, a first row whose only text is its target).
    let targetIndex: Int
    var header: Bool
    var pending = false
    switch target {
    case .name(let name):
      guard hasHeader ?? true else {
        throw CSVError(
          file: file, line: firstLine, column: 0, value: name,
          reason: "no header row to find the target column in")
      }
      let names = first.map(s.value)
      guard let found = names.firstIndex(of: name) else {
        throw CSVError(
          file: file, line: firstLine, column: 0, value: name,
          reason: "no such column in the header (\(names.joined(separator: ", ")))")
      }
      targetIndex = found
      header = true
    case .index(let i):
      guard i >= 0 else {
        throw CSVError(
          file: file, line: firstLine, column: 0, value: "",
          reason: "target column .index(\(i)) is before the first column (.index counts from 0)")
      }
      guard i < width else {
        throw CSVError(
          file: file, line: firstLine, column: 0, value: "",
          reason: "the target is column \(i + 1) (counted from 1), but the first row has "
            + "\(width == 1 ? "only 1 column" : "only \(width) columns")")
      }
      targetIndex = i
      header = false
    case .last:
      targetIndex = width - 1
      header = false
    }
    if case .name = target {
    } else if let hasHeader {
      header = hasHeader
    } else if first.indices.contains(where: { $0 != targetIndex && s.isName(first[$0]) }) {
      header = true
    } else if s.isName(first[targetIndex]) {
      header = true  // unless a later target is a name: then it is a class name
      pending = true
    }
    guard width >= 2 else {
      throw CSVError(
        file: file, line: firstLine, column: 0, value: s.value(first[0]),
        reason: "no feature columns: the target is the only column")
    }
    try requireImageShape(imageShape, columns: width, hasTarget: true, file: file, line: firstLine)
    let columnNames = header ? first.map(s.value) : nil
    let against = header ? "the header" : "the first row"

    var features: [[Double]] = []
    var targets: [Double] = []
    var namesMode = names && task != .regression
    var classIndex: [String: Int] = [:]
    var classNames: [String] = []
    var sawNumber = false
    var deferred: CSVError?  // the first target error, thrown after the features

    func note(_ error: CSVError) {
      if deferred == nil { deferred = error }
    }

    func readRecord() throws {
      let fields = s.fields
      try requireWidth(s, width, against: against)
      var row: [Double] = []
      row.reserveCapacity(width - 1)
      for j in 0..<width where j != targetIndex {
        row.append(try finiteNumber(s, fields[j], j, columnNames))
      }
      let t = fields[targetIndex]
      guard !s.isEmpty(t) else {
        throw CSVError(
          file: file, line: t.line, column: s.column(t), value: s.text(t),
          reason: "an empty target (\(describe(targetIndex, columnNames)))")
      }
      if namesMode {
        targets.append(Double(classID(s.value(t))))
      } else if let y = s.number(t) {
        if !y.isFinite {
          note(
            CSVError(
              file: file, line: t.line, column: s.column(t), value: s.text(t),
              reason: "not a finite number (\(describe(targetIndex, columnNames)))"))
        }
        targets.append(y)
        sawNumber = true
      } else if pending {
        throw ReadAgain(header: false)  // the first row's target was a class name
      } else if task == .regression {
        note(
          CSVError(
            file: file, line: t.line, column: s.column(t), value: s.text(t),
            reason: "not a number (\(describe(targetIndex, columnNames))); "
              + "a regression target must be a number"))
        targets.append(0)
      } else if sawNumber {
        throw ReadAgain(header: header)  // names after numbers: all are names
      } else {
        namesMode = true
        targets.append(Double(classID(s.value(t))))
      }
      features.append(row)
    }

    func classID(_ name: String) -> Int {
      if let k = classIndex[name] { return k }
      classIndex[name] = classNames.count
      classNames.append(name)
      return classNames.count - 1
    }

    if !header { try readRecord() }
    while try s.next() { try readRecord() }
    guard !features.isEmpty else {
      throw CSVError(
        file: file, line: 0, column: 0, value: "",
        reason: "no data rows (only the header, on line \(firstLine))")
    }
    if let deferred { throw deferred }

    let column: String
    if let name = columnNames?[targetIndex], !name.isEmpty {
      column = "'\(name)'"
    } else {
      column = "column \(targetIndex + 1)"
    }
    let typed =
      namesMode
      ? TypedTargets.names(classNames, indices: targets, column: column, task: task)
      : TypedTargets.numbers(targets, column: column, task: task)
    targets = []
    return Dataset(
      unchecked: features, typed.targets, typed.classNames, targetTyping: typed.typing)
  }

  /// Every field as a number, for files with no target column; with an
  /// `imageShape`, the first row must have `imageShape.count` columns.
  static func features(
    _ s: CSVScanner, hasHeader: Bool?, imageShape: Shape? = nil
  ) throws -> (features: [[Double]], columnNames: [String]?) {
    guard try s.next() else {
      throw CSVError(file: s.file, line: 0, column: 0, value: "", reason: "the file is empty")
    }
    let first = s.fields
    let firstLine = s.recordLine
    let width = first.count
    try requireImageShape(
      imageShape, columns: width, hasTarget: false, file: s.file, line: firstLine)
    let header = hasHeader ?? first.contains(where: s.isName)
    let names = header ? first.map(s.value) : nil
    let against = header ? "the header" : "the first row"
    var rows: [[Double]] = []
    func readRecord() throws {
      try requireWidth(s, width, against: against)
      var row: [Double] = []
      row.reserveCapacity(width)
      for (j, field) in s.fields.enumerated() {
        row.append(try finiteNumber(s, field, j, names))
      }
      rows.append(row)
    }
    if !header { try readRecord() }
    while try s.next() { try readRecord() }
    guard !rows.isEmpty else {
      throw CSVError(
        file: s.file, line: 0, column: 0, value: "",
        reason: "no data rows (only the header, on line \(firstLine))")
    }
    return (rows, names)
  }

  /// Checks that a first row of `columns` fields (one of them the target
  /// when `hasTarget`) holds one image of `shape`, if a shape is declared.
  static func requireImageShape(
    _ shape: Shape?, columns: Int, hasTarget: Bool, file: String, line: Int
  ) throws {
    guard let shape else { return }
    let features = hasTarget ? columns - 1 : columns
    guard features != shape.count else { return }
    let found = features == 1 ? "1 feature column" : "\(features) feature columns"
    let counted = hasTarget ? " (\(columns) columns less the target)" : ""
    throw CSVError(
      file: file, line: line, column: 0, value: "",
      reason: "\(found)\(counted), but an image of shape \(shape) needs "
        + "\(shape.channels)·\(shape.height)·\(shape.width) = \(shape.count)")
  }

  /// `column 2, "y"`: counted from 1, with the header's name if any.
  static func describe(_ j: Int, _ names: [String]?) -> String {
    if let name = names?[j], !name.isEmpty { return "column \(j + 1), \"\(name)\"" }
    return "column \(j + 1)"
  }

  /// The field as a finite number, or an error naming it.
  static func finiteNumber(
    _ s: CSVScanner, _ field: CSVFieldRef, _ j: Int, _ names: [String]?
  ) throws -> Double {
    guard let x = s.number(field) else {
      let what = s.isEmpty(field) ? "an empty field, not a number" : "not a number"
      throw CSVError(
        file: s.file, line: field.line, column: s.column(field), value: s.text(field),
        reason: "\(what) (\(describe(j, names)))")
    }
    guard x.isFinite else {
      throw CSVError(
        file: s.file, line: field.line, column: s.column(field), value: s.text(field),
        reason: "not a finite number (\(describe(j, names)))")
    }
    return x
  }

  /// Checks that the current record has `width` fields.
  static func requireWidth(_ s: CSVScanner, _ width: Int, against: String) throws {
    let fields = s.fields
    guard fields.count != width else { return }
    let reason = "\(fields.count) fields where \(against) has \(width)"
    if fields.count > width {
      let extra = fields[width]
      throw CSVError(
        file: s.file, line: extra.line, column: s.column(extra), value: s.text(extra),
        reason: reason)
    }
    throw CSVError(
      file: s.file, line: s.recordLine, column: 0, value: s.recordText(), reason: reason)
  }
}
