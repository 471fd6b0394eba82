import Backprop
import Foundation
import Testing

/// Writes `text` to a new file under the temporary directory, passes its
/// path to `body`, and removes the file afterwards.
func withTemporaryCSV<R>(_ text: String, _ body: (String) throws -> R) throws -> R {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("backprop-csv-\(UUID().uuidString).csv")
  try Data(text.utf8).write(to: url)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url.path)
}

/// A CSV text that must fail, and where.
struct CSVErrorCase: Sendable, CustomTestStringConvertible {
  let name: String
  let text: String
  var target: TargetColumn = .last
  var hasHeader: Bool? = nil
  let line: Int
  let column: Int
  let value: String
  let reason: String

  var testDescription: String { name }
}

@Suite("CSV: reading data sets")
struct CSVTests {
  // MARK: Headers and targets

  @Test func headerIsDetectedAndSkipped() throws {
    let data = try Dataset.parseCSV("x,y,label\n1,2,0\n3,4,1\n", target: .last)
    #expect(data.features == [[1, 2], [3, 4]])
    #expect(data.labels == [0, 1])
    #expect(data.classNames == nil)
  }

  @Test func numericFirstRowIsData() throws {
    let data = try Dataset.parseCSV("1,2,0\n3,4,1\n", target: .last)
    #expect(data.count == 2)
    #expect(data.features[0] == [1, 2])
  }

  @Test func classNameInTheFirstRowIsData() throws {
    // Iris without a header: the first row's only text is a class name.
    let text = "5.1,3.5,setosa\n4.9,3.0,setosa\n7.0,3.2,versicolor\n"
    let data = try Dataset.parseCSV(text, target: .last)
    #expect(data.count == 3)
    #expect(data.classNames == ["setosa", "versicolor"])
    #expect(data.labels == [0, 0, 1])
  }

  @Test func textTargetOverNumbersIsAHeader() throws {
    let data = try Dataset.parseCSV("1,2,label\n3,4,0\n5,6,1\n", target: .last)
    #expect(data.features == [[3, 4], [5, 6]])
  }

  @Test func headerWithAnEmptyIndexName() throws {
    // pandas' to_csv writes an unnamed index column.
    let data = try Dataset.parseCSV(",x,y\n0,1.5,1\n1,2.5,0\n", target: .name("y"))
    #expect(data.features == [[0, 1.5], [1, 2.5]])
    #expect(data.labels == [1, 0])
  }

