// The worked example of seed 000 §5.1 differentiated by the engine and
// printed in the notes' notation.

import Backprop

/// The worked example of seed 000 §5.1 (a 3→2→3→1 sigmoid network with
/// every weight 1 and every bias 0, at x = (2, 4, 3)) built from `Value`s and
/// differentiated by the engine, printed in the notes' notation so it can be
/// read beside them.
enum WorkedExampleDemo {
  static func run() {
    Tape.current.scope {
      let x: [Double] = [2, 4, 3]
      let sizes = [3, 2, 3, 1]
      // W^l has sizes[l+1] rows and sizes[l] columns; B^l has sizes[l+1] entries.
      let weights = (0..<3).map { l in
        (0..<sizes[l + 1]).map { _ in (0..<sizes[l]).map { _ in Value(1.0) } }
      }
      let biases = (0..<3).map { l in (0..<sizes[l + 1]).map { _ in Value(0.0) } }

      var a: [Value] = x.map { Value($0) }
      var zs: [[Value]] = []  // Z^1, Z^2, Z^3 = ŷ
      var activations: [[Value]] = []  // A^1, A^2
      for l in 0..<3 {
        let z = (0..<sizes[l + 1]).map { i in Value.dot(weights[l][i], a) + biases[l][i] }
        zs.append(z)
        if l < 2 {
          a = z.map { $0.sigmoid() }
          activations.append(a)
        }
      }
      let yHat = zs[2][0]
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
