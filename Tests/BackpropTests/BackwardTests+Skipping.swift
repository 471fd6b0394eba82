// The sweep skips what the output does not reach: unrelated graphs between the parameters and
// the loss, and a training loop written without scopes.

import Backprop
import Foundation
import Testing

extension BackwardTests {
  // MARK: - Skipping what the output does not reach

  /// Parameters (and one node computed from them) recorded first, then
  /// 300,000 nodes of unrelated graphs that use them (some differentiated),
  /// then a loss: the sweep jumps from the top of the tape to its bottom,
  /// across level-2 words of the bitmap; the loss's gradients are exact and
  /// contain nothing from the unrelated graphs, whose nodes keep the
  /// gradients their own sweeps gave them.
  @Test func sweepSkipsUnrelatedGraphsBetweenParametersAndLoss() {
    let tape = Tape()
    tape.withCurrent {
      let inputs = [0.5, -1.5, 2.0, 0.25]
      let p = inputs.indices.map { Value(0.1 * Double($0 + 1)) }
      let product = p[0] * p[1]
      var probes: [(Value, Double)] = []
      var step = 0
      while tape.count < 300_000 {
        let h = Value.dot(p, (0..<4).map { Double(($0 + step) % 5) })
        let junk = (h * p[step % 4]).tanh() + (p[0] - h).sigmoid()
        if step % 1_000 == 0 {
          junk.backward()
          probes.append((h, h.grad))
        }
        step += 1
      }
      tape.zeroGrad(p)
      let z = Value.dot(p, inputs)
      let loss = z.tanh() + product
      loss.backward()
      #expect(product.grad == 1)
      var zByHand = 0.0
      for (param, x) in zip(p, inputs) { zByHand += param.data * x }
      let t = Foundation.tanh(zByHand)
      var expected = inputs.map { (1 - t * t) * $0 }
      expected[0] += p[1].data
      expected[1] += p[0].data
      for (param, e) in zip(p, expected) {
        #expect(Swift.abs(param.grad - e) <= 1e-15)
      }
      #expect(probes.count > 10)
      #expect(probes.allSatisfy { $0.0.grad == $0.1 })
    }
  }

  /// A micrograd-style training loop written without scopes: parameters
  /// first, then each of 50 steps records its own graph (plus some that is
  /// never differentiated). Each step's gradients match the hand-derived
  /// formula, so nothing leaks from the graphs of earlier steps.
  @Test func trainingLoopWithoutScopesKeepsGradientsRight() {
    let tape = Tape()
    tape.withCurrent {
      var rng = SeededGenerator(seed: 2024)
      let points = (0..<20).map { _ in (0..<3).map { _ in rng.nextUniform(in: -2, 2) } }
      let targets = points.map { Foundation.tanh(0.7 * $0[0] - 0.3 * $0[1] + 0.1 * $0[2] + 0.2) }
      let w = (0..<3).map { _ in Value(rng.nextUniform(in: -1, 1)) }
      let b = Value(0.0)
      var counts: [Int] = []
      var lastParameters: [Double] = []
      var lastGradients: [Double] = []
      for _ in 0..<50 {
        // Unrelated work that uses the parameters and is never differentiated.
        _ = Value.sum(w.map { ($0 * b).exp() })
        let losses = zip(points, targets).map { x, y -> Value in
          let prediction = (Value.dot(w, x) + b).tanh()
          return (prediction - y).pow(2)
        }
        let loss = Value.sum(losses) / Double(points.count)
        w.forEach { $0.zeroGrad() }
        b.zeroGrad()
        loss.backward()

        // By hand: ∂L/∂w = (2/n) Σ (ŷ − y)(1 − ŷ²) x, ∂L/∂b the same without x.
        var gw = [0.0, 0.0, 0.0]
        var gb = 0.0
        var scale = 0.0
        for (x, y) in zip(points, targets) {
          var z = b.data
          for k in 0..<3 { z += w[k].data * x[k] }
          let yHat = Foundation.tanh(z)
          let common = 2 * (yHat - y) * (1 - yHat * yHat) / Double(points.count)
          for k in 0..<3 { gw[k] += common * x[k] }
          gb += common
          scale += Swift.abs(common) * 2
        }
        for k in 0..<3 {
          #expect(Swift.abs(w[k].grad - gw[k]) <= 1e-13 * Swift.max(1, scale))
        }
        #expect(Swift.abs(b.grad - gb) <= 1e-13 * Swift.max(1, scale))
        lastParameters = (w + [b]).map(\.data)
        lastGradients = (w + [b]).map(\.grad)
        for p in w + [b] { p.data -= 0.5 * p.grad }
        counts.append(tape.count)
      }
      // The automatic step rule releases each step when the next one starts
      // recording (after backward() and the update): the first step's graph
      // stays, and from then on the count is flat.
      #expect(Set(counts.dropFirst()).count == 1, "\(counts)")
      // The last step's gradients equal those of the same graph on a fresh tape.
      let freshGradients = Tape().withCurrent { () -> [Double] in
        let w2 = lastParameters[0..<3].map { Value($0) }
        let b2 = Value(lastParameters[3])
        let losses = zip(points, targets).map { x, y -> Value in
          ((Value.dot(w2, x) + b2).tanh() - y).pow(2)
        }
        (Value.sum(losses) / Double(points.count)).backward()
        return (w2 + [b2]).map(\.grad)
      }
      for (g, f) in zip(lastGradients, freshGradients) {
        #expect(g == f)
      }
    }
  }
}
