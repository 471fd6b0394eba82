// The digits workloads written out by hand on flat [Double] buffers: W3's MLP
// with Adam and W4's convolutional Net with SGD and momentum, the baselines
// of `bench digits`.

import Foundation

/// Batches of the rows in order: `0..<b`, `b..<2b`, …, the last shorter.
private func batches(count: Int, size: Int) -> [Range<Int>] {
  stride(from: 0, to: count, by: size).map { $0..<Swift.min($0 + size, count) }
}

/// softmax(z) − one-hot(label) into `d`, and the example's loss
/// log Σ exp z − z[label].
private func softmaxGradient(_ z: UnsafeBufferPointer<Double>, _ label: Int,
                             into d: UnsafeMutableBufferPointer<Double>) -> Double {
  var m = -Double.infinity
  for v in z { m = Swift.max(m, v) }
  var total = 0.0
  for k in z.indices {
    d[k] = exp(z[k] - m)
    total += d[k]
  }
  for k in z.indices { d[k] /= total }
  d[label] -= 1
  return log(total) + m - z[label]
}

/// W3 by hand: MLP 64 → 32 relu → 10, softmax cross-entropy averaged over
/// each batch, Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) as Backprop's `Adam` writes it.
enum HandWrittenMLP {
  /// Trains from `parameters` (Backprop's order: per neuron its weights,
  /// then its bias, layer 1 first) and returns them.
  static func train(
    features: [[Double]], labels: [Int], parameters: [Double], epochs: Int, batchSize: Int,
    learningRate: Double
  ) -> [Double] {
    let n = 64
    let h = 32
    let c = 10
    let x = features.flatMap { $0 }
    var p = parameters
    var g = [Double](repeating: 0, count: p.count)
    var m = g
    var v = g
    let second = h * (n + 1)
    var z1 = [Double](repeating: 0, count: h)
    var a1 = z1
    var d1 = z1
    var z2 = [Double](repeating: 0, count: c)
    var d2 = z2
    var t = 0
    for _ in 0..<epochs {
      for batch in batches(count: labels.count, size: batchSize) {
        for i in g.indices { g[i] = 0 }
        let scale = 1 / Double(batch.count)
        for row in batch {
          let xo = row * n
          for i in 0..<h {
            let o = (n + 1) * i
            var s = 0.0
            for j in 0..<n { s += p[o + j] * x[xo + j] }
            z1[i] = s + p[o + n]
            a1[i] = Swift.max(z1[i], 0)
          }
          for k in 0..<c {
            let o = second + (h + 1) * k
            var s = 0.0
            for i in 0..<h { s += p[o + i] * a1[i] }
            z2[k] = s + p[o + h]
          }
          _ = z2.withUnsafeBufferPointer { z in
            d2.withUnsafeMutableBufferPointer { softmaxGradient(z, labels[row], into: $0) }
          }
          for i in 0..<h { d1[i] = 0 }
          for k in 0..<c {
            let o = second + (h + 1) * k
            let dk = d2[k] * scale
            for i in 0..<h {
              g[o + i] += dk * a1[i]
              d1[i] += dk * p[o + i]
            }
            g[o + h] += dk
          }
          for i in 0..<h where z1[i] > 0 {
            let o = (n + 1) * i
            for j in 0..<n { g[o + j] += d1[i] * x[xo + j] }
            g[o + n] += d1[i]
          }
        }
        t += 1
        let c1 = 1 - pow(0.9, Double(t))
        let c2 = 1 - pow(0.999, Double(t))
        for i in p.indices {
          m[i] = 0.9 * m[i] + 0.1 * g[i]
          v[i] = 0.999 * v[i] + 0.001 * (g[i] * g[i])
          p[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
        }
      }
    }
    return p
  }
}

/// W4 by hand: seed 004's Net on 1×32×32 (conv 1→6 3×3, relu, max-pool 2,
/// conv 6→16 3×3, relu, max-pool 2, 576 → 120 relu → 84 relu → 10), softmax
/// cross-entropy averaged over each batch, SGD with momentum 0.9: a direct
/// convolution forward and backward, loop by loop.
enum HandWrittenNet {
  /// A valid 3×3 convolution of `cin` channels of `size`², kernels and
  /// biases at `p[at...]` in Backprop's order (per output channel: its
  /// weights in (channel, row, column) order, then its bias).
  private static func convolve(
    _ x: UnsafePointer<Double>, _ cin: Int, _ size: Int, _ p: UnsafePointer<Double>, _ cout: Int,
    into y: UnsafeMutablePointer<Double>
  ) {
    let o = size - 2
    let perKernel = cin * 9 + 1
    for oc in 0..<cout {
      let w = p + oc * perKernel
      let b = w[cin * 9]
      for r in 0..<o {
        for s in 0..<o {
          var total = 0.0
          for ch in 0..<cin {
            let image = x + (ch * size + r) * size + s
            let kernel = w + ch * 9
            for i in 0..<3 {
              for j in 0..<3 { total += kernel[i * 3 + j] * image[i * size + j] }
            }
          }
          y[(oc * o + r) * o + s] = total + b
        }
      }
    }
  }

