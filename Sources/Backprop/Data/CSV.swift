// Reading a data set from comma-separated values: the public API and its
// errors.

// The scanner is in CSVScanner.swift, the file checks in CSVFile.swift, the
// table in CSVTable.swift and the target's typing in CSVTargetTyping.swift.

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
/// lacks). ``kind`` tells a file that cannot be read as CSV text (missing, a
/// directory, no permission, compressed, binary, not UTF-8) from bad content:
///
///     do {
///       _ = try Dataset.loadCSV(from: "data.csv.gz", target: .last)
///     } catch let error as CSVError {
///       print(error)  // data.csv.gz: gzip-compressed, not CSV text; decompress it first (gunzip)
///       if case .compressed(let format) = error.kind { print(format) }  // gzip
///     }
public struct CSVError: Error, Equatable, CustomStringConvertible {
  /// What kind of problem it is.
  public enum Kind: Sendable, Equatable {
    /// Bad content: a field, a row, the header, the target column.
    case content
    /// There is no file at the path.
    case fileNotFound
    /// The path is a directory.
    case isDirectory
    /// This user may not read the file.
    case permissionDenied
    /// The file is compressed (`gzip`, `zip`, `bzip2`, `xz` or `zstd`).
    case compressed(format: String)
    /// The file holds a NUL byte at this offset (from 0): it is binary.
    case binary(byteOffset: Int)
    /// The byte at this offset (from 0) is not UTF-8 (a Latin-1 file, or
    /// UTF-16 at offset 0).
    case notUTF8(byteOffset: Int)
    /// The system could not read the file for another reason (`reason`
    /// says which).
    case unreadable
  }

