import Backprop
import Foundation
import Testing

/// A CSV text with one feature and these targets, under the header `x,name`.
func targetCSV(_ targets: [String], name: String = "y") -> String {
  "x,\(name)\n" + targets.enumerated().map { "\($0.offset),\($0.element)\n" }.joined()
}

@Suite("CSV: classes or regression")
struct CSVTargetTypingTests {
  static let rule =
    "classes need whole numbers starting at 0 or 1, at most 50 distinct, "
    + "covering more than half of smallest…largest"

  // MARK: Classes

  @Test func labelsFromZeroAreClassIndicesAsTheyAre() throws {
    // Digits-style labels 0…9; the old behaviour, still.
    let labels = (0..<30).map { String($0 % 10) }
    let data = try Dataset.parseCSV(targetCSV(labels, name: "digit"), target: .last)
    #expect(data.labels == (0..<30).map { Double($0 % 10) })
    #expect(data.classNames == nil)
    #expect(data.classCount == 10)
    let typing = try #require(data.targetTyping)
    #expect(typing.kind == .classification && !typing.wasAsked && typing.column == "'digit'")
    #expect(
      typing.reason
        == "target 'digit': classes — 10 distinct whole numbers from 0 to 9, used as class indices 0…9")
  }

  @Test func binaryLabelsAreClasses() throws {
    // Breast-cancer style 0/1, written as 0.0 and 1.0 too.
    let data = try Dataset.parseCSV(targetCSV(["0", "1.0", "1", "0.0"]), target: .last)
    #expect(data.labels == [0, 1, 1, 0])
    #expect(data.targetTyping?.kind == .classification)
    #expect(data.classCount == 2)
  }

  @Test func labelsFromOneBecomeIndicesFromZeroNamedByTheirValues() throws {
    // Wine-style labels 1, 2, 3.
    let data = try Dataset.parseCSV(targetCSV(["1", "3", "2", "1", "3"], name: "cultivar"), target: .last)
    #expect(data.labels == [0, 2, 1, 0, 2])
    #expect(data.classNames == ["1", "2", "3"])
    #expect(data.classCount == 3)
    #expect(
      data.targetTyping?.reason
        == "target 'cultivar': classes — 3 distinct whole numbers from 1 to 3, read as class "
        + #"indices 0…2 (value − 1; class names "1", "2", "3")"#)
  }

  @Test func labelsWithAGapAreStillClasses() throws {
    // A subset that lacks class 2 of 0…3, and one that lacks 3 of 1…4.
    let zero = try Dataset.parseCSV(targetCSV(["0", "1", "3", "1"]), target: .last)
    #expect(zero.targetTyping?.kind == .classification)
    #expect(zero.labels == [0, 1, 3, 1] && zero.classCount == 4)
    let one = try Dataset.parseCSV(targetCSV(["1", "2", "4"]), target: .last)
    #expect(one.labels == [0, 1, 3])
    #expect(one.classNames == ["1", "2", "3", "4"])
  }

  @Test func namesAreClasses() throws {
    let data = try Dataset.parseCSV(
      targetCSV(["setosa", "versicolor", "setosa", "virginica"], name: "species"), target: .last)
    #expect(data.labels == [0, 1, 0, 2])
    #expect(data.classNames == ["setosa", "versicolor", "virginica"])
    #expect(
      data.targetTyping?.reason
        == "target 'species': classes — 3 names (setosa, versicolor, virginica)")
  }

  @Test func namesAfterNumbersMakeEveryTargetAName() throws {
    // The first targets are numbers; a later name makes all of them names,
    // in order of first appearance (the file is read a second time).
    let data = try Dataset.parseCSV(targetCSV(["2", "1", "2", "cat", "1.0"]), target: .last)
    #expect(data.classNames == ["2", "1", "cat", "1.0"])
    #expect(data.labels == [0, 1, 0, 2, 3])
    #expect(data.features == [[0], [1], [2], [3], [4]])
  }

  // MARK: Regression

  @Test func wholeNumberMeasurementsAreRegression() throws {
    // Diabetes-style progression 25…346: many distinct whole numbers.
    let values = (0..<214).map { 25 + ($0 * 321) / 213 }
    let data = try Dataset.parseCSV(
      targetCSV(values.map(String.init), name: "progression"), target: .last)
    #expect(data.labels == values.map(Double.init))
    #expect(data.classNames == nil)
    #expect(data.classCount == nil)
    #expect(data.targetTyping?.kind == .regression)
    #expect(
      data.targetTyping?.reason
        == "target 'progression': regression — 214 distinct whole numbers from 25 to 346; \(Self.rule)")
  }

  @Test func largeWholeNumbersAreRegression() throws {
    // House prices up to 55,320: before, 55,321 classes.
    let data = try Dataset.parseCSV(targetCSV(["12000", "55320", "0", "31000"]), target: .last)
    #expect(data.targetTyping?.kind == .regression)
    #expect(data.classCount == nil)
    #expect(data.labels == [12000, 55320, 0, 31000])
  }

  @Test func tooManyLabelsAreRegression() throws {
    let labels = (0..<51).map(String.init)
    let data = try Dataset.parseCSV(targetCSV(labels), target: .last)
    #expect(data.targetTyping?.kind == .regression)
    let fifty = try Dataset.parseCSV(targetCSV(Array(labels.prefix(50))), target: .last)
    #expect(fifty.targetTyping?.kind == .classification)
    #expect(fifty.classCount == 50)
  }

  @Test func fewValuesNotStartingAtZeroOrOneAreRegression() throws {
    // Wine-quality style 3…8.
    let data = try Dataset.parseCSV(targetCSV(["5", "6", "3", "8", "6"]), target: .last)
    #expect(data.targetTyping?.kind == .regression)
    #expect(data.labels == [5, 6, 3, 8, 6])
    #expect(
      data.targetTyping?.reason
        == "target 'y': regression — 4 distinct whole numbers from 3 to 8; \(Self.rule)")
  }

  @Test func sparseValuesFromOneAreRegression() throws {
    // 1 and 4 cover half of 1…4, not more.
    let data = try Dataset.parseCSV(targetCSV(["1", "4"]), target: .last)
    #expect(data.targetTyping?.kind == .regression)
    #expect(data.labels == [1, 4])
  }

  @Test func negativeNumbersAreRegression() throws {
    let data = try Dataset.parseCSV(targetCSV(["-1", "1", "-1", "0"]), target: .last)
    #expect(data.targetTyping?.kind == .regression)
    #expect(data.labels == [-1, 1, -1, 0])
    #expect(data.classCount == nil)
  }

  @Test func fractionsAreRegression() throws {
    let data = try Dataset.parseCSV(targetCSV(["0", "0.5", "1"]), target: .last)
    #expect(data.targetTyping?.kind == .regression)
    #expect(
      data.targetTyping?.reason
        == "target 'y': regression — 3 distinct numbers from 0 to 1, not all whole; \(Self.rule)")
  }

  @Test func headerlessColumnIsNamedByPosition() throws {
    let data = try Dataset.parseCSV("1,2.5\n2,3.5\n", target: .last)
    #expect(data.targetTyping?.column == "column 2")
    #expect(data.targetTyping?.reason.hasPrefix("target column 2: regression — ") == true)
  }

  // MARK: The override

  @Test func classificationCanBeAsked() throws {
    let data = try Dataset.parseCSV(
      targetCSV(["5", "3", "4", "5"]), target: .last, task: .classification)
    #expect(data.labels == [2, 0, 1, 2])
    #expect(data.classNames == ["3", "4", "5"])
    let typing = try #require(data.targetTyping)
    #expect(typing.kind == .classification && typing.wasAsked)
    #expect(
      typing.reason
        == "target 'y': classes (asked for) — 3 distinct whole numbers from 3 to 5, read as class "
        + #"indices 0…2 in increasing order (class names "3", "4", "5")"#)
    // Negative numbers and fractions too, in increasing order.
    let signed = try Dataset.parseCSV(
      targetCSV(["1", "-1", "0.5"]), target: .last, task: .classification)
    #expect(signed.labels == [2, 0, 1])
    #expect(signed.classNames == ["-1", "0.5", "1"])
    // Labels from 0 stay as they are.
    let labels = try Dataset.parseCSV(targetCSV(["1", "0"]), target: .last, task: .classification)
    #expect(labels.labels == [1, 0] && labels.classNames == nil && labels.targetTyping?.wasAsked == true)
  }

  @Test func regressionCanBeAsked() throws {
    let data = try Dataset.parseCSV(targetCSV(["1", "2", "3", "1"]), target: .last, task: .regression)
    #expect(data.labels == [1, 2, 3, 1])
    #expect(data.classNames == nil)
    #expect(data.classCount == nil)
    #expect(
      data.targetTyping?.reason
        == "target 'y': regression (asked for) — 3 distinct whole numbers from 1 to 3")
  }

  @Test func regressionOnNamesIsAnError() throws {
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV(
        targetCSV(["1", "2", "cat"]), file: "d.csv", target: .last, task: .regression)
    }
    #expect(
      error
        == CSVError(
          file: "d.csv", line: 4, column: 3, value: "cat",
          reason: #"not a number (column 2, "y"); a regression target must be a number"#))
    // As for other target errors, a bad feature on any line is found first.
    let later = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("x,y\n1,cat\nq,2\n", target: .last, task: .regression)
    }
    #expect(later.line == 3 && later.value == "q")
  }

  @Test func headerlessFirstClassNameWithRegressionIsAnError() throws {
    // Without a header, a first row whose target is a name is data when a
    // later target is a name too; asked for regression, that is an error.
    let error = try #require(throws: CSVError.self) {
      try Dataset.parseCSV("1,a\n2,b\n", target: .last, task: .regression)
    }
    #expect(error.line == 1 && error.column == 3 && error.value == "a")
  }

  // MARK: Kept by transforms

  @Test func typingIsKeptByRowsSplitsAndScaling() throws {
    let data = try Dataset.parseCSV(
      targetCSV((0..<10).map { String(100 + $0 * 7) }), target: .last)
    var rng = SeededGenerator(seed: 1)
    let (train, test) = try data.split(testFraction: 0.3, using: &rng)
    #expect(train.targetTyping == data.targetTyping && test.targetTyping == data.targetTyping)
    #expect(Standardizer(fitting: train)(train).targetTyping == data.targetTyping)
    #expect(train.classCount == nil)
    let plain = try Dataset(features: [[1], [2]], labels: [100, 107])
    #expect(plain.targetTyping == nil && plain.classCount == 108)
  }

  @Test func docCommentExamplesPrintWhatTheySay() throws {
    let labels = try Dataset.parseCSV("x,y\n1,0\n2,1\n3,2\n", target: .last)
    #expect(
      labels.targetTyping?.reason
        == "target 'y': classes — 3 distinct whole numbers from 0 to 2, used as class indices 0…2")
    let measured = try Dataset.parseCSV("x,y\n1,25\n2,346\n3,100\n", target: .last)
    #expect(measured.targetTyping?.kind == .regression && measured.classCount == nil)
  }
}
