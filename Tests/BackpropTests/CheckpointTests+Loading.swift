// What loading refuses: corrupted bytes, a failed checksum, JSON syntax errors, other versions,
// parts that do not fit, missing files; and applying a checkpoint to another architecture.

import Backprop
import Foundation
import Testing

// MARK: - Helpers

private func overwriteByte(at offset: Int, with byte: UInt8, in path: String) throws {
  let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
  defer { try? handle.close() }
  try handle.seek(toOffset: UInt64(offset))
  try handle.write(contentsOf: [byte])
}

/// A checkpoint file edit, with a word its error must mention.
struct CheckpointFileEdit: Sendable, CustomTestStringConvertible {
  let name: String
  let keyword: String
  let edit: @Sendable (inout [String: Any]) -> Void
  var testDescription: String { name }
}

extension CheckpointTests {
  // MARK: Refusing to load

  @Test(
    "a truncated file throws and the model is unchanged",
    arguments: [0.0, 0.001, 0.25, 0.5, 0.9, 0.999])
  func truncatedFileThrows(fraction: Double) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      try makeMLP(layerSizes: [4, 1], seed: 7).save(to: path, optimizer: nil)
      let full = try readBytes(path)
      var count = Int(Double(full.count) * fraction)
      if fraction > 0.99 { count = full.count - 1 }
      try writeBytes(full.prefix(count), path)

