import Backprop
import Foundation
import Testing

// Checkpoint.readInputs(fromCSV:): the rows a saved model is applied to,
// matched by name or by position, with every mismatch named.

private func csvFile(_ text: String) throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "backprop-inputs-\(UUID().uuidString).csv"
  ).path
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  return path
}

/// Three inputs a, b, c; classes x, y, z in column species.
private func named(featureNames: [String]? = ["a", "b", "c"]) throws -> Checkpoint {
  try Checkpoint(
    inputSize: 3, layerSizes: [3], activations: [.linear],
    parameters: Array(repeating: 0.5, count: 12), featureNames: featureNames,
    classNames: featureNames == nil ? nil : ["x", "y", "z"],
    targetName: featureNames == nil ? nil : "species")
}

private let data = """
  a,b,c,species
  1,2,3,x
  4,5,6,z
  7,8,9,y
  """

@Suite("Prediction inputs matched to a checkpoint")
struct PredictionInputsTests {
  @Test("columns in any order are matched by name; targets become class indices")
  func byName() throws {
    let path = try csvFile("species,c,a,b\nx,3,1,2\nz,6,4,5\ny,9,7,8\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inputs = try named().readInputs(fromCSV: path, target: .name("species"))
    #expect(inputs.features == [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    #expect(inputs.targets == [[0], [2], [1]])
    #expect(inputs.lines == [2, 3, 4])
    #expect(inputs.matchedByName)
    #expect(inputs.targetColumn == "species")
  }

  @Test("features only, by name, without a target")
  func featuresOnly() throws {
    let path = try csvFile("b,a,c\n2,1,3\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inputs = try named().readInputs(fromCSV: path)
    #expect(inputs.features == [[1, 2, 3]])
    #expect(inputs.targets == nil)
  }

  @Test("a missing column is named")
  func missingColumn() throws {
    let path = try csvFile("a,c,species\n1,3,x\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = PredictionInputError.missingColumn(file: path, name: "b", featureNames: ["a", "b", "c"])
    #expect(throws: error) { try named().readInputs(fromCSV: path, target: .name("species")) }
    #expect(error.description == "\(path):1: column 'b' is missing; the model takes a, b, c (in any order)")
  }

  @Test("a column not in the training data is named with its position")
  func unknownColumn() throws {
    let path = try csvFile("id,a,b,c\n7,1,2,3\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = PredictionInputError.unknownColumn(
      file: path, name: "id", column: 1, featureNames: ["a", "b", "c"])
    #expect(throws: error) { try named().readInputs(fromCSV: path) }
    #expect(error.description.hasPrefix("\(path):1: column 'id' (column 1) was not in the training data; remove it"))
  }

  @Test("a column named twice is refused")
  func duplicateColumn() throws {
    let path = try csvFile("a,b,c,a\n1,2,3,1\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(throws: PredictionInputError.duplicateColumn(file: path, name: "a", columns: [1, 4])) {
      try named().readInputs(fromCSV: path)
    }
  }

  @Test("an unseen class is named by its text and line, with the known classes")
  func unseenClass() throws {
    let path = try csvFile("a,b,c,species\n1,2,3,x\n4,5,6,\"z \"\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = PredictionInputError.unseenClass(
      file: path, line: 3, column: 7, text: "z ", known: ["x", "y", "z"])
    #expect(throws: error) { try named().readInputs(fromCSV: path, target: .name("species")) }
    #expect(
      error.description
        == "\(path):3:7: class 'z ' in line 3 was not seen in training; known: x, y, z")
  }

  @Test("the target column present but not asked for is pointed out")
  func unrequestedTarget() throws {
    let path = try csvFile(data)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let error = PredictionInputError.unrequestedTarget(file: path, name: "species", column: 4)
    #expect(throws: error) { try named().readInputs(fromCSV: path) }
    #expect(error.description.contains("the file has column 'species' (column 4), which the model predicts"))
  }

  @Test("without feature names (a version 1 checkpoint), columns are taken by position")
  func byPosition() throws {
    let path = try csvFile(data)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let checkpoint = try named(featureNames: nil)
    let inputs = try checkpoint.readInputs(
      fromCSV: path, target: .last, classNames: ["x", "y", "z"])
    #expect(inputs.features == [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    #expect(inputs.targets == [[0], [2], [1]])
    #expect(!inputs.matchedByName)
    let error = PredictionInputError.columnCount(file: path, found: 4, expected: 3)
    #expect(throws: error) { try checkpoint.readInputs(fromCSV: path) }
    #expect(
      error.description
        == "\(path): the rows have 4 columns but the model takes 3 inputs; if one of them is "
        + "the target, name it as the target column to score it, or remove it")
  }

  @Test("a file without a header is taken by position even with names")
  func noHeader() throws {
    let path = try csvFile("1,2,3,y\n4,5,6,x\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inputs = try named().readInputs(fromCSV: path, target: .index(3))
    #expect(inputs.features == [[1, 2, 3], [4, 5, 6]])
    #expect(inputs.targets == [[1], [0]])
    #expect(inputs.lines == [1, 2])
    #expect(inputs.targetColumn == "column 4")
  }

  @Test("a bad number is reported with file, line, column and name")
  func badNumber() throws {
    let path = try csvFile("c,b,a\n3,oops,1\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(
      throws: CSVError(
        file: path, line: 2, column: 3, value: "oops", reason: "not a number (column 2, \"b\")")
    ) { try named().readInputs(fromCSV: path) }
  }

  @Test("numeric targets of a regression, and a class name where numbers belong")
  func numericTargets() throws {
    let path = try csvFile("a,b,c,y\n1,2,3,0.5\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let checkpoint = try named(featureNames: nil)
    #expect(try checkpoint.readInputs(fromCSV: path, target: .name("y")).targets == [[0.5]])
    let names = try csvFile("a,b,c,y\n1,2,3,big\n")
    defer { try? FileManager.default.removeItem(atPath: names) }
    #expect(
      throws: CSVError(
        file: names, line: 2, column: 7, value: "big",
        reason: "a class name where the model was trained on numbers (column 4, \"y\")")
    ) { try checkpoint.readInputs(fromCSV: names, target: .name("y")) }
  }
}

@Suite("Column names of a training file")
struct CSVColumnNamesTests {
  @Test("the header's names without the target, in the loader's feature order")
  func namesFromHeader() throws {
    let path = try csvFile("a,species,b\n1,x,2\n3,y,4\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let data = try Dataset.loadCSV(from: path, target: .index(1))
    let names = try Checkpoint.columnNames(ofCSV: path, target: .index(1), dataRows: data.count)
    #expect(names?.featureNames == ["a", "b"])
    #expect(names?.targetName == "species")
    #expect(data.features == [[1, 2], [3, 4]])
  }

  @Test("no header, or names that cannot be stored, give nil")
  func noNames() throws {
    let plain = try csvFile("1,2,0\n3,4,1\n")
    defer { try? FileManager.default.removeItem(atPath: plain) }
    let data = try Dataset.loadCSV(from: plain, target: .last)
    #expect(try Checkpoint.columnNames(ofCSV: plain, target: .last, dataRows: data.count) == nil)
    let repeated = try csvFile("a,a,y\n1,2,0\n")
    defer { try? FileManager.default.removeItem(atPath: repeated) }
    #expect(try Checkpoint.columnNames(ofCSV: repeated, target: .last, dataRows: 1) == nil)
  }

  @Test("names saved from a training file let predict match columns in another order")
  func endToEnd() throws {
    let trainPath = try csvFile("a,b,species\n1,2,x\n3,4,y\n5,6,x\n")
    let otherPath = try csvFile("species,b,a\nx,2,1\ny,4,3\n")
    let modelPath = trainPath + ".json"
    defer {
      for p in [trainPath, otherPath, modelPath] { try? FileManager.default.removeItem(atPath: p) }
    }
    let data = try Dataset.loadCSV(from: trainPath, target: .last)
    let names = try #require(
      try Checkpoint.columnNames(ofCSV: trainPath, target: .last, dataRows: data.count))
    try Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 1)
      try model.save(
        to: modelPath, featureNames: names.featureNames, classNames: data.classNames,
        targetName: names.targetName)
    }
    let checkpoint = try Checkpoint.load(from: modelPath)
    let inputs = try checkpoint.readInputs(fromCSV: otherPath, target: .name("species"))
    #expect(inputs.features == [[1, 2], [3, 4]])
    #expect(inputs.targets == [[0], [1]])
  }
}

