import Backprop
import Foundation
import Testing

// Format version 2: feature, class and target names; version 1 files still
// load.

private func scratchFile(_ name: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent(
    "backprop-names-\(UUID().uuidString)-\(name)"
  ).path
}

private func write(_ text: String, _ path: String) throws {
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// A version 1 file as Backprop 1 wrote it, checksum included: y = 0.5·x₀ −
/// 0.25·x₁ + 1.
private let versionOneFile = """
  {
    "activations" : [
      {
        "linear" : {

        }
      }
    ],
    "checksum" : "fnv1a64:14ca27c3cc64ac5e",
    "formatVersion" : 1,
    "inputSize" : 2,
    "layerSizes" : [
      1
    ],
    "metadata" : {
      "loss" : "mse",
      "target" : "last"
    },
    "parameters" : [
      0.5,
      -0.25,
      1
    ]
  }
  """

private func makeNamed(
  featureNames: [String]? = ["petal_length", "petal_width"],
  classNames: [String]? = ["setosa", "versicolor", "virginica"],
  targetName: String? = "species", outputs: Int = 3
) throws -> Checkpoint {
  try Checkpoint(
    inputSize: 2, layerSizes: [outputs], activations: [.linear],
    parameters: (0..<(3 * outputs)).map { Double($0) / 4 }, featureNames: featureNames,
    classNames: classNames, targetName: targetName)
}

@Suite("Checkpoint names (format version 2)")
struct CheckpointNamesTests {
  @Test("names round-trip through a file, which says version 2")
  func namesRoundTrip() throws {
    let path = scratchFile("model.json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let checkpoint = try makeNamed()
    try checkpoint.save(to: path)
    let loaded = try Checkpoint.load(from: path)
    #expect(loaded == checkpoint)
    #expect(loaded.formatVersion == 2)
    #expect(loaded.featureNames == ["petal_length", "petal_width"])
    #expect(loaded.classNames == ["setosa", "versicolor", "virginica"])
    #expect(loaded.targetName == "species")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("\"formatVersion\" : 2"))
    #expect(text.contains("\"targetName\" : \"species\""))
  }

  @Test("MLP.save passes the names through")
  func mlpSavePassesNames() throws {
    let path = scratchFile("mlp.json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear)
      try model.save(to: path, featureNames: ["x", "y"], classNames: ["no", "yes"], targetName: "z")
      let loaded = try Checkpoint.load(from: path)
      #expect(loaded.featureNames == ["x", "y"])
      #expect(loaded.classNames == ["no", "yes"])  // one output, two classes
      #expect(loaded.targetName == "z")
    }
  }

  @Test("a version 1 file still loads, by its checksum, and saves as version 1")
  func versionOneLoads() throws {
    let path = scratchFile("v1.json")
    let copy = scratchFile("v1-copy.json")
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: copy)
    }
    try write(versionOneFile, path)
    let checkpoint = try Checkpoint.load(from: path)
    #expect(checkpoint.formatVersion == 1)
    #expect(checkpoint.parameters == [0.5, -0.25, 1])
    #expect(checkpoint.featureNames == nil)
    #expect(checkpoint.classNames == nil)
    #expect(checkpoint.targetName == nil)
    #expect(checkpoint.metadata["target"] == "last")
    let prediction = try Tape.scope { try checkpoint.makeModel().predict([2, 4]) }
    #expect(prediction == [1])
    try checkpoint.save(to: copy)
    let text = try String(contentsOfFile: copy, encoding: .utf8)
    #expect(text.contains("\"formatVersion\" : 1"))
    #expect(text.contains("fnv1a64:14ca27c3cc64ac5e"))
    #expect(try Checkpoint.load(from: copy) == checkpoint)
  }

  @Test("a version 1 file with a damaged parameter fails its checksum")
  func versionOneChecksumStillChecked() throws {
    let path = scratchFile("v1-bad.json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try write(versionOneFile.replacingOccurrences(of: "-0.25", with: "-0.35"), path)
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
    guard case .corrupted(_, let reason)? = error else {
      Issue.record("expected corrupted, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("checksum"))
  }

  @Test("names in a file that says version 1 are refused")
  func namesNeedVersionTwo() throws {
    let path = scratchFile("v1-names.json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try write(
      versionOneFile.replacingOccurrences(
        of: "\"formatVersion\" : 1,", with: "\"formatVersion\" : 1, \"targetName\" : \"y\","),
      path)
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
    guard case .corrupted(_, let reason)? = error else {
      Issue.record("expected corrupted, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("\"targetName\" needs format version 2"))
  }

  @Test("an edited name fails the checksum")
  func checksumCoversNames() throws {
    let path = scratchFile("edited.json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try makeNamed().save(to: path)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    try write(text.replacingOccurrences(of: "\"petal_width\"", with: "\"sepal_width\""), path)
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
    guard case .corrupted(_, let reason)? = error else {
      Issue.record("expected corrupted, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("checksum"))
  }

  @Test(
    "names that do not fit are refused",
    arguments: [
      (["a"], nil, nil, 3, "there are 1 feature names but the model takes 2 inputs"),
      (["a", "a"], nil, nil, 3, "feature names 1 and 2 are both 'a'; names must differ"),
      (["a", ""], nil, nil, 3, "feature name 2 is empty"),
      (nil, ["p", "q"], nil, 3, "there are 2 class names but the model has 3 outputs (a classifier has one output per class, or one output and two classes)"),
      (nil, ["p", "q", "p"], nil, 3, "class names 1 and 3 are both 'p'; names must differ"),
      (nil, ["p", "q", "r"], nil, 1, "there are 3 class names but the model has 1 output (a classifier has one output per class, or one output and two classes)"),
      (["a", "b"], nil, "b", 3, "the target name 'b' is also feature name 2"),
      (nil, nil, "", 3, "the target name is empty"),
    ] as [([String]?, [String]?, String?, Int, String)])
  func invalidNames(
    features: [String]?, classes: [String]?, target: String?, outputs: Int, reason: String
  ) {
    #expect(throws: CheckpointError.invalidContents(reason: reason)) {
      try makeNamed(featureNames: features, classNames: classes, targetName: target, outputs: outputs)
    }
  }
}
