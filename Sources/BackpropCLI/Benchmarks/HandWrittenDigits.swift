// Seed 004's digits loop written out by hand on flat buffers: the baseline
// of the digits loop benchmark.

import Foundation

/// Seed 004's digits loop written out by hand on flat `[Double]` buffers:
/// the same MLP 64-32-10 (ReLU) from the same initial parameters, the same
/// mini-batches, softmax cross-entropy averaged over the batch, back-propagated
/// by the delta rule, and SGD's update.
enum HandWrittenDigits {
  /// Trains from `workload.initialParameters` and returns the loss of each
  /// step (before its update).
  static func run(_ workload: DigitsLoopBenchmark.Workload) -> [Double] {
    let inputs = 64
    let hidden = DigitsLoopBenchmark.layerSizes[0]
    let classes = DigitsLoopBenchmark.layerSizes[1]
    let x = workload.features.flatMap { $0 }
    let labels = workload.labels
    let learningRate = DigitsLoopBenchmark.learningRate
    // Parameter order: per neuron, its weights then its bias; layer 1 first.
    let l1 = 0
    let l2 = l1 + hidden * (inputs + 1)
    var p = workload.initialParameters
    var g = [Double](repeating: 0, count: p.count)
    var z1 = [Double](repeating: 0, count: hidden)
    var a1 = z1
    var d1 = z1
    var z2 = [Double](repeating: 0, count: classes)
    var e = z2
    var d2 = z2
    var losses: [Double] = []
    losses.reserveCapacity(workload.batches.count)
    for batch in workload.batches {
      for i in g.indices { g[i] = 0 }
      let scale = 1.0 / Double(batch.count)
      var total = 0.0
      for row in batch {
        let xo = row * inputs
        for i in 0..<hidden {
          let o = l1 + (inputs + 1) * i
          var sum = 0.0
          for j in 0..<inputs { sum += p[o + j] * x[xo + j] }
          z1[i] = sum + p[o + inputs]
          a1[i] = z1[i] > 0 ? z1[i] : 0
        }
        var m = -Double.infinity
        for k in 0..<classes {
          let o = l2 + (hidden + 1) * k
          var sum = 0.0
          for j in 0..<hidden { sum += p[o + j] * a1[j] }
          z2[k] = sum + p[o + hidden]
          m = Swift.max(m, z2[k])
        }
        // log-sum-exp with the maximum subtracted, and softmax from it.
        var sumExp = 0.0
        for k in 0..<classes {
          e[k] = exp(z2[k] - m)
          sumExp += e[k]
        }
        let c = labels[row]
        total += (m + log(sumExp)) - z2[c]
        // d(loss)/d(z2ₖ) = (softmaxₖ − [k = c]) / batch size.
        let s = scale / sumExp
        for k in 0..<classes { d2[k] = s * e[k] }
        d2[c] -= scale
        for j in 0..<hidden { d1[j] = 0 }
        for k in 0..<classes {
          let o = l2 + (hidden + 1) * k
          let dk = d2[k]
          for j in 0..<hidden {
            g[o + j] += dk * a1[j]
            d1[j] += dk * p[o + j]
          }
          g[o + hidden] += dk
        }
        for i in 0..<hidden where z1[i] > 0 {
          let o = l1 + (inputs + 1) * i
          let di = d1[i]
          for j in 0..<inputs { g[o + j] += di * x[xo + j] }
          g[o + inputs] += di
        }
      }
      losses.append(total * scale)
      for i in p.indices { p[i] -= learningRate * g[i] }
    }
    return losses
  }
}
