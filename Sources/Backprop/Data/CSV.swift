// Reading a data set from comma-separated values: RFC 4180 quoting, any line
// ending, header detection, class names in the target column, and errors
// that point at the file, line and column of the bad text.

import Foundation

/// A problem in a CSV file, at a line and column as an editor shows them
/// (both counted from 1), with the text found there.
///
///     do {
///       _ = try Dataset.parseCSV("x,y\n1,2\nabc,3\n", file: "data.csv", target: .last)
///     } catch let error as CSVError {
///       print(error)
///       // Prints "data.csv:3:1: not a number (column 1, "x"): "abc""
///     }
///
/// `line` and `column` are 0 when the problem is not at one place: `line` for
/// the whole file (it cannot be read, it has no data rows), `column` for a
/// whole line (a row with too few fields, a target column that the header
/// lacks).
public struct CSVError: Error, Equatable, CustomStringConvertible {
  /// The path of the file, or the name given to
  /// ``Dataset/parseCSV(_:file:target:hasHeader:separator:)``.
  public var file: String
  /// The line, from 1; 0 for the whole file.
  public var line: Int
  /// The character in the line where the offending field starts, from 1;
  /// 0 for the whole line.
  public var column: Int
  /// The offending text: the field, the row, or the target column asked for.
  public var value: String
  /// What is wrong with it.
  public var reason: String

  /// Creates an error.
  ///
  ///     CSVError(file: "a.csv", line: 2, column: 5, value: "nan", reason: "not a finite number")
  ///
  /// - Parameters:
  ///   - file: The path of the file.
  ///   - line: The line, from 1; 0 for the whole file.
  ///   - column: The character in the line, from 1; 0 for the whole line.
  ///   - value: The offending text.
  ///   - reason: What is wrong with it.
  public init(file: String, line: Int, column: Int, value: String, reason: String) {
    self.file = file
    self.line = line
    self.column = column
    self.value = value
    self.reason = reason
  }

  /// `file:line:column: reason: "value"`, the form editors and compilers
  /// use, leaving out a line or column of 0 and an empty value.
  public var description: String {
    var place = file
    if line > 0 { place += ":\(line)" }
    if line > 0, column > 0 { place += ":\(column)" }
    return value.isEmpty ? "\(place): \(reason)" : "\(place): \(reason): \"\(value)\""
  }
}

/// Which column of a CSV file holds the target.
///
///     let data = try Dataset.loadCSV(from: "iris.csv", target: .name("species"))
public enum TargetColumn: Sendable, Equatable {
  /// The column at this position, counted from 0.
  case index(Int)
  /// The column with this name in the header row.
  case name(String)
  /// The last column.
  case last
}

extension Dataset {
  /// Reads a data set from a CSV file: one row per line, the features and
  /// one target column.
  ///
  /// The target column holds either numbers (class indices 0, 1, …, or
  /// regression targets), or names: if any target is not a number, every
  /// distinct target text becomes a class index in order of first
  /// appearance and ``classNames`` lists them. Every other column must hold
  /// finite numbers.
  ///
  /// Fields may be quoted (`"1,5"`, `"a ""b"""`, line breaks inside quotes);
  /// spaces around unquoted fields are ignored; lines may end in `\n`,
  /// `\r\n` or `\r`; blank lines are skipped; a UTF-8 byte-order mark is
  /// ignored.
  ///
  ///     // iris.csv:
  ///     // sepal_length,sepal_width,petal_length,petal_width,species
  ///     // 5.1,3.5,1.4,0.2,setosa
  ///     // ...
  ///     let iris = try Dataset.loadCSV(from: "iris.csv", target: .last)
  ///     print(iris.featureCount, iris.classNames ?? [])
  ///     // Prints "4 ["setosa", "versicolor", "virginica"]"
  ///
  /// - Parameters:
  ///   - path: The file's path.
  ///   - target: The target column.
  ///   - hasHeader: Whether the first row names the columns. `nil` (the
  ///     default) detects it: the first row is a header if one of its
  ///     fields other than the target is text that is not a number, or if
  ///     its target is text and no other row's target is (so a first row
  ///     whose target is a class name is read as data). A `.name` target
  ///     implies a header.
  ///   - separator: The field separator; `,` by default (`;` and `\t` are
  ///     common).
  /// - Returns: The data set, its rows in the file's order.
  /// - Throws: ``CSVError`` naming the file, line, column and text of the
  ///   first problem (a non-finite number in a numeric target column is
  ///   found after the features): the file cannot be read; it is empty or
  ///   has no data rows; a row has more or fewer fields than the first; the
  ///   target column is unknown or out of range, or is the only column; a
  ///   feature is not a number or is NaN or infinite (`1e400` overflows to
  ///   infinity); a target is empty, or NaN or infinite; a quote is not
  ///   closed, or is followed by text.
  /// - Precondition: `separator` is not a quote or a line break.
  public static func loadCSV(
    from path: String, target: TargetColumn, hasHeader: Bool? = nil, separator: Character = ","
  ) throws -> Dataset {
    let text = try CSVReader.readFile(path)
    return try parseCSV(
      text, file: path, target: target, hasHeader: hasHeader, separator: separator)
  }

