// The worked example of seed 000 §5.1 differentiated by the engine and
// printed in the notes' notation.

import Backprop
import Foundation

/// The worked example of seed 000 §5.1 (a 3→2→3→1 sigmoid network with
/// every weight 1 and every bias 0, at x = (2, 4, 3)) built from `Value`s and
/// differentiated by the engine, printed in the notes' notation so it can be
/// read beside them.
enum WorkedExampleDemo {
  /// The network's values, labelled in the notes' notation (x₁, w⁰₁₁, b⁰₁,
  /// (W⁰A⁰)₁, Z¹₁, A¹₁, ŷ; A⁰ = x).
  struct Network {
    var weights: [[[Value]]]  // W^l: sizes[l+1] rows, sizes[l] columns
    var biases: [[Value]]  // B^l
    var zs: [[Value]]  // Z^1, Z^2, Z^3 = ŷ
    var activations: [[Value]]  // A^1, A^2
    var yHat: Value { zs[2][0] }
  }

  static let superscripts = ["⁰", "¹", "²", "³"]
  static let subscripts = ["₀", "₁", "₂", "₃", "₄"]

  /// Records the network on the current tape (forward only).
  static func build() -> Network {
    let x: [Double] = [2, 4, 3]
    let sizes = [3, 2, 3, 1]
    let weights = (0..<3).map { l in
      (0..<sizes[l + 1]).map { i in
        (0..<sizes[l]).map { j in Value(1.0, label: "w\(superscripts[l])\(subscripts[i + 1])\(subscripts[j + 1])") }
      }
    }
    let biases = (0..<3).map { l in
      (0..<sizes[l + 1]).map { i in Value(0.0, label: "b\(superscripts[l])\(subscripts[i + 1])") }
    }
    var a: [Value] = x.enumerated().map { j, v in Value(v, label: "x\(subscripts[j + 1])") }
    var zs: [[Value]] = []
    var activations: [[Value]] = []
    for l in 0..<3 {
      let z = (0..<sizes[l + 1]).map { i in
        let product = Value.dot(weights[l][i], a)
        product.label = "(W\(superscripts[l])A\(superscripts[l]))\(subscripts[i + 1])"
        let z = product + biases[l][i]
        z.label = l == 2 ? "ŷ" : "Z\(superscripts[l + 1])\(subscripts[i + 1])"
        return z
      }
      zs.append(z)
      if l < 2 {
        a = z.enumerated().map { i, z in
          let activation = z.sigmoid()
          activation.label = "A\(superscripts[l + 1])\(subscripts[i + 1])"
          return activation
        }
        activations.append(a)
      }
    }
    return Network(weights: weights, biases: biases, zs: zs, activations: activations)
  }

  /// Writes the step-through page of the network to `path`.
  static func writePage(to path: String) throws {
    try Tape.current.scope {
      let network = build()
      let page = network.yHat.stepThroughPage(title: "Seed 000, §5.1: the worked example, step by step")
      try SVGPlot.write(page, to: path)
      let parameters = network.weights.joined().joined().count + network.biases.joined().count
      let computed = 2 * network.zs.joined().count + network.activations.joined().count  // W·A, Z, A
      print("wrote \(path): \(3 + parameters + computed) values (3 inputs, \(parameters) parameters, \(computed) computed)")
    }
  }

  static func run() {
    Tape.current.scope {
      let network = build()
      let (weights, biases, zs, activations) = (network.weights, network.biases, network.zs, network.activations)
      let yHat = network.yHat
      yHat.backward()

      print("Seed 000, §5.1: a 3→2→3→1 sigmoid network, weights 1, biases 0, x = (2, 4, 3)")
      print("")
      print("forward-propagation")
      for l in 0..<2 {
        print("  Z^\(l + 1) = \(row(zs[l].map(\.data)))")
        print("  A^\(l + 1) = \(row(activations[l].map(\.data)))")
      }
      print("  ŷ   = \(fmt(yHat.data))")
      print("")
      print("back-propagation: the engine's gradients, from BP1 (D_Z^3 ŷ = 1) down")
      for l in (0..<3).reversed() {
        print("  D_Z^\(l + 1) ŷ = \(row(zs[l].map(\.grad)))")
        print("  D_B^\(l) ŷ = \(row(biases[l].map(\.grad)))")
        for (i, neuron) in weights[l].enumerated() {
          print("  D_w^\(l)_\(i + 1)j ŷ = \(row(neuron.map(\.grad)))  (j = 1…\(neuron.count))")
        }
      }
    }
  }

  static func row(_ xs: [Double]) -> String {
    "[" + xs.map(fmt).joined(separator: "  ") + "]"
  }

  static func fmt(_ x: Double) -> String { format(x, 11) }
}
