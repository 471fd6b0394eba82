// `backprop doc-pictures DIR`: writes the graph pictures the guides show
// (Docs/images/*.svg). Not in the usage text; Scripts/doc-pictures.sh runs
// it to check that the committed pictures are what the code draws.

import Backprop
import Foundation

enum DocPictures {
  /// File name and picture, in a fixed order.
  static func pictures() -> [(String, String)] {
    var result: [(String, String)] = []
    Tape.current.scope {
      // micrograd's neuron, as Docs/HowBackwardWorks.md builds it.
      let x1 = Value(2.0, label: "x1")
      let x2 = Value(0.0, label: "x2")
      let w1 = Value(-3.0, label: "w1")
      let w2 = Value(1.0, label: "w2")
      let bias = Value(6.8813735870195432, label: "b")
      let x1w1 = x1 * w1
      x1w1.label = "x1w1"
      let x2w2 = x2 * w2
      x2w2.label = "x2w2"
      let x1w1x2w2 = x1w1 + x2w2
      x1w1x2w2.label = "x1w1 + x2w2"
      let n = x1w1x2w2 + bias
      n.label = "n"
      let o = n.tanh()
      o.label = "o"
      o.backward()
      result.append(("neuron.svg", o.svg(.init(title: "micrograd's neuron o = tanh(x1·w1 + x2·w2 + b) after backward()"))))
    }
    Tape.current.scope {
      let network = WorkedExampleDemo.build()
      network.yHat.backward()
      result.append(
        ("worked-example.svg", network.yHat.svg(.init(title: "Seed 000, §5.1: the worked example after backward()"))))
      result.append(
        ("worked-example-neurons.svg",
         network.yHat.svg(
          .init(collapsesNeurons: true, title: "Seed 000, §5.1: the worked example, one box per neuron"))))
    }
    return result
  }

  static func run(_ arguments: [String]) throws {
    guard arguments.count == 1, let directory = arguments.first, !directory.hasPrefix("-") else {
      throw UsageError(description: "doc-pictures needs one folder: doc-pictures DIR")
    }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, svg) in pictures() {
      try SVGPlot.write(svg, to: (directory as NSString).appendingPathComponent(name))
    }
  }
}
