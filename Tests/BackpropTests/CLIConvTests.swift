// `backprop train --image` and `predict` run as a user would (the debug build
// of `backprop` next to this test's runner): a conv net on 4×4 bars, its mistakes.

import Foundation
import Testing

@testable import Backprop

/// Runs `backprop` with `arguments`; its exit status and output (through
/// files, so that a full pipe cannot block it).
private func backprop(_ arguments: [String], in folder: URL) throws -> (
  status: Int32, stdout: String, stderr: String
) {
  let binary = try #require(backpropBinary, "build the backprop product first (swift build --build-tests)")
  let out = folder.appendingPathComponent("stdout-\(UUID().uuidString)")
  let err = folder.appendingPathComponent("stderr-\(UUID().uuidString)")
  _ = FileManager.default.createFile(atPath: out.path, contents: nil)
  _ = FileManager.default.createFile(atPath: err.path, contents: nil)
  let outHandle = try FileHandle(forWritingTo: out)
  let errHandle = try FileHandle(forWritingTo: err)
  let process = Process()
  process.executableURL = binary
  process.arguments = arguments
  process.standardOutput = outHandle
  process.standardError = errHandle
  try process.run()
  process.waitUntilExit()
  try outHandle.close()
  try errHandle.close()
  return (
    process.terminationStatus, try String(contentsOf: out, encoding: .utf8),
    try String(contentsOf: err, encoding: .utf8)
  )
}

/// A new scratch folder holding `bars.csv`: 80 4×4 images, a bar across
/// (class `across`) or down (`down`) in a random row or column, with noise.
private func barsFolder() throws -> URL {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("backprop-cli-conv-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  var rng = SeededGenerator(seed: 11)
  var text = (0..<16).map { "p\($0)" }.joined(separator: ",") + ",bar\n"
  for n in 0..<80 {
    let across = n % 2 == 0
    let line = Int(rng.next() % 4)
    var pixels: [String] = []
    for y in 0..<4 {
      for x in 0..<4 {
        let on = (across ? y : x) == line ? 1.0 : 0.0
        pixels.append(String(format: "%.3f", on + rng.nextUniform(in: -0.1, 0.1)))
      }
    }
    text += pixels.joined(separator: ",") + (across ? ",across\n" : ",down\n")
  }
  try text.write(to: folder.appendingPathComponent("bars.csv"), atomically: true, encoding: .utf8)
  return folder
}

@Suite("backprop train --image", .serialized)
struct CLIConvTests {
  @Test("a conv net trains past 90%, and predict gives the saved Sequential's classes")
  func trainsAndPredicts() throws {
    let folder = try barsFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = folder.appendingPathComponent("bars.csv").path
    let model = folder.appendingPathComponent("net.json").path
    let trained = try backprop(
      [
        "train", "--data", data, "--target", "bar", "--image", "1x4x4", "--layers",
        "conv4x3,pool2,8", "--epochs", "40", "--seed", "1", "--save", model,
      ], in: folder)
    #expect(trained.status == 0, "\(trained.stderr)")
    let final = try #require(trained.stdout.split(separator: "\n").first { $0.hasPrefix("final") })
    let percent = try #require(final.split(separator: " ").last.flatMap { Double($0.dropLast()) })
    #expect(percent > 90, "\(final)")

    let checkpoint = try Checkpoint.load(from: model)
    let net = try checkpoint.makeSequential()
    #expect(
      net.layers.compactMap(\.architecture) == [
        .conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, stride: 1, padding: 0),
        .activation(.relu), .maxPool2D(size: 2, stride: 2), .flatten,
        .dense(inputs: 4, outputs: 8, activation: .relu),
        .dense(inputs: 8, outputs: 1, activation: .linear),
      ])
    let classNames = try #require(checkpoint.classNames)
    #expect(classNames == ["across", "down"])
    let inputs = try checkpoint.readInputs(fromCSV: data, target: .name("bar"))
    let scaling = try #require(checkpoint.scaling)
    let expected = inputs.features.map { row in
      let logit = Tape.scope { net(scaling(row))[0].data }
      return classNames[logit > 0 ? 1 : 0]
    }

    let predicted = try backprop(["predict", "--model", model, "--data", data], in: folder)
    #expect(predicted.status == 0, "\(predicted.stderr)")
    #expect(predicted.stdout.split(separator: "\n").map(String.init) == expected)
    #expect(predicted.stderr.hasPrefix("accuracy "))
  }

  @Test(
    "mistakes: exit code, message, and the saved model left whole",
    arguments: [
      (["--layers", "conv4x3,bogus,8"], 2, "--layers 'conv4x3,bogus,8' is not allowed: item 2 'bogus' is not a layer"),
      (["--layers", "8,conv4x3"], 2, "item 2 'conv4x3' comes after a dense width"),
      (["--layers", "conv4x3,pool2,pool2"], 2,
       "item 3 does not fit --image 1×4×4: max-pool 2×2 needs an input of at least 2×2, not the 1×1 of an input of shape 4×1×1"),
      (["--layers", "conv4x5"], 2, "item 1 does not fit --image 1×4×4: conv 1 → 4 5×5 needs an input of at least 5×5"),
      (["--image", "2x4x4", "--layers", "conv4x3"], 1,
       "bars.csv:1: 16 feature columns (17 columns less the target), but an image of shape 2×4×4 needs 2·4·4 = 32"),
      (["--image", "1x4"], 2, "--image '1x4' is not allowed"),
    ] as [([String], Int32, String)])
  func mistakes(arguments: [String], status: Int32, message: String) throws {
    let folder = try barsFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = folder.appendingPathComponent("bars.csv").path
    let model = folder.appendingPathComponent("net.json")
    let before = Data("{\"not\": \"touched\"}".utf8)
    try before.write(to: model)
    var all = ["train", "--data", data, "--target", "bar", "--save", model.path]
    if !arguments.contains("--image") { all += ["--image", "1x4x4"] }
    let result = try backprop(all + arguments, in: folder)
    #expect(result.status == status)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stdout.isEmpty || !result.stdout.contains("epoch"))
    #expect(try Data(contentsOf: model) == before)
  }
}