      let model = try makeMLP(layerSizes: [4, 1], seed: 8)
      let before = bits(model.parameterValues)
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: path).apply(to: model)
      }
      guard case .corrupted(let errorPath, let reason)? = error else {
        Issue.record("expected corrupted, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(!reason.isEmpty)
      #expect(throws: CheckpointError.self) { try MLP.load(from: path) }
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("any single corrupted byte is detected, and the model is unchanged")
  func everyCorruptedByteIsDetected() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let saved = try makeMLP(layerSizes: [2, 1], seed: 11)
      let scaling = try Standardizer(mean: [1, 2], standardDeviation: [3, 4])
      try saved.save(
        to: path, optimizer: adamState, metadata: ["loss": "mse", "b": "x y"], scaling: scaling)
      let original = try readBytes(path)
      let model = try makeMLP(layerSizes: [2, 1], seed: 12)
      let before = bits(model.parameterValues)
      var undetected: [Int] = []
      for offset in original.indices {
        // In place, which is much faster than rewriting the file.
        try overwriteByte(at: offset, with: UInt8(ascii: "#"), in: path)
        do {
          try Checkpoint.load(from: path).apply(to: model)
          undetected.append(offset)
        } catch is CheckpointError {
        }
        try overwriteByte(at: offset, with: original[offset], in: path)
      }
      #expect(try readBytes(path) == original)
      #expect(undetected.isEmpty, "corruption at byte offsets \(undetected) went unnoticed")
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("a changed digit in a parameter fails the checksum")
  func changedDigitFailsChecksum() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      try makeMLP(values: Array(repeating: 0.5, count: 13)).save(to: path)
      let text = String(decoding: try readBytes(path), as: UTF8.self)
      let damaged = try #require(text.range(of: "0.5,")).lowerBound
      var edited = text
      edited.replaceSubrange(damaged..<text.index(damaged, offsetBy: 3), with: "0.6")
      try writeText(edited, path)
      let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
      guard case .corrupted(let errorPath, let reason)? = error else {
        Issue.record("expected corrupted, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(reason.contains("checksum"))
    }
  }

  @Test("a JSON syntax error names its line and column")
  func syntaxErrorHasALocation() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let path = dir.path("bad.json")
    try writeText("{\n  \"formatVersion\": 1,\n  \"inputSize\": 2,,\n}", path)
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
    guard case .corrupted(let errorPath, let reason)? = error else {
      Issue.record("expected corrupted, got \(String(describing: error))")
      return
    }
    #expect(errorPath == path)
    #expect(reason.contains("line 3"), "\(reason)")
    #expect(error?.description.contains(path) == true)
  }

  @Test("a file of another format version throws unsupportedVersion", arguments: [0, 4, 99])
  func wrongVersionThrows(version: Int) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let model = try makeMLP()
      try model.save(to: path)
      let text = String(decoding: try readBytes(path), as: UTF8.self)
      let edited = text.replacingOccurrences(
        of: "\"formatVersion\" : 2", with: "\"formatVersion\" : \(version)")
      #expect(edited != text)
      try writeText(edited, path)
      let before = bits(model.parameterValues)
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: path).apply(to: model)
      }
      #expect(error == .unsupportedVersion(path: path, found: version))
      #expect(bits(model.parameterValues) == before)
      #expect(error?.description.contains("version \(version)") == true)
    }
  }

  private static let edits: [CheckpointFileEdit] = [
    CheckpointFileEdit(name: "one parameter missing", keyword: "parameters") {
      $0["parameters"] = ($0["parameters"] as? [Any] ?? []).dropLast() as [Any]
    },
    CheckpointFileEdit(name: "one parameter too many", keyword: "parameters") {
      $0["parameters"] = ($0["parameters"] as? [Any] ?? []) + [1.5]
    },
    CheckpointFileEdit(name: "no parameters key", keyword: "parameters") {
      $0["parameters"] = nil
    },
    CheckpointFileEdit(name: "a parameter that is a string", keyword: "parameters") {
      var ps = $0["parameters"] as? [Any] ?? []
      ps[2] = "0.5"
      $0["parameters"] = ps
    },
    CheckpointFileEdit(name: "a layer of size 0", keyword: "layer") {
      $0["layerSizes"] = [0, 1]
    },
    CheckpointFileEdit(name: "a negative input size", keyword: "input size") {
      $0["inputSize"] = -2
    },
    CheckpointFileEdit(name: "an activation too few", keyword: "activations") {
      $0["activations"] = [["tanh": [String: Any]()]]
    },
    CheckpointFileEdit(name: "an unknown activation", keyword: "activations") {
      $0["activations"] = [["mish": [String: Any]()], ["linear": [String: Any]()]]
    },
    CheckpointFileEdit(name: "no formatVersion", keyword: "formatVersion") {
      $0["formatVersion"] = nil
    },
    CheckpointFileEdit(name: "a formatVersion that is a string", keyword: "formatVersion") {
      $0["formatVersion"] = "1"
    },
    CheckpointFileEdit(name: "an optimizer buffer of the wrong length", keyword: "buffer") {
      var optimizer = $0["optimizer"] as? [String: Any] ?? [:]
      var buffers = optimizer["buffers"] as? [String: Any] ?? [:]
      buffers["m"] = [1.0, 2.0]
      optimizer["buffers"] = buffers
      $0["optimizer"] = optimizer
    },
    CheckpointFileEdit(name: "a misspelt key", keyword: "unknown key") {
      $0["paramaters"] = $0["parameters"]
    },
    CheckpointFileEdit(name: "an unknown checksum algorithm", keyword: "checksum") {
      $0["checksum"] = "md5:0123"
    },
    CheckpointFileEdit(name: "a scaling of the wrong width", keyword: "scaling") {
      $0["standardization"] = ["mean": [0.0], "standardDeviation": [1.0]]
    },
    CheckpointFileEdit(
      name: "a scaling standard deviation of 0", keyword: "scaling's standard deviation 1"
    ) {
      $0["standardization"] = ["mean": [0.0, 1.0], "standardDeviation": [1.0, 0.0]]
    },
    CheckpointFileEdit(
      name: "a negative scaling standard deviation", keyword: "scaling's standard deviation 0"
    ) {
      $0["standardization"] = ["mean": [0.0, 1.0], "standardDeviation": [-2.0, 1.0]]
    },
    CheckpointFileEdit(name: "a scaling with a standard deviation too few", keyword: "scaling") {
      $0["standardization"] = ["mean": [0.0, 1.0], "standardDeviation": [1.0]]
    },
    CheckpointFileEdit(name: "an empty scaling", keyword: "scaling") {
      $0["standardization"] = ["mean": [Double](), "standardDeviation": [Double]()]
    },
    CheckpointFileEdit(
      name: "a scaling without standard deviations", keyword: "standardDeviation"
    ) {
      $0["standardization"] = ["mean": [0.0, 1.0]]
    },
  ]

  @Test("a file whose parts do not fit together throws corrupted", arguments: edits)
  func inconsistentFileThrows(edit: CheckpointFileEdit) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let model = try makeMLP(layerSizes: [2, 1])
      try model.save(to: path, optimizer: adamState)
      var object = try #require(
        try JSONSerialization.jsonObject(with: try readBytes(path)) as? [String: Any])
      edit.edit(&object)
      try writeBytes(try JSONSerialization.data(withJSONObject: object), path)

      let before = bits(model.parameterValues)
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: path).apply(to: model)
      }
      guard case .corrupted(let errorPath, let reason)? = error else {
        Issue.record("expected corrupted, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(reason.contains(edit.keyword), "\(reason)")
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("a number too large for a Double is refused")
  func hugeNumberIsRefused() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let path = dir.path("huge.json")
    try writeText(
      """
      {"formatVersion": 1, "inputSize": 2, "layerSizes": [1],
       "activations": [{"linear": {}}], "parameters": [0.5, 1e400, 1]}
      """, path)
    #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
  }

  @Test("missing files, directories, empty files and non-objects are reported")
  func unreadableFiles() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let missing = dir.path("missing.json")
    #expect(throws: CheckpointError.unreadable(path: missing, reason: "no such file")) {
      try Checkpoint.load(from: missing)
    }
    let error = #expect(throws: CheckpointError.self) { try MLP.load(from: dir.url.path) }
    guard case .unreadable(let path, _)? = error else {
      Issue.record("expected unreadable, got \(String(describing: error))")
      return
    }
    #expect(path == dir.url.path)

    let empty = dir.path("empty.json")
    try writeBytes(Data(), empty)
    #expect(throws: CheckpointError.corrupted(path: empty, reason: "the file is empty")) {
      try Checkpoint.load(from: empty)
    }
    let array = dir.path("array.json")
    try writeText("[1, 2, 3]", array)
    #expect(throws: CheckpointError.self) { try Checkpoint.load(from: array) }
  }

  // MARK: Applying to another architecture

  @Test("apply refuses a model of another architecture and leaves it untouched")
  func applyRefusesAnotherArchitecture() throws {
    try Tape.scope {
      let source = try makeMLP(
        inputSize: 2, layerSizes: [3, 1], activations: [.leakyReLU(slope: 0.1), .linear])
      let checkpoint = try Checkpoint(model: source)
      let leaky = Activation.leakyReLU(slope: 0.1)
      let others = [
        try makeMLP(inputSize: 3, layerSizes: [3, 1], activations: [leaky, .linear]),
        try makeMLP(inputSize: 2, layerSizes: [4, 1], activations: [leaky, .linear]),
        try makeMLP(inputSize: 2, layerSizes: [3, 1, 1], activations: [leaky, .linear, .linear]),
        try makeMLP(inputSize: 2, layerSizes: [3, 1], activations: [.relu, .linear]),
        try makeMLP(
          inputSize: 2, layerSizes: [3, 1], activations: [.leakyReLU(slope: 0.2), .linear]),
        try makeMLP(inputSize: 2, layerSizes: [3, 1], activations: [leaky, .sigmoid]),
      ]
      for other in others {
        let before = bits(other.parameterValues)
        let error = #expect(throws: CheckpointError.self) { try checkpoint.apply(to: other) }
        guard case .architectureMismatch(let reason)? = error else {
          Issue.record("expected architectureMismatch, got \(String(describing: error))")
          continue
        }
        #expect(!reason.isEmpty)
        #expect(bits(other.parameterValues) == before)
      }
      let same = try makeMLP(
        inputSize: 2, layerSizes: [3, 1], activations: [.leakyReLU(slope: 0.1), .linear],
        seed: 99)
      try checkpoint.apply(to: same)
      #expect(bits(same.parameterValues) == bits(source.parameterValues))
    }
  }
}