@Suite("The CSV reader of prediction inputs")
struct PredictionInputsReaderTests {
  @Test("quotes, CRLF and CR line ends, blank lines, a byte-order mark: lines stay right")
  func layout() throws {
    let text = "\u{FEFF}a,b,c,species\r\n\r\n1,2,3,\"x\"\r\n\"4\",5 , 6,\"line\nbreak\"\r7,8,9,y\n"
    let path = try csvFile(text)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let checkpoint = try named()
    let error = #expect(throws: PredictionInputError.self) {
      try checkpoint.readInputs(fromCSV: path, target: .name("species"))
    }
    #expect(
      error == .unseenClass(file: path, line: 4, column: 11, text: "line\nbreak", known: ["x", "y", "z"]))
    let fixed = try csvFile(text.replacingOccurrences(of: "\"line\nbreak\"", with: "\"z\""))
    defer { try? FileManager.default.removeItem(atPath: fixed) }
    let inputs = try checkpoint.readInputs(fromCSV: fixed, target: .name("species"))
    #expect(inputs.features == [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    #expect(inputs.targets == [[0], [2], [1]])
    #expect(inputs.lines == [3, 4, 5])
  }

  @Test("a ragged row and an unclosed quote are reported where they are")
  func brokenRows() throws {
    let ragged = try csvFile("a,b,c\n1,2,3\n4,5,6,7\n")
    defer { try? FileManager.default.removeItem(atPath: ragged) }
    #expect(
      throws: CSVError(
        file: ragged, line: 3, column: 7, value: "7", reason: "4 fields where the header has 3")
    ) { try named().readInputs(fromCSV: ragged) }
    let unclosed = try csvFile("a,b,c\n1,\"2,3\n")
    defer { try? FileManager.default.removeItem(atPath: unclosed) }
    // The data set loader's message: prediction reads with the same scanner.
    do {
      _ = try named().readInputs(fromCSV: unclosed)
      Issue.record("an unclosed quote was read")
    } catch let error as CSVError {
      #expect(error.line == 2 && error.column == 3)
      #expect(error.reason.hasPrefix("a quoted field is not closed"))
    }
  }
}