  /// The path of the file, or the name given to
  /// ``Dataset/parseCSV(_:file:target:hasHeader:separator:task:)``.
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
  /// What kind of problem it is: ``Kind/content`` unless the file cannot
  /// be read as text.
  public var kind: Kind

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
  ///   - kind: What kind of problem it is; ``Kind/content`` by default.
  public init(
    file: String, line: Int, column: Int, value: String, reason: String, kind: Kind = .content
  ) {
    self.file = file
    self.line = line
    self.column = column
    self.value = value
    self.reason = reason
    self.kind = kind
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
  /// Every column but the target must hold finite numbers. The target is
  /// read as classes or as regression targets as `task` says (by default
  /// names and numbers that look like labels are classes: the rule is on
  /// ``TargetTask``); ``targetTyping`` says which and why, in one line a
  /// program can print.
  ///
  /// Fields may be quoted (`"1,5"`, `"a ""b"""`, line breaks inside quotes);
  /// spaces around unquoted fields are ignored; lines may end in `\n`,
  /// `\r\n` or `\r`; blank lines are skipped; a UTF-8 byte-order mark is
  /// ignored. The file is read a chunk at a time; the memory taken is that
  /// of the data set (about 2× the file for short numbers), not of the text.
  ///
  ///     // iris.csv:
  ///     // sepal_length,sepal_width,petal_length,petal_width,species
  ///     // 5.1,3.5,1.4,0.2,setosa
  ///     // ...
  ///     let iris = try Dataset.loadCSV(from: "iris.csv", target: .last)
  ///     print(iris.featureCount, iris.classNames ?? [])
  ///     // Prints "4 ["setosa", "versicolor", "virginica"]"
  ///     let diabetes = try Dataset.loadCSV(from: "diabetes.csv", target: .name("progression"))
  ///     print(diabetes.targetTyping?.reason ?? "")
  ///     // Prints "target 'progression': regression — 214 distinct whole numbers from 25 to 346; classes need …"
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
  ///   - task: Classes or regression; ``TargetTask/automatic`` by default.
  /// - Returns: The data set, its rows in the file's order, with its
  ///   ``targetTyping``.
  /// - Throws: ``CSVError`` naming the file, and the line, column (both from
  ///   1) and text of the first problem. The file cannot be read as text
  ///   (``CSVError/Kind`` says why: missing, a directory, no permission,
  ///   compressed, binary (a NUL byte), not UTF-8 (the line, column and
  ///   offset of the first bad byte)), or, checked after that (a target
  ///   error after the features): it is empty or has no data rows; a row
  ///   has more or fewer fields than the first; the target column is
  ///   unknown, out of range or the only column; a feature is not a finite
  ///   number (`1e400` overflows to infinity); a target is empty, not
  ///   finite, or (with `.regression`) a name; a quote is not closed, or is
  ///   followed by text.
  /// - Precondition: `separator` is not a quote or a line break.
  /// - Complexity: O(*n*) for *n* bytes, plus O(*r* log *r*) for *r* rows
  ///   with a numeric target.
  public static func loadCSV(
    from path: String, target: TargetColumn, hasHeader: Bool? = nil, separator: Character = ",",
    task: TargetTask = .automatic
  ) throws -> Dataset {
    requireSeparator(separator)
    let file = try CSVFile.openText(path)
    let scanner = CSVScanner(file: file, separator: separator)
    return try CSVTable.dataset(scanner, target: target, hasHeader: hasHeader, task: task)
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
  /// - Throws: ``CSVError`` for a file that cannot be read as text, as
  ///   ``loadCSV(from:target:hasHeader:separator:task:)`` says; else naming
  ///   the file, line, column and text of the first field that is not a
  ///   finite number, a ragged row, or an empty file.
  /// - Precondition: `separator` is not a quote or a line break.
  public static func loadCSVFeatures(
    from path: String, hasHeader: Bool? = nil, separator: Character = ","
  ) throws -> (features: [[Double]], columnNames: [String]?) {
    requireSeparator(separator)
    let file = try CSVFile.openText(path)
    return try CSVTable.features(CSVScanner(file: file, separator: separator), hasHeader: hasHeader)
  }

  /// Reads a data set from CSV text in memory, exactly as
  /// ``loadCSV(from:target:hasHeader:separator:task:)`` reads a file.
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
  ///     it (see ``loadCSV(from:target:hasHeader:separator:task:)``).
  ///   - separator: The field separator; `,` by default.
  ///   - task: Classes or regression; ``TargetTask/automatic`` by default
  ///     (the rule is on ``TargetTask``).
  /// - Returns: The data set, its rows in the text's order.
  /// - Throws: ``CSVError`` for the first problem, as
  ///   ``loadCSV(from:target:hasHeader:separator:task:)`` does (of the file
  ///   errors, only a NUL byte applies to text).
  /// - Precondition: `separator` is not a quote or a line break.
  /// - Complexity: O(*n*) for *n* characters.
  public static func parseCSV(
    _ text: String, file: String = "<string>", target: TargetColumn, hasHeader: Bool? = nil,
    separator: Character = ",", task: TargetTask = .automatic
  ) throws -> Dataset {
    try parseCSVText(
      text, file: file, target: target, hasHeader: hasHeader, separator: separator, task: task,
      imageShape: nil)
  }

  /// The text checked and read as a data set, its first row checked
  /// against `imageShape` when one is given.
  static func parseCSVText(
    _ text: String, file: String, target: TargetColumn, hasHeader: Bool?,
    separator: Character, task: TargetTask, imageShape: Shape?
  ) throws -> Dataset {
    requireSeparator(separator)
    var text = text
    return try text.withUTF8 { bytes in
      var check = CSVTextCheck(file: file)
      _ = try check.check(UnsafeRawBufferPointer(bytes), atEnd: true)
      let scanner = CSVScanner(memory: bytes, file: file, separator: separator)
      return try CSVTable.dataset(
        scanner, target: target, hasHeader: hasHeader, task: task, imageShape: imageShape)
    }
  }

  static func requireSeparator(_ separator: Character) {
    require(
      separator != "\"" && separator != "\n" && separator != "\r\n" && separator != "\r",
      "Backprop: a CSV separator cannot be a quote or a line break")
  }
}
