// CSV loaders with a declared image shape: the same data set when the columns
// fit, an error naming the file, line, counts and shape when they do not.

import Backprop
import Testing

@Suite("CSV: rows as images of a declared shape")
struct CSVImageShapeTests {
  static let square = Shape(channels: 1, height: 2, width: 2)

  @Test func fittingColumnsReadAsWithoutAShape() throws {
    let text = "a,b,c,d,label\n0,1,2,3,0\n3,2,1,0,1\n"
    let plain = try Dataset.parseCSV(text, target: .last)
    let shaped = try Dataset.parseCSV(text, target: .last, imageShape: Self.square)
    #expect(shaped == plain)
    #expect(shaped.featureCount == 4)
    let first = try Dataset.parseCSV(
      "9,0,1,2,3\n8,3,2,1,0\n", target: .index(0), imageShape: Self.square)
    #expect(first.features == [[0, 1, 2, 3], [3, 2, 1, 0]])
    #expect(first.labels == [9, 8])
  }

  @Test func tooFewColumnsWithAHeader() throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV(
        "a,b,label\n0,1,0\n", file: "small.csv", target: .last, imageShape: Self.square)
    }
    #expect(error.file == "small.csv")
    #expect(error.line == 1)
    #expect(error.column == 0)
    #expect(error.kind == .content)
    #expect(
      error.description
        == "small.csv:1: 2 feature columns (3 columns less the target), "
        + "but an image of shape 1×2×2 needs 1·2·2 = 4")
  }

  @Test func tooManyColumnsWithoutAHeaderAfterBlankLines() throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV(
        "\n\n0,1,2,3,4,0\n", target: .name("x"), imageShape: Self.square, hasHeader: true)
    }
    // .name needs the column first: that error comes before the shape's.
    #expect(error.reason.hasPrefix("no such column"))
    let shapeError = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("\n\n0,1,2,3,4,0\n", target: .last, imageShape: Self.square)
    }
    #expect(shapeError.line == 3)
    #expect(
      shapeError.reason
        == "5 feature columns (6 columns less the target), "
        + "but an image of shape 1×2×2 needs 1·2·2 = 4")
  }

  @Test func checkedBeforeAnyDataRow() throws {
    // Line 2 is not a number, but the shape is wrong on line 1 already.
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("1,2,0\nabc,2,1\n", target: .last, imageShape: Self.square)
    }
    #expect(error.line == 1)
    #expect(error.reason.contains("an image of shape 1×2×2"))
    // Without a shape the file's own error is as before.
    let plain = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("1,2,0\nabc,2,1\n", target: .last)
    }
    #expect(plain.line == 2)
    #expect(plain.value == "abc")
  }

  @Test func theFilesOwnErrorsComeFirst() throws {
    let empty = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("", target: .last, imageShape: Self.square)
    }
    #expect(empty.reason == "the file is empty")
    let onlyTarget = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("label\n0\n", target: .last, imageShape: Self.square)
    }
    #expect(onlyTarget.reason == "no feature columns: the target is the only column")
    let ragged = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("0,1,2,3,0\n0,1,2,0\n", target: .last, imageShape: Self.square)
    }
    #expect(ragged.line == 2)
    #expect(ragged.reason == "4 fields where the first row has 5")
  }

  @Test func fileLoaderNamesThePath() throws {
    try withTemporaryCSV("p0,p1,p2,p3,digit\n0,1,2,3,0\n4,5,6,7,1\n") { path in
      let data = try Dataset.loadCSV(from: path, target: .last, imageShape: Self.square)
      #expect(data.features == [[0, 1, 2, 3], [4, 5, 6, 7]])
      let wrong = Shape(channels: 1, height: 8, width: 8)
      let error = try #require(throws: CSVError.self) {
        try Dataset.loadCSV(from: path, target: .last, imageShape: wrong)
      }
      #expect(
        error.description
          == "\(path):1: 4 feature columns (5 columns less the target), "
          + "but an image of shape 1×8×8 needs 1·8·8 = 64")
    }
  }

  @Test func featureFilesCountEveryColumn() throws {
    try withTemporaryCSV("a,b,c,d\n0,1,2,3\n") { path in
      let (rows, names) = try Dataset.loadCSVFeatures(from: path, imageShape: Self.square)
      #expect(rows == [[0, 1, 2, 3]])
      #expect(names == ["a", "b", "c", "d"])
      let error = try #require(throws: CSVError.self) {
        try Dataset.loadCSVFeatures(from: path, imageShape: Shape(channels: 3, height: 1, width: 1))
      }
      #expect(error.line == 1)
      #expect(error.reason == "4 feature columns, but an image of shape 3×1×1 needs 3·1·1 = 3")
    }
    try withTemporaryCSV("5\n") { path in
      let error = try #require(throws: CSVError.self) {
        try Dataset.loadCSVFeatures(from: path, imageShape: Self.square)
      }
      #expect(error.reason == "1 feature column, but an image of shape 1×2×2 needs 1·2·2 = 4")
    }
  }

  @Test func digitsWrittenAsCSVReadBackAsImages() throws {
    let digits = Dataset.digits()
    var text = (0..<64).map { "p\($0)" }.joined(separator: ",") + ",digit\n"
    for (row, label) in zip(digits.features, digits.labels) {
      text += row.map { String(Int($0)) }.joined(separator: ",") + ",\(Int(label))\n"
    }
    let read = try Dataset.parseCSV(text, target: .last, imageShape: Dataset.digitsImageShape)
    #expect(read.features == digits.features)
    #expect(read.labels == digits.labels)
    #expect(read.classCount == 10)
  }
}
