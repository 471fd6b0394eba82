// `backprop demo --html` run as a user would (the debug build of `backprop`
// next to this test's runner): the training page's embedded data, checked
// against an independent run of the engine.

import Foundation
import MicrogradFixtures
import Backprop
import Testing

/// Why the page could not be made.
private struct PageProblem: Error, CustomStringConvertible {
  var description: String
}

/// The page `backprop demo --html` writes (made once for the suite).
private let demoPage: Result<String, any Error> = Result {
  guard let binary = backpropBinary else {
    throw PageProblem(description: "build the backprop product first (swift build --build-tests)")
  }
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("backprop-page-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let process = Process()
  process.executableURL = binary
  process.arguments = ["demo", "--html", "--output-dir", folder.path]
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  guard process.terminationStatus == 0 else {
    throw PageProblem(description: "backprop demo --html exited with \(process.terminationStatus)")
  }
  return try String(contentsOf: folder.appendingPathComponent("demo.html"), encoding: .utf8)
}

/// What the tests read of the page's embedded data.
private struct PageData: Decodable {
  struct Boundary: Decodable {
    var nx: Int
    var ny: Int
    var cells: [String]
  }
  struct Graph: Decodable {
    var frames: [Int]
    var pointLoss: [[Double]]
    var values: [[[Double]]]
  }
  var steps: [Int]
  var loss: [Double]
  var lossText: [String]
  var layerNorms: [[Double]]
  var boundary: Boundary?
  var graph: Graph?
}

/// The page's embedded data (its `<script id="run-data">`), decoded.
private func pageData(_ html: String) throws -> PageData {
  let open = #"<script type="application/json" id="run-data">"#
  let start = try #require(html.range(of: open))
  let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
  return try JSONDecoder().decode(PageData.self, from: Data(html[start.upperBound..<end.lowerBound].utf8))
}

/// micrograd's demo model after `updates` steps of its training (the
/// parameters step `updates + 1` sees), trained here on a tape of its own.
private func demoModel(after updates: Int) throws -> (MLP, Dataset) {
  let data = try Dataset(features: MicrogradDemo.features, labels: MicrogradDemo.labels)
  let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
  try model.setParameterValues(MicrogradDemo.initialParameters)
  var sgd = try SGD(
    parameters: model.parameters, learningRate: 1.0, schedule: .linearDecay(final: 0.1, steps: 100))
  if updates > 0 {
    try train(model, on: data, loss: .hinge, optimizer: &sgd, options: TrainingOptions(epochs: updates, l2: 1e-4))
  }
  return (model, data)
}

@Suite("backprop demo --html: the training page", .serialized)
struct TrainingPageTests {
  @Test("the embedded data is JSON with 100 steps, a 40×40 boundary and a graph per point and step")
  func dataParses() throws {
    let data = try pageData(try demoPage.get())
    #expect(data.steps == Array(1...100))
    #expect(data.loss.count == 100 && data.lossText.count == 100)
    #expect(data.layerNorms.count == 100 && data.layerNorms.allSatisfy { $0.count == 3 })
    let boundary = try #require(data.boundary)
    #expect(boundary.nx == 40 && boundary.ny == 40)
    #expect(boundary.cells.count == 100 && boundary.cells.allSatisfy { $0.count == 40 * 40 })
    let graph = try #require(data.graph)
    #expect(graph.frames == Array(0..<100))
    // Per point: data and grad of 2 inputs, 16 + 16 + 1 neurons and the loss.
    #expect(graph.values.count == 100)
    #expect(graph.values.allSatisfy { $0.count == 100 && $0.allSatisfy { $0.count == 72 } })
  }

  @Test("the page refers to nothing outside itself and stays under 3 MB")
  func selfContained() throws {
    let html = try demoPage.get()
    #expect(html.range(of: "http:", options: .caseInsensitive) == nil)
    #expect(html.range(of: "https:", options: .caseInsensitive) == nil)
    #expect(html.range(of: "<script src", options: .caseInsensitive) == nil)
    #expect(html.range(of: "<link", options: .caseInsensitive) == nil)
    #expect(html.utf8.count < 3_000_000)
  }

  @Test(
    "a step's loss is the training report's, and each point's loss and input grads are the engine's",
    arguments: [1, 50, 100])
  func pointLossesMatchTheEngine(step: Int) throws {
    let page = try pageData(try demoPage.get())
    let graph = try #require(page.graph)
    let (pointLoss, values, losses, lossText) = (graph.pointLoss, graph.values, page.loss, page.lossText)

    try Tape().withCurrent {
      // The report of epoch `step`, from a run of that many epochs.
      let (reference, data) = try demoModel(after: 0)
      var sgd = try SGD(
        parameters: reference.parameters, learningRate: 1.0, schedule: .linearDecay(final: 0.1, steps: 100))
      let history = try train(
        reference, on: data, loss: .hinge, optimizer: &sgd, options: TrainingOptions(epochs: step, l2: 1e-4))
      #expect(losses[step - 1] == history[step - 1].loss)
      #expect(lossText[step - 1] == String(format: "%.6f", history[step - 1].loss))

      let (model, _) = try demoModel(after: step - 1)
      for p in 0..<data.count {
        let (loss, inputGrads) = Tape.scope {
          let x = data.features[p].map { Value($0) }
          let l = hinge(score: model(x)[0], label: data.labels[p])
          l.backward()
          return (l.data, x.map(\.grad))
        }
        let shown = pointLoss[step - 1][p]
        #expect(abs(shown - loss) <= 1e-12 * max(1, abs(loss)), "step \(step), point \(p)")
        // The inputs' grads, stored with three significant digits.
        let grads = values[step - 1][p][36..<38]
        for (g, expected) in zip(grads, inputGrads) {
          #expect(abs(g - expected) <= 5.1e-3 * abs(expected), "step \(step), point \(p): \(g) vs \(expected)")
        }
      }
    }
  }
}