  /// The convolution's backward from the output gradient `dy` (relu'd):
  /// the kernels' and biases' gradients added into `g`, the input's into
  /// `dx` when given.
  private static func convolveBackward(
    _ x: UnsafePointer<Double>, _ cin: Int, _ size: Int, _ p: UnsafePointer<Double>, _ cout: Int,
    _ dy: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>,
    _ dx: UnsafeMutablePointer<Double>?
  ) {
    let o = size - 2
    let perKernel = cin * 9 + 1
    for oc in 0..<cout {
      let w = p + oc * perKernel
      let gw = g + oc * perKernel
      for r in 0..<o {
        for s in 0..<o {
          let d = dy[(oc * o + r) * o + s]
          if d == 0 { continue }
          gw[cin * 9] += d
          for ch in 0..<cin {
            let image = x + (ch * size + r) * size + s
            for i in 0..<3 {
              for j in 0..<3 {
                gw[ch * 9 + i * 3 + j] += d * image[i * size + j]
                dx?[(ch * size + r + i) * size + s + j] += d * w[ch * 9 + i * 3 + j]
              }
            }
          }
        }
      }
    }
  }

  /// Max-pool 2×2 (floor) of `channels` maps of `size`², with the input
  /// each output took (the first maximum of its window).
  private static func pool(
    _ x: UnsafePointer<Double>, _ channels: Int, _ size: Int, into y: UnsafeMutablePointer<Double>,
    from: UnsafeMutablePointer<Int>
  ) {
    let o = size / 2
    for c in 0..<channels {
      for r in 0..<o {
        for s in 0..<o {
          var best = (c * size + 2 * r) * size + 2 * s
          for k in [best + 1, best + size, best + size + 1] where x[k] > x[best] { best = k }
          y[(c * o + r) * o + s] = x[best]
          from[(c * o + r) * o + s] = best
        }
      }
    }
  }

  /// A dense layer's forward: `y = W x + b`, relu'd when `relu`.
  private static func dense(
    _ x: UnsafePointer<Double>, _ n: Int, _ p: UnsafePointer<Double>, _ m: Int, relu: Bool,
    into y: UnsafeMutablePointer<Double>
  ) {
    for i in 0..<m {
      let w = p + i * (n + 1)
      var s = 0.0
      for j in 0..<n { s += w[j] * x[j] }
      let z = s + w[n]
      y[i] = relu ? Swift.max(z, 0) : z
    }
  }

  /// A dense layer's backward from `dy` (already through its relu): the
  /// parameters' gradients into `g`, the input's into `dx`.
  private static func denseBackward(
    _ x: UnsafePointer<Double>, _ n: Int, _ p: UnsafePointer<Double>, _ m: Int,
    _ dy: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>,
    _ dx: UnsafeMutablePointer<Double>
  ) {
    for j in 0..<n { dx[j] = 0 }
    for i in 0..<m {
      let d = dy[i]
      if d == 0 { continue }
      let w = p + i * (n + 1)
      let gw = g + i * (n + 1)
      for j in 0..<n {
        gw[j] += d * x[j]
        dx[j] += d * w[j]
      }
      gw[n] += d
    }
  }