  /// Reads rows of numbers with no target column (inputs to predict on).
  ///
  ///     let (rows, names) = try Dataset.loadCSVFeatures(from: "new-points.csv")
  ///
  /// - Parameters:
  ///   - path: The file.
  ///   - hasHeader: Whether the first row names the columns; `nil` (the
  ///     default) takes it as a header when one of its fields is not a
  ///     number.
  ///   - separator: The field separator; `,` by default.
  /// - Returns: The rows, and the column names when there is a header.
  /// - Throws: ``CSVError`` naming the file, line, column and text of the
  ///   first field that is not a finite number, a ragged row, or an empty
  ///   file.
  public static func loadCSVFeatures(
    from path: String, hasHeader: Bool? = nil, separator: Character = ","
  ) throws -> (features: [[Double]], columnNames: [String]?) {
    let text = try CSVReader.readFile(path)
    let records = try CSVReader(file: path, separator: separator).records(in: text)
    return try CSVReader.features(from: records, file: path, hasHeader: hasHeader)
  }

  /// Reads a data set from CSV text in memory, exactly as
  /// ``loadCSV(from:target:hasHeader:separator:)`` reads a file.
  ///
  ///     let data = try Dataset.parseCSV("x,y,label\n0,0,0\n1,1,1\n", target: .name("label"))
  ///     print(data.features, data.labels)
  ///     // Prints "[[0.0, 0.0], [1.0, 1.0]] [0.0, 1.0]"
  ///
  /// - Parameters:
  ///   - text: The CSV text.
  ///   - file: The name errors give for the text; `<string>` by default.
  ///   - target: The target column.
  ///   - hasHeader: Whether the first row names the columns; `nil` detects
  ///     it (see ``loadCSV(from:target:hasHeader:separator:)``).
  ///   - separator: The field separator; `,` by default.
  /// - Returns: The data set, its rows in the text's order.
  /// - Throws: ``CSVError`` for the first problem, as
  ///   ``loadCSV(from:target:hasHeader:separator:)`` does (except "cannot
  ///   read file").
  /// - Precondition: `separator` is not a quote or a line break.
  /// - Complexity: O(*n*) for *n* characters.
  public static func parseCSV(
    _ text: String, file: String = "<string>", target: TargetColumn, hasHeader: Bool? = nil,
    separator: Character = ","
  ) throws -> Dataset {
    require(
      separator != "\"" && !CSVReader.isLineBreak(separator),
      "Backprop: a CSV separator cannot be a quote or a line break")
    let records = try CSVReader(file: file, separator: separator).records(in: text)
    return try CSVReader.dataset(
      from: records, file: file, target: target, hasHeader: hasHeader)
  }
}

// MARK: - The reader

/// One field as read: its text (quotes removed) and where it starts.
struct CSVField {
  /// The text as read, quotes removed and doubled quotes undoubled.
  var text: String
  /// The text with the spaces and tabs around an unquoted field removed.
  var value: String
  var line: Int
  var column: Int

  /// The value as a number, if it is one.
  var number: Double? { Double(value) }

  /// Text that is not a number: a name. Empty fields are neither.
  var isName: Bool { !value.isEmpty && number == nil }
}

/// One row of fields, with the text it was read from.
struct CSVRecord {
  var fields: [CSVField]
  var line: Int
  var text: String
}