  @Test func explicitHeaderFlagWins() throws {
    let dropped = try Dataset.parseCSV("1,2\n3,4\n", target: .last, hasHeader: true)
    #expect(dropped.features == [[3]])
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,y\n1,2\n", file: "f.csv", target: .last, hasHeader: false)
    }
    #expect(error.line == 1 && error.column == 1 && error.value == "x")
  }

  @Test(arguments: [
    (TargetColumn.name("label"), [[1.0, 2], [4, 5]], [0.0, 1]),
    (.index(0), [[0.0, 2], [1, 5]], [1.0, 4]),
    (.index(2), [[1.0, 0], [4, 1]], [2.0, 5]),
    (.last, [[1.0, 0], [4, 1]], [2.0, 5]),
  ])
  func targetByNameIndexOrLast(
    target: TargetColumn, features: [[Double]], labels: [Double]
  ) throws {
    let data = try Dataset.parseCSV("a,label,b\n1,0,2\n4,1,5\n", target: target)
    #expect(data.features == features)
    #expect(data.labels == labels)
  }

  @Test func regressionTargetsKeepTheirValues() throws {
    let data = try Dataset.parseCSV("x,y\n1,-0.25\n2,1e3\n", target: .last)
    #expect(data.labels == [-0.25, 1000])
    #expect(data.classNames == nil)
  }

  @Test func classNamesInOrderOfFirstAppearance() throws {
    let data = try Dataset.parseCSV("x,c\n1,b\n2,a\n3,b\n4,c\n", target: .last)
    #expect(data.classNames == ["b", "a", "c"])
    #expect(data.labels == [0, 1, 0, 2])
    #expect(data.classCount == 3)
  }

  @Test func oneNameMakesEveryTargetAName() throws {
    let data = try Dataset.parseCSV("x,c\n1,1\n2,cat\n3,1\n", target: .last)
    #expect(data.classNames == ["1", "cat"])
    #expect(data.labels == [0, 1, 0])
  }

  // MARK: Syntax

  @Test func quotedFieldsWithSeparatorsQuotesAndLineBreaks() throws {
    let text = [
      #""x","name, with ""quotes""""#,
      #""1.5","a, ""b""""#,
      "2,plain",
      "3,\"two",
      "lines\"",
      "",
    ].joined(separator: "\n")
    let data = try Dataset.parseCSV(text, target: .name(#"name, with "quotes""#))
    #expect(data.features == [[1.5], [2], [3]])
    #expect(data.classNames == [#"a, "b""#, "plain", "two\nlines"])
  }

  @Test(arguments: ["\n", "\r\n", "\r"])
  func lineNumbersCountLinesInsideQuotes(ending: String) throws {
    let text = ["x,c", "1,\"two", "lines\"", "bad,z", ""].joined(separator: ending)
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV(text, target: .last)
    }
    #expect(error.line == 4 && error.column == 1 && error.value == "bad")
    let good = try Dataset.parseCSV(
      ["x,c", "1,\"two", "lines\""].joined(separator: ending), target: .last)
    #expect(good.classNames == ["two" + ending + "lines"])
  }

  @Test func columnsCountCharactersNotBytes() throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,c,y\n1,\"é ü\",bad\n", target: .index(1))
    }
    #expect(error.line == 2 && error.column == 9 && error.value == "bad")
  }

  @Test func errorsComeInFileOrder() throws {
    // An empty target on line 2 is found before a bad feature on line 3.
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,y\n1,\n?,1\n", target: .last)
    }
    #expect(error.line == 2 && error.column == 3)
  }

  @Test(arguments: ["\n", "\r\n", "\r"])
  func anyLineEnding(ending: String) throws {
    let text = ["x,y", "1,2", "3,4"].joined(separator: ending) + ending
    let data = try Dataset.parseCSV(text, target: .last)
    #expect(data.features == [[1], [3]])
    #expect(data.labels == [2, 4])
    let bad = ["x,y", "1,2", "q,4"].joined(separator: ending)
    let error = try #require(throws: CSVError.self) { try Dataset.parseCSV(bad, target: .last) }
    #expect(error.line == 3 && error.column == 1 && error.value == "q")
  }

  @Test func blankLinesAreSkippedButCounted() throws {
    let data = try Dataset.parseCSV("x,y\n\n1,2\n   \n3,4", target: .last)
    #expect(data.count == 2)
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,y\n\n1,2\n\n5,bad\n\n", target: .index(0))
    }
    #expect(error.line == 5 && error.column == 3 && error.value == "bad")
  }

  @Test func spacesAroundFieldsAreIgnored() throws {
    let data = try Dataset.parseCSV(" x , y \n 1 ,  2 \n \"3\" , b \n", target: .name("y"))
    #expect(data.features == [[1], [3]])
    #expect(data.classNames == ["2", "b"])
  }

  @Test(arguments: [";", "\t", " ", "|", "¦"] as [Character])
  func otherSeparators(separator: Character) throws {
    let text =
      ["x", "y", "c"].joined(separator: String(separator)) + "\n"
      + ["1.5", "2", "a,b"].joined(separator: String(separator)) + "\n"
    let data = try Dataset.parseCSV(text, target: .last, separator: separator)
    #expect(data.features == [[1.5, 2]])
    #expect(data.classNames == ["a,b"])
  }

  @Test func byteOrderMarkIsIgnored() throws {
    let data = try Dataset.parseCSV("\u{FEFF}x,y\n1,2\n", target: .name("x"))
    #expect(data.features == [[2]])
  }

  // MARK: Errors

  static let errorCases: [CSVErrorCase] = [
    CSVErrorCase(
      name: "non-numeric feature", text: "x,y,label\n1,2,0\n3,abc,1\n",
      line: 3, column: 3, value: "abc", reason: #"not a number (column 2, "y")"#),
    CSVErrorCase(
      name: "empty feature", text: "x,y,label\n1,,0\n",
      line: 2, column: 3, value: "", reason: #"an empty field, not a number (column 2, "y")"#),
    CSVErrorCase(
      name: "NaN feature", text: "x,y\n1,2\nnan,3\n",
      line: 3, column: 1, value: "nan", reason: #"not a finite number (column 1, "x")"#),
    CSVErrorCase(
      name: "inf feature", text: "x,y\n1,2\n4,inf\n", target: .index(0),
      line: 3, column: 3, value: "inf", reason: #"not a finite number (column 2, "y")"#),
    CSVErrorCase(
      name: "-inf feature", text: "1,2\n-inf,3\n",
      line: 2, column: 1, value: "-inf", reason: "not a finite number (column 1)"),
    CSVErrorCase(
      name: "1e400 feature", text: "a,b,c\n0,1e400,1\n",
      line: 2, column: 3, value: "1e400", reason: #"not a finite number (column 2, "b")"#),
    CSVErrorCase(
      name: "NaN target", text: "x,y\n1,NaN\n",
      line: 2, column: 3, value: "NaN", reason: #"not a finite number (column 2, "y")"#),
    CSVErrorCase(
      name: "1e400 target", text: "x,y\n1,2\n3,-1e400\n",
      line: 3, column: 3, value: "-1e400", reason: #"not a finite number (column 2, "y")"#),
    CSVErrorCase(
      name: "empty target", text: "x,y\n1,a\n2, \n",
      line: 3, column: 3, value: " ", reason: #"an empty target (column 2, "y")"#),
    CSVErrorCase(
      name: "row too long", text: "x,y\n1,2\n3,4,5\n",
      line: 3, column: 5, value: "5", reason: "3 fields where the header has 2"),
    CSVErrorCase(
      name: "row too short", text: "1,2,3\n4,5\n",
      line: 2, column: 0, value: "4,5", reason: "2 fields where the first row has 3"),
    CSVErrorCase(
      name: "empty file", text: "",
      line: 0, column: 0, value: "", reason: "the file is empty"),
    CSVErrorCase(
      name: "only blank lines", text: "\n  \r\n\n",
      line: 0, column: 0, value: "", reason: "the file is empty"),
    CSVErrorCase(
      name: "no data rows", text: "\nx,y\n",
      line: 0, column: 0, value: "", reason: "no data rows (only the header, on line 2)"),
    CSVErrorCase(
      name: "unknown target name", text: "x,y\n1,2\n", target: .name("label"),
      line: 1, column: 0, value: "label", reason: "no such column in the header (x, y)"),
    CSVErrorCase(
      name: "target name without a header", text: "x,y\n1,2\n", target: .name("y"),
      hasHeader: false,
      line: 1, column: 0, value: "y", reason: "no header row to find the target column in"),
    // Columns in messages count from 1; `.index` counts from 0 and says so.
    CSVErrorCase(
      name: "target index out of range", text: "x,y\n1,2\n", target: .index(2),
      line: 1, column: 0, value: "",
      reason: "the target is column 3 (counted from 1), but the first row has only 2 columns"),
    CSVErrorCase(
      name: "negative target index", text: "x,y\n1,2\n", target: .index(-1),
      line: 1, column: 0, value: "",
      reason: "target column .index(-1) is before the first column (.index counts from 0)"),
    CSVErrorCase(
      name: "target is the only column", text: "y\n1\n",
      line: 1, column: 0, value: "y", reason: "no feature columns: the target is the only column"),
    CSVErrorCase(
      name: "unclosed quote", text: "x,y\n1,\"2\n3,4\n",
      line: 2, column: 3, value: "\"2", reason: "a quoted field is not closed"),
    CSVErrorCase(
      name: "text after a closing quote", text: "x,y\n1,\"2\"z\n",
      line: 2, column: 6, value: "z", reason: "text after the closing quote of a field"),
  ]

  @Test(arguments: errorCases)
  func errorsNameLineColumnAndText(_ c: CSVErrorCase) throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV(c.text, file: "data.csv", target: c.target, hasHeader: c.hasHeader)
    }
    #expect(
      error
        == CSVError(
          file: "data.csv", line: c.line, column: c.column, value: c.value, reason: c.reason))
  }

  @Test func quotedFieldErrorPointsAtTheQuote() throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,y\n1,  \"a b\"\n", target: .index(0))
    }
    #expect(error.line == 2 && error.column == 5 && error.value == "a b")
  }

  @Test func descriptionReadsLikeACompilerDiagnostic() {
    let error = CSVError(file: "d.csv", line: 3, column: 7, value: "abc", reason: "not a number")
    #expect(error.description == #"d.csv:3:7: not a number: "abc""#)
    let whole = CSVError(file: "d.csv", line: 0, column: 0, value: "", reason: "cannot read file")
    #expect(whole.description == "d.csv: cannot read file")
    let row = CSVError(file: "d.csv", line: 2, column: 0, value: "4,5", reason: "short")
    #expect(row.description == #"d.csv:2: short: "4,5""#)
  }

  // MARK: Files

  @Test func loadsAFile() throws {
    let text =
      "sepal,petal,species\r\n5.1,1.4,setosa\r\n7.0,4.7,versicolor\r\n6.3,6.0,virginica\r\n"
    let data = try withTemporaryCSV(text) { try Dataset.loadCSV(from: $0, target: .last) }
    #expect(data.features == [[5.1, 1.4], [7.0, 4.7], [6.3, 6.0]])
    #expect(data.classNames == ["setosa", "versicolor", "virginica"])
    #expect(data.labels == [0, 1, 2])
  }

  @Test func fileErrorsNameThePath() throws {
    try withTemporaryCSV("x,y\n1,2\n3,oops\n") { path in
      let error = try #require(throws: CSVError.self) {
        try Dataset.loadCSV(from: path, target: .index(0))
      }
      #expect(
        error
          == CSVError(
            file: path, line: 3, column: 3, value: "oops",
            reason: #"not a number (column 2, "y")"#))
    }
  }

  // A missing file and a file that is not UTF-8 once both said "cannot read
  // file"; CSVFileErrorTests checks what each says now.
  @Test func missingFileSaysSo() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("backprop-missing-\(UUID().uuidString).csv").path
    #expect(
      throws: CSVError(
        file: path, line: 0, column: 0, value: "", reason: "no such file", kind: .fileNotFound)
    ) {
      try Dataset.loadCSV(from: path, target: .last)
    }
  }

  @Test func featuresFileWithAndWithoutHeader() throws {
    let named = try withTemporaryCSV("a,b\n1,2\n\"3\",4.5\n") { try Dataset.loadCSVFeatures(from: $0) }
    #expect(named.features == [[1, 2], [3, 4.5]])
    #expect(named.columnNames == ["a", "b"])
    let plain = try withTemporaryCSV("1,2\n3,4\n") { try Dataset.loadCSVFeatures(from: $0) }
    #expect(plain.features == [[1, 2], [3, 4]] && plain.columnNames == nil)
    try withTemporaryCSV("a,b\n1,2\n3,x\n") { path in
      let error = try #require(throws: CSVError.self) { try Dataset.loadCSVFeatures(from: path) }
      #expect(
        error
          == CSVError(
            file: path, line: 3, column: 3, value: "x", reason: #"not a number (column 2, "b")"#))
    }
  }
}
