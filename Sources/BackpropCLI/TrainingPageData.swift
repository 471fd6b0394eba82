// The training page's data, computed by the engine: per frame the decision
// boundary on a grid and, per point, its loss graph collapsed per neuron
// (forward and backward of that point's loss), written as JSON.

import Backprop
import Foundation

/// The numbers of the training page, as the JSON text the page embeds.
///
/// Everything is computed here, in Swift, by the engine; the page's script
/// only draws it. Per frame (see ``TrainingPageRun``):
/// - `loss`, `lossText`, `accuracy`, `learningRate`, `layerNorms`: the
///   epoch's report (the loss both exact and as the command prints it);
/// - `boundary.cells[f]`: the model's decision on a ``gridSize``×``gridSize``
///   grid over the points' range ± 1 (micrograd's plot), one character per
///   cell, rows from the bottom, columns from the left: character
///   `c·4 + level` of ``cellAlphabet`` for class c and a confidence level
///   0…3 (margin < 0.5, < 1.5, < 3, more);
/// - `graph`: for each point, its loss graph collapsed per neuron — inputs,
///   each layer's neurons, the loss — with every node's data (the input, the
///   activation, the point's loss) and grad (∂ point loss / ∂ node), from a
///   forward and a backward sweep of that point's own loss through the model
///   with the frame's parameters. The point's loss is exact; data and grads
///   have three significant digits (``JSONText/short(_:)``).
enum TrainingPageData {
  /// Cells per side of the boundary grid.
  static let gridSize = 40
  /// The symbols of the boundary's cells.
  static let cellAlphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  /// The most points the page shows (the first rows of the data).
  static let maxPoints = 200
  /// The most point graphs (points × frames) the page holds; beyond it,
  /// graphs are kept every n-th frame (and the page says so).
  static let maxGraphs = 10_000
  /// The widest layer whose neurons the point graph draws one by one.
  static let maxGraphWidth = 32

  /// Why the page has no decision boundary, or `nil` when it has one.
  static func boundaryProblem(_ run: TrainingPageRun) -> String? {
    guard let network = run.network else {
      return "The decision boundary and the point graphs are drawn for an MLP; this model is not one."
    }
    guard network.inputSize == 2, run.features.first?.count == 2 else {
      return "The decision boundary needs 2 features; this data has \(run.features.first?.count ?? 0)."
    }
    guard run.loss.classifies else {
      return "The decision boundary needs a classifier; this run regresses (loss \(run.loss))."
    }
    guard run.classLabels.count * 4 <= cellAlphabet.count else {
      return "The decision boundary is drawn for at most \(cellAlphabet.count / 4) classes."
    }
    return nil
  }

  /// Why the page has no point graphs (beyond ``boundaryProblem(_:)``).
  static func graphProblem(_ run: TrainingPageRun) -> String? {
    guard let network = run.network else { return nil }
    if let widest = network.layerSizes.max(), widest > maxGraphWidth {
      return "Point graphs are drawn for layers of at most \(maxGraphWidth) neurons; this model has one of \(widest)."
    }
    return nil
  }

  /// The page's data as JSON text.
  static func json(_ run: TrainingPageRun) throws -> String {
    let frames = run.frames
    let reports = frames.map(\.report)
    var json = JSONText()
    let boundaryNote = boundaryProblem(run)
    let graphNote = boundaryNote == nil ? graphProblem(run) : nil
    try json.object { o in
      o.key("format"); o.string("backprop-training-page 1")
      o.key("title"); o.string(run.title)
      o.key("description"); o.strings(run.description)
      o.key("stepName"); o.string(run.stepName)
      o.key("totalSteps"); o.integer(run.totalEpochs)
      o.key("lossLabel"); o.string(run.lossLabel)
      o.key("model"); o.string(run.network.map { "\($0)" } ?? "")
      o.key("steps"); o.integers(reports.map(\.epoch))
      o.key("loss"); o.numbers(reports.map(\.loss), exact: true)
      o.key("lossText"); o.strings(reports.map { run.lossText($0.loss) })
      o.key("accuracy")
      if reports.allSatisfy({ $0.accuracy != nil }) {
        o.numbers(reports.map { $0.accuracy ?? 0 }, exact: true)
      } else {
        o.null()
      }
      o.key("learningRate"); o.numbers(reports.map(\.learningRate), exact: true)
      o.key("layerNames"); o.strings(run.layerNames)
      o.key("layerNorms")
      o.array { a in
        for r in reports { a.add { $0.numbers(r.layerGradientNorms, exact: true) } }
      }
      o.key("boundaryNote")
      if let boundaryNote { o.string(boundaryNote) } else { o.null() }
      o.key("graphNote")
      if let graphNote { o.string(graphNote) } else { o.null() }
      guard boundaryNote == nil, let network = run.network else {
        o.key("boundary"); o.null()
        o.key("points"); o.null()
        o.key("graph"); o.null()
        return
      }
      let shown = Array(run.features.prefix(maxPoints).indices)
      try writeBoundaryAndPoints(&o, run, network: network, shown: shown, graphs: graphNote == nil)
    }
    return json.text
  }