/// A CSV reader over UTF-8 bytes (RFC 4180, plus `\r` and `\n` line
/// endings, spaces around fields, blank lines skipped). Columns count
/// Unicode scalars, which is what editors show for all but combined
/// characters.
struct CSVReader {
  let file: String
  /// The separator's UTF-8 bytes: one for `,`, `;` or a tab.
  let separator: [UInt8]

  init(file: String, separator: Character) {
    self.file = file
    self.separator = Array(String(separator).utf8)
  }

  /// The file's text, or an error saying it cannot be read.
  static func readFile(_ path: String) throws -> String {
    do {
      return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw CSVError(file: path, line: 0, column: 0, value: "", reason: "cannot read file")
    }
  }

  /// Whether `c` ends a line: `\n`, `\r\n` (one `Character`) or `\r`.
  static func isLineBreak(_ c: Character) -> Bool {
    c == "\n" || c == "\r\n" || c == "\r"
  }

  /// Splits the text into records, skipping blank lines.
  func records(in text: String) throws -> [CSVRecord] {
    var text = text
    return try text.withUTF8 { bytes in
      var scanner = CSVScanner(bytes: bytes, file: file, separator: separator)
      return try scanner.records()
    }
  }

  /// Builds the data set from the records.
  static func dataset(
    from records: [CSVRecord], file: String, target: TargetColumn, hasHeader: Bool?
  ) throws -> Dataset {
    guard let first = records.first else {
      throw CSVError(file: file, line: 0, column: 0, value: "", reason: "the file is empty")
    }
    let width = first.fields.count

    // The target column, and whether the first row is a header.
    let targetIndex: Int
    let header: Bool
    switch target {
    case .name(let name):
      guard hasHeader ?? true else {
        throw CSVError(
          file: file, line: first.line, column: 0, value: name,
          reason: "no header row to find the target column in")
      }
      let names = first.fields.map(\.value)
      guard let found = names.firstIndex(of: name) else {
        throw CSVError(
          file: file, line: first.line, column: 0, value: name,
          reason: "no such column in the header (\(names.joined(separator: ", ")))")
      }
      targetIndex = found
      header = true
    case .index(let i):
      guard (0..<width).contains(i) else {
        throw CSVError(
          file: file, line: first.line, column: 0, value: String(i),
          reason: "target column index out of range 0..<\(width)")
      }
      targetIndex = i
      header = hasHeader ?? detectHeader(records, target: i)
    case .last:
      targetIndex = width - 1
      header = hasHeader ?? detectHeader(records, target: width - 1)
    }
    guard width >= 2 else {
      throw CSVError(
        file: file, line: first.line, column: 0, value: first.fields[0].value,
        reason: "no feature columns: the target is the only column")
    }
    let dataRecords = header ? records.dropFirst() : records[...]
    guard !dataRecords.isEmpty else {
      throw CSVError(
        file: file, line: 0, column: 0, value: "",
        reason: "no data rows (only the header, on line \(first.line))")
    }
    let columnNames = header ? first.fields.map(\.value) : nil
    func describe(_ j: Int) -> String {
      if let name = columnNames?[j], !name.isEmpty { return "column \(j + 1), \"\(name)\"" }
      return "column \(j + 1)"
    }

    var features: [[Double]] = []
    var targetFields: [CSVField] = []
    features.reserveCapacity(dataRecords.count)
    targetFields.reserveCapacity(dataRecords.count)
    for record in dataRecords {
      let fields = record.fields
      try requireWidth(record, width, against: header ? "the header" : "the first row", file: file)
      var row: [Double] = []
      row.reserveCapacity(width - 1)
      for (j, field) in fields.enumerated() where j != targetIndex {
        row.append(try finiteNumber(field, file: file, column: describe(j)))
      }
      let targetField = fields[targetIndex]
      guard !targetField.value.isEmpty else {
        throw CSVError(
          file: file, line: targetField.line, column: targetField.column,
          value: targetField.text, reason: "an empty target (\(describe(targetIndex)))")
      }
      features.append(row)
      targetFields.append(targetField)
    }

    // The targets: numbers, or names turned into class indices.
    if targetFields.contains(where: \.isName) {
      var classNames: [String] = []
      var classIndex: [String: Int] = [:]
      var targets: [[Double]] = []
      targets.reserveCapacity(targetFields.count)
      for field in targetFields {
        let name = field.value
        if let k = classIndex[name] {
          targets.append([Double(k)])
        } else {
          classIndex[name] = classNames.count
          targets.append([Double(classNames.count)])
          classNames.append(name)
        }
      }
      return Dataset(unchecked: features, targets, classNames)
    }
    var targets: [[Double]] = []
    targets.reserveCapacity(targetFields.count)
    for field in targetFields {
      guard let y = field.number, y.isFinite else {
        throw CSVError(
          file: file, line: field.line, column: field.column, value: field.text,
          reason: "not a finite number (\(describe(targetIndex)))")
      }
      targets.append([y])
    }
    return Dataset(unchecked: features, targets, nil)
  }

