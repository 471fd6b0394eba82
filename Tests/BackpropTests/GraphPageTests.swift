import Backprop
import Foundation
import Testing

@Suite("GraphPicture: step-through page")
struct GraphPicturePageTests {
  /// The page's embedded data (the JSON between its data script's tags).
  static func data(_ page: String) throws -> [String: Any] {
    let start = try #require(page.range(of: "<script type=\"application/json\" id=\"graph-data\">"))
    let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
    let json = Data(page[start.upperBound..<end.lowerBound].utf8)
    return try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
  }

  @Test func noNetworkReferences() {
    Tape().withCurrent {
      let page = LayoutGraphs.neuron().stepThroughPage(title: "neuron")
      let withoutNamespace = page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
      #expect(!withoutNamespace.contains("http://"))
      #expect(!withoutNamespace.contains("https://"))
      #expect(!page.contains("<script src"))
      #expect(!page.contains("<link"))
      #expect(page.contains("<p id=\"status\" role=\"status\">"))
    }
  }

  @Test func embedsTheTraceInSweepOrder() throws {
    try Tape().withCurrent {
      let o = LayoutGraphs.mlpLoss(layerSizes: [3, 1])
      let page = o.stepThroughPage(title: "loss")
      Tape.current.zeroGrad()
      let trace = o.backwardWithTrace()
      let data = try Self.data(page)
      let steps = try #require(data["steps"] as? [[String: Any]])
      #expect(steps.count == trace.steps.count + 1)  // BP1, then the trace
      #expect(steps.first?["node"] as? Int == o.id)
      for (embedded, step) in zip(steps.dropFirst(), trace.steps) {
        #expect(embedded["node"] as? Int == step.node)
        #expect(embedded["input"] as? Int == step.input)
        #expect(embedded["edge"] as? String == "n\(step.input)-n\(step.node)op")
        #expect(page.contains("id=\"n\(step.input)-n\(step.node)op\""))
      }
      let nodes = try #require(data["nodes"] as? [[String: Any]])
      let ids = nodes.compactMap { $0["id"] as? Int }
      #expect(ids == ids.sorted())  // creation order
      #expect(ids.last == o.id)
    }
  }

  @Test func gradientsShownAtTheEndAreTheEngines() throws {
    try Tape().withCurrent {
      let o = LayoutGraphs.neuron()
      let page = o.stepThroughPage(title: "neuron")
      let data = try Self.data(page)
      let steps = try #require(data["steps"] as? [[String: Any]])
      var last: [Int: Double] = [:]
      for step in steps {
        if let input = step["input"] as? Int, let grad = (step["grad"] as? String).flatMap(Double.init) {
          last[input] = grad
        }
      }
      let snapshot = Tape().withCurrent { () -> [Double] in
        let again = LayoutGraphs.neuron()
        again.backward()
        return [again.grad]
      }
      #expect(last[o.id] == snapshot[0])
      let nodes = try #require(data["nodes"] as? [[String: Any]])
      let x1 = try #require(nodes.first { $0["name"] as? String == "x1" })
      #expect(last[x1["id"] as? Int ?? -1] == -1.5 || abs((last[x1["id"] as? Int ?? -1] ?? 0) + 1.5) < 1e-12)
      #expect((x1["formula"] as? String)?.contains("a leaf") == true)
    }
  }

  @Test func neuronFormulasUseTheNotesNotation() throws {
    try Tape().withCurrent {
      let model = MLP(inputSize: 2, layerSizes: [2, 1], activation: .sigmoid, seed: 3)
      let page = model([1, 2])[0].stepThroughPage(title: "MLP")
      let nodes = try #require(try Self.data(page)["nodes"] as? [[String: Any]])
      let formulas = nodes.compactMap { $0["formula"] as? String }
      #expect(formulas.contains { $0.contains("δ = D_") })
      #expect(formulas.contains { $0.contains("BP2: D_W = A ⊙ D_Z") })
      #expect(formulas.contains { $0.contains("BP2: D_B = D_Z") })
    }
  }
}