  /// The `boundary`, `points` and `graph` members.
  private static func writeBoundaryAndPoints(
    _ o: inout JSONText, _ run: TrainingPageRun, network: MLP, shown: [Int], graphs: Bool
  ) throws {
    let xs = shown.map { run.features[$0][0] }
    let ys = shown.map { run.features[$0][1] }
    let x0 = (xs.min() ?? 0) - 1
    let x1 = (xs.max() ?? 0) + 1
    let y0 = (ys.min() ?? 0) - 1
    let y1 = (ys.max() ?? 0) + 1
    let n = gridSize
    let frames = run.frames
    let graphEvery = graphs ? Swift.max(1, (shown.count * frames.count + maxGraphs - 1) / maxGraphs) : 0
    // A replica on a tape of its own: the trained model and its tape are
    // left as they are.
    let tape = Tape()
    let replica = tape.withCurrent { network.copy() }
    var cells: [String] = []
    var graphFrames: [Int] = []
    var graphLoss: [[Double]] = []
    var graphValues: [[[Double]]] = []
    for (f, frame) in frames.enumerated() {
      try replica.setParameterValues(frame.parameters)
      var row = ""
      row.reserveCapacity(n * n)
      // Each cell's output recorded on the replica's tape and released at
      // once (the tape's fast path for an MLP: quicker than `predict` in a
      // debug build).
      tape.withCurrent {
        for j in 0..<n {
          let y = y0 + (Double(j) + 0.5) * (y1 - y0) / Double(n)
          for i in 0..<n {
            let x = x0 + (Double(i) + 0.5) * (x1 - x0) / Double(n)
            let output = Tape.scope { replica(run.prepare([x, y])).map(\.data) }
            let (c, margin) = run.decision(output) ?? (0, 0)
            let level = margin < 0.5 ? 0 : margin < 1.5 ? 1 : margin < 3 ? 2 : 3
            row.append(cellAlphabet[c * 4 + level])
          }
        }
      }
      cells.append(row)
      guard graphs, f % graphEvery == 0 || f == frames.count - 1 else { continue }
      graphFrames.append(f)
      var losses: [Double] = []
      var values: [[Double]] = []
      tape.withCurrent {
        for p in shown {
          let g = pointGraph(replica, input: run.prepare(run.features[p]), target: run.targets[p], loss: run.loss)
          losses.append(g.loss)
          values.append(g.data + g.grad)
        }
      }
      graphLoss.append(losses)
      graphValues.append(values)
    }

    o.key("boundary")
    o.object { b in
      b.key("x0"); b.exact(x0)
      b.key("x1"); b.exact(x1)
      b.key("y0"); b.exact(y0)
      b.key("y1"); b.exact(y1)
      b.key("nx"); b.integer(n)
      b.key("ny"); b.integer(n)
      b.key("alphabet"); b.string(String(cellAlphabet))
      b.key("classes"); b.strings(run.classLabels)
      b.key("cells"); b.strings(cells)
    }
    o.key("points")
    o.object { p in
      p.key("count"); p.integer(shown.count)
      p.key("of"); p.integer(run.features.count)
      p.key("x"); p.numbers(shown.map { run.features[$0][0] }, exact: true)
      p.key("y"); p.numbers(shown.map { run.features[$0][1] }, exact: true)
      p.key("classIndex"); p.integers(shown.map { run.classIndex(ofTarget: run.targets[$0]) ?? 0 })
    }
    o.key("graph")
    guard graphs else { return o.null() }
    o.object { g in
      g.key("columns")
      g.array { a in
        a.add { c in
          c.object { c in
            c.key("name"); c.string(run.inputName)
            c.key("size"); c.integer(network.inputSize)
          }
        }
        for (i, layer) in network.layers.enumerated() {
          a.add { c in
            c.object { c in
              c.key("name"); c.string(run.layerNames.indices.contains(i) ? run.layerNames[i] : "layer \(i + 1)")
              c.key("size"); c.integer(layer.outputSize)
            }
          }
        }
        a.add { c in
          c.object { c in
            c.key("name"); c.string("loss")
            c.key("size"); c.integer(1)
          }
        }
      }
      g.key("every"); g.integer(graphEvery)
      g.key("frames"); g.integers(graphFrames)
      g.key("pointLoss")
      g.array { a in for losses in graphLoss { a.add { $0.numbers(losses, exact: true) } } }
      g.key("values")
      g.array { a in
        for frame in graphValues {
          a.add { $0.array { b in for v in frame { b.add { $0.numbers(v, exact: false) } } } }
        }
      }
    }
  }

  /// One point's loss graph, collapsed per neuron: a forward sweep of the
  /// point's own loss through `model` (on the current tape, in a scope that
  /// is released at once) and a backward sweep from it.
  ///
  /// - Returns: The loss, and every node's data and grad, in the order
  ///   inputs, each layer's neurons, the loss.
  static func pointGraph(
    _ model: MLP, input: [Double], target: [Double], loss: Loss
  ) -> (loss: Double, data: [Double], grad: [Double]) {
    Tape.scope {
      let x = input.map { Value($0) }
      var nodes = x
      var h = x
      for layer in model.layers {
        h = layer(h)
        nodes += h
      }
      let l = loss([h], [target])
      l.backward()
      nodes.append(l)
      return (l.data, nodes.map(\.data), nodes.map(\.grad))
    }
  }
}