  /// The field as a finite number, or an error naming it.
  static func finiteNumber(_ field: CSVField, file: String, column: String) throws -> Double {
    guard let x = field.number else {
      let what = field.value.isEmpty ? "an empty field, not a number" : "not a number"
      throw CSVError(
        file: file, line: field.line, column: field.column, value: field.text,
        reason: "\(what) (\(column))")
    }
    guard x.isFinite else {
      throw CSVError(
        file: file, line: field.line, column: field.column, value: field.text,
        reason: "not a finite number (\(column))")
    }
    return x
  }

  /// Checks that a record has `width` fields.
  static func requireWidth(
    _ record: CSVRecord, _ width: Int, against: String, file: String
  ) throws {
    let fields = record.fields
    guard fields.count != width else { return }
    let reason = "\(fields.count) fields where \(against) has \(width)"
    if fields.count > width {
      let extra = fields[width]
      throw CSVError(
        file: file, line: extra.line, column: extra.column, value: extra.text, reason: reason)
    }
    throw CSVError(file: file, line: record.line, column: 0, value: record.text, reason: reason)
  }

  /// Every field as a number, for files with no target column.
  static func features(
    from records: [CSVRecord], file: String, hasHeader: Bool?
  ) throws -> (features: [[Double]], columnNames: [String]?) {
    guard let first = records.first else {
      throw CSVError(file: file, line: 0, column: 0, value: "", reason: "the file is empty")
    }
    let width = first.fields.count
    let header = hasHeader ?? first.fields.contains(where: \.isName)
    let dataRecords = header ? records.dropFirst() : records[...]
    guard !dataRecords.isEmpty else {
      throw CSVError(
        file: file, line: 0, column: 0, value: "",
        reason: "no data rows (only the header, on line \(first.line))")
    }
    let names = header ? first.fields.map(\.value) : nil
    var rows: [[Double]] = []
    rows.reserveCapacity(dataRecords.count)
    for record in dataRecords {
      try requireWidth(record, width, against: header ? "the header" : "the first row", file: file)
      var row: [Double] = []
      row.reserveCapacity(width)
      for (j, field) in record.fields.enumerated() {
        let column = names.map { "column \(j + 1), \"\($0[j])\"" } ?? "column \(j + 1)"
        row.append(try finiteNumber(field, file: file, column: column))
      }
      rows.append(row)
    }
    return (rows, names)
  }

  /// Whether the first record looks like a header: a field other than the
  /// target that is a name, or a target that is a name when no later
  /// target is one (names in the target column are class names).
  static func detectHeader(_ records: [CSVRecord], target: Int) -> Bool {
    guard let first = records.first else { return false }
    if first.fields.indices.contains(where: { $0 != target && first.fields[$0].isName }) {
      return true
    }
    guard first.fields.indices.contains(target), first.fields[target].isName else { return false }
    return !records.dropFirst().contains { record in
      record.fields.indices.contains(target) && record.fields[target].isName
    }
  }
}

/// The state of one pass over the UTF-8 bytes of a CSV text.
private struct CSVScanner {
  private static let quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")

  let b: UnsafeBufferPointer<UInt8>
  let n: Int
  let file: String
  /// The separator's first byte, and the rest (empty for `,`, `;`, a tab).
  let separatorHead: UInt8
  let separatorTail: [UInt8]
  /// Whether a space or a tab is the separator, not padding.
  let spaceIsSeparator: Bool
  let tabIsSeparator: Bool

  /// The current line, and a cursor that counts columns (Unicode scalars)
  /// forward from the start of the line.
  var line = 1
  var cursor = 0
  var cursorColumn = 1