  /// Trains from `parameters` (Backprop's order, layer by layer) and
  /// returns them.
  static func train(
    images: [[Double]], labels: [Int], parameters: [Double], epochs: Int, batchSize: Int,
    learningRate: Double, momentum: Double
  ) -> [Double] {
    // Parameter offsets.
    let c1 = 0
    let c2 = c1 + 6 * 10
    let f1 = c2 + 16 * 55
    let f2 = f1 + 120 * 577
    let f3 = f2 + 84 * 121
    var p = parameters
    var g = [Double](repeating: 0, count: p.count)
    var velocity = g
    var z1 = [Double](repeating: 0, count: 6 * 30 * 30)
    var d1 = z1
    var p1 = [Double](repeating: 0, count: 6 * 15 * 15)
    var dp1 = p1
    var from1 = [Int](repeating: 0, count: p1.count)
    var z2 = [Double](repeating: 0, count: 16 * 13 * 13)
    var d2 = z2
    var p2 = [Double](repeating: 0, count: 576)
    var dp2 = p2
    var from2 = [Int](repeating: 0, count: 576)
    var h1 = [Double](repeating: 0, count: 120)
    var dh1 = h1
    var h2 = [Double](repeating: 0, count: 84)
    var dh2 = h2
    var out = [Double](repeating: 0, count: 10)
    var dOut = out
    for _ in 0..<epochs {
      for batch in batches(count: labels.count, size: batchSize) {
        for i in g.indices { g[i] = 0 }
        let scale = 1 / Double(batch.count)
        for row in batch {
          images[row].withUnsafeBufferPointer { xb in
            p.withUnsafeBufferPointer { pb in
              g.withUnsafeMutableBufferPointer { gb in
                guard let x = xb.baseAddress, let w = pb.baseAddress, let gw = gb.baseAddress else {
                  return
                }
                convolve(x, 1, 32, w + c1, 6, into: &z1)
                for k in z1.indices { d1[k] = Swift.max(z1[k], 0) }  // relu, kept in d1
                pool(d1, 6, 30, into: &p1, from: &from1)
                convolve(p1, 6, 15, w + c2, 16, into: &z2)
                for k in z2.indices { d2[k] = Swift.max(z2[k], 0) }
                pool(d2, 16, 13, into: &p2, from: &from2)
                dense(p2, 576, w + f1, 120, relu: true, into: &h1)
                dense(h1, 120, w + f2, 84, relu: true, into: &h2)
                dense(h2, 84, w + f3, 10, relu: false, into: &out)
                _ = out.withUnsafeBufferPointer { z in
                  dOut.withUnsafeMutableBufferPointer { softmaxGradient(z, labels[row], into: $0) }
                }
                for k in 0..<10 { dOut[k] *= scale }
                denseBackward(h2, 84, w + f3, 10, dOut, gw + f3, &dh2)
                for k in 0..<84 where h2[k] <= 0 { dh2[k] = 0 }
                denseBackward(h1, 120, w + f2, 84, dh2, gw + f2, &dh1)
                for k in 0..<120 where h1[k] <= 0 { dh1[k] = 0 }
                denseBackward(p2, 576, w + f1, 120, dh1, gw + f1, &dp2)
                for k in d2.indices { d2[k] = 0 }
                for k in 0..<576 { d2[from2[k]] += dp2[k] }
                for k in z2.indices where z2[k] <= 0 { d2[k] = 0 }
                for k in dp1.indices { dp1[k] = 0 }
                convolveBackward(p1, 6, 15, w + c2, 16, d2, gw + c2, &dp1)
                for k in d1.indices { d1[k] = 0 }
                for k in dp1.indices { d1[from1[k]] += dp1[k] }
                for k in z1.indices where z1[k] <= 0 { d1[k] = 0 }
                convolveBackward(x, 1, 32, w + c1, 6, d1, gw + c1, nil)
              }
            }
          }
        }
        for i in p.indices {
          velocity[i] = momentum * velocity[i] + g[i]
          p[i] -= learningRate * velocity[i]
        }
      }
    }
    return p
  }
}