  init(bytes: UnsafeBufferPointer<UInt8>, file: String, separator: [UInt8]) {
    b = bytes
    n = bytes.count
    self.file = file
    separatorHead = separator.first ?? UInt8(ascii: ",")
    separatorTail = Array(separator.dropFirst())
    spaceIsSeparator = separator == [Self.space]
    tabIsSeparator = separator == [Self.tab]
  }

  mutating func column(at position: Int) -> Int {
    while cursor < position {
      if b[cursor] & 0xC0 != 0x80 { cursorColumn += 1 }  // not a continuation byte
      cursor += 1
    }
    return cursorColumn
  }

  mutating func startLine(at position: Int) {
    line += 1
    cursor = position
    cursorColumn = 1
  }

  func isSeparator(at k: Int) -> Bool {
    guard b[k] == separatorHead else { return false }
    if separatorTail.isEmpty { return true }
    guard k + separatorTail.count < n else { return false }
    for (offset, byte) in separatorTail.enumerated() where b[k + 1 + offset] != byte {
      return false
    }
    return true
  }

  /// A space or tab that pads a field.
  func isBlank(_ k: Int) -> Bool {
    let c = b[k]
    return (c == Self.space && !spaceIsSeparator) || (c == Self.tab && !tabIsSeparator)
  }

  func isEndOfField(_ k: Int) -> Bool {
    guard k < n else { return true }
    let c = b[k]
    return c == Self.newline || c == Self.carriageReturn || isSeparator(at: k)
  }

  func string(_ range: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self)
  }

  mutating func records() throws -> [CSVRecord] {
    var i = 0
    if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }  // byte-order mark
    cursor = i
    var records: [CSVRecord] = []
    while i < n {
      let recordStart = i
      let recordLine = line
      var fields: [CSVField] = []
      fields.reserveCapacity(records.last?.fields.count ?? 8)
      var blankOnly = true
      while true {
        var k = i
        while k < n && isBlank(k) { k += 1 }
        if k < n && b[k] == Self.quote {
          fields.append(try quotedField(from: &k))
          blankOnly = false
        } else {
          while !isEndOfField(k) { k += 1 }
          var low = i
          var high = k
          while low < high && isBlank(low) { low += 1 }
          while high > low && isBlank(high - 1) { high -= 1 }
          let column = column(at: i)
          fields.append(
            CSVField(text: string(i..<k), value: string(low..<high), line: line, column: column))
          if low < high { blankOnly = false }
        }
        i = k
        if i < n && isSeparator(at: i) {
          i += 1 + separatorTail.count
          blankOnly = false
          continue
        }
        break
      }
      // At a line break or the end of the text.
      let recordEnd = i
      if i < n {
        i += b[i] == Self.carriageReturn && i + 1 < n && b[i + 1] == Self.newline ? 2 : 1
        startLine(at: i)
      }
      if !blankOnly {
        records.append(
          CSVRecord(fields: fields, line: recordLine, text: string(recordStart..<recordEnd)))
      }
    }
    return records
  }

  /// Reads a quoted field whose opening quote is at `k`, and the padding
  /// after it; leaves `k` at the separator, line break or end that follows.
  mutating func quotedField(from k: inout Int) throws -> CSVField {
    let quoteLine = line
    let quoteColumn = column(at: k)
    var bytes: [UInt8] = []
    k += 1
    while true {
      guard k < n else {
        let firstLine = bytes.prefix { $0 != Self.newline && $0 != Self.carriageReturn }
        throw CSVError(
          file: file, line: quoteLine, column: quoteColumn,
          value: "\"" + String(decoding: firstLine, as: UTF8.self),
          reason: "a quoted field is not closed")
      }
      let c = b[k]
      k += 1
      if c == Self.quote {
        guard k < n && b[k] == Self.quote else { break }  // the closing quote
        k += 1  // a doubled quote
      }
      bytes.append(c)
      if c == Self.carriageReturn, k < n, b[k] == Self.newline {
        bytes.append(Self.newline)
        k += 1
      }
      if c == Self.newline || c == Self.carriageReturn { startLine(at: k) }
    }
    while k < n && isBlank(k) { k += 1 }
    guard isEndOfField(k) else {
      var end = k
      while !isEndOfField(end) { end += 1 }
      throw CSVError(
        file: file, line: line, column: column(at: k), value: string(k..<end),
        reason: "text after the closing quote of a field")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    return CSVField(text: text, value: text, line: quoteLine, column: quoteColumn)
  }
}
