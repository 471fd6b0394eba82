import Backprop
import Foundation
import Testing

// Hessians, Hessian-vector products and the gradient of a function, built
// on the recording sweep: exact on quadratics, Rosenbrock's closed form,
// H·v against H times v, central differences, and nothing left behind.

/// |a − e| ≤ relative · max(|a|, |e|, 1).
private func expectWithin(
  _ a: Double, _ e: Double, _ relative: Double = 1e-12,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    Swift.abs(a - e) <= relative * Swift.max(Swift.abs(a), Swift.abs(e), 1), "\(a) vs \(e)",
    sourceLocation: sourceLocation)
}

/// Rosenbrock's function (1 − x)² + 100(y − x²)².
private func rosenbrock(_ v: [Value]) -> Value {
  let hundred = 100.0
  return (1.0 - v[0]).pow(2) + hundred * (v[1] - v[0].pow(2)).pow(2)
}

/// Its Hessian, [[1200x² − 400y + 2, −400x], [−400x, 200]].
private func rosenbrockHessian(_ x: Double, _ y: Double) -> [[Double]] {
  [[1200 * x * x - 400 * y + 2, -400 * x], [-400 * x, 200]]
}

/// A smooth function of n inputs with every kind of coupling: a 2-layer
/// tanh network's output, squared, plus a log-sum-exp.
private func smooth(_ x: [Value]) -> Value {
  let n = x.count
  var hidden: [Value] = []
  for j in 0..<3 {
    let w = (0..<n).map { i in sin(Double(3 * i + j + 1)) }
    hidden.append((Value.dot(x, w) + Double(j) * 0.1).tanh())
  }
  let out = Value.dot(hidden, [0.7, -1.1, 0.4])
  return out * out + Value.logSumExp(x.map { $0 * 0.5 }) + (x[0] * x[n - 1]).sigmoid()
}

@Suite("Hessians and Hessian-vector products")
struct HessianTests {
  /// A random n × n matrix with entries in [−2, 2].
  static func matrix(_ n: Int, _ rng: inout SeededGenerator) -> [[Double]] {
    (0..<n).map { _ in (0..<n).map { _ in rng.nextUniform(in: -2, 2) } }
  }

  @Test("½xᵀAx + bᵀx has Hessian exactly A (symmetric A), (A + Aᵀ)/2 (any A)", arguments: [1, 2, 5, 8])
  func quadratics(n: Int) {
    var rng = SeededGenerator(seed: UInt64(n))
    let a = Self.matrix(n, &rng)
    let symmetricA = (0..<n).map { i in (0..<n).map { j in i <= j ? a[i][j] : a[j][i] } }
    let b = (0..<n).map { _ in rng.nextUniform(in: -1, 1) }
    let x = (0..<n).map { _ in rng.nextUniform(in: -3, 3) }
    for m in [symmetricA, a] {
      let quadratic: ([Value]) -> Value = { x in
        let ax = m.map { row in Value.dot(x, row) }
        let half = 0.5
        return half * Value.dot(x, ax) + Value.dot(x, b)
      }
      let expected = (0..<n).map { i in (0..<n).map { j in 0.5 * m[i][j] + 0.5 * m[j][i] } }
      #expect(hessian(of: quadratic, at: x) == expected)
      // The gradient is Ax-ish: ((A + Aᵀ)/2)x + b, to rounding.
      let g = gradient(of: quadratic, at: x)
      for i in 0..<n {
        let e = (0..<n).reduce(b[i]) { $0 + expected[i][$1] * x[$1] }
        expectWithin(g[i], e, 1e-13)
      }
    }
  }

  @Test(
    "Rosenbrock's Hessian at several points against its closed form",
    arguments: [[-1.2, 1], [1, 1], [0, 0], [0.5, -0.3], [-2, 3], [1e3, -1e3]] as [[Double]])
  func rosenbrockClosedForm(_ p: [Double]) {
    let h = hessian(of: rosenbrock, at: p)
    let e = rosenbrockHessian(p[0], p[1])
    for i in 0..<2 {
      for j in 0..<2 { expectWithin(h[i][j], e[i][j], 1e-14) }
    }
    #expect(h[0][1] == h[1][0])
  }

  @Test("Hessian-vector products equal the Hessian times the vector", arguments: [2, 4, 7])
  func hessianVectorProducts(n: Int) {
    var rng = SeededGenerator(seed: 40 + UInt64(n))
    let x = (0..<n).map { _ in rng.nextUniform(in: -1, 1) }
    let h = hessian(of: smooth, at: x)
    for _ in 0..<3 {
      let v = (0..<n).map { _ in rng.nextUniform(in: -2, 2) }
      let hv = hessianVectorProduct(of: smooth, at: x, along: v)
      for i in 0..<n {
        let e = (0..<n).reduce(0.0) { $0 + h[i][$1] * v[$1] }
        expectWithin(hv[i], e, 1e-12)
      }
    }
    // The unit vectors give the columns, the same numbers as the rows.
    for j in 0..<n {
      let unit = (0..<n).map { $0 == j ? 1.0 : 0.0 }
      let column = hessianVectorProduct(of: smooth, at: x, along: unit)
      for i in 0..<n { expectWithin(column[i], h[i][j], 1e-13) }
    }
  }

  @Test("the Hessian is symmetric and each row passes a central-difference check of the gradient")
  func againstCentralDifferences() {
    let x = [0.3, -0.7, 1.1, 0.05]
    let h = hessian(of: smooth, at: x)
    for i in 0..<4 {
      for j in 0..<4 { #expect(h[i][j] == h[j][i]) }
      let report = checkGradient(of: { v in Value.gradients(of: smooth(v), withRespectTo: v)[i] }, at: x)
      #expect(report.passed, "\(report)")
      for j in 0..<4 { expectWithin(h[i][j], report.analytic[j], 1e-13) }
    }
  }

  @Test("gradient(of:at:) is backward()'s gradient, bit for bit")
  func gradientAtAPoint() {
    let x = [0.3, -0.7, 1.1]
    let viaBackward = Tape.scope { () -> [Double] in
      let v = x.map { Value($0) }
      smooth(v).backward()
      return v.map(\.grad)
    }
    #expect(gradient(of: smooth, at: x) == viaBackward)
    #expect(gradient(of: { _ in Value(3.0) }, at: [1, 2]) == [0, 0])
    #expect(gradient(of: { $0[0] }, at: [1, 2]) == [1, 0])
    #expect(gradient(of: { _ in Value(1.0) }, at: []) == [])
    #expect(hessian(of: { _ in Value(1.0) }, at: []) == [])
  }

  @Test("gradient(of:) returns a function whose gradients can be differentiated again")
  func gradientFunction() {
    let df = gradient(of: rosenbrock)
    Tape.scope {
      let v = [Value(-1.2), Value(1.0)]
      let g = df(v)
      let expected = gradient(of: rosenbrock, at: [-1.2, 1])
      #expect(g.map(\.data) == expected)
      let rows = g.map { Value.gradients(of: $0, withRespectTo: v).map(\.data) }
      let e = rosenbrockHessian(-1.2, 1)
      for i in 0..<2 { for j in 0..<2 { expectWithin(rows[i][j], e[i][j], 1e-14) } }
      // The third derivative ∂³f/∂x³ = 2400x.
      let fxx = Value.gradients(of: g[0], withRespectTo: v)[0]
      expectWithin(Value.gradients(of: fxx, withRespectTo: v)[0].data, 2400 * -1.2, 1e-14)
    }
  }

  @Test("on values: Value.hessian and Value.hessianVectorProduct of a model's loss")
  func onValues() {
    Tape().withCurrent {
      let w = [Value(0.5), Value(-0.25), Value(0.75)]
      let loss = Value.sum(
        [[1.0, 2.0], [-1.0, 0.5]].map { x in
          (Value.dot([w[0], w[1]], x) + w[2]).tanh().pow(2)
        })
      let h = Value.hessian(of: loss, withRespectTo: w)
      let viaFunction = hessian(
        of: { v in
          Value.sum(
            [[1.0, 2.0], [-1.0, 0.5]].map { x in (Value.dot([v[0], v[1]], x) + v[2]).tanh().pow(2) })
        }, at: [0.5, -0.25, 0.75])
      #expect(h == viaFunction)
      let v = [1.0, -2.0, 0.5]
      let hv = Value.hessianVectorProduct(of: loss, withRespectTo: w, along: v)
      for i in 0..<3 { expectWithin(hv[i], (0..<3).reduce(0.0) { $0 + h[i][$1] * v[$1] }) }
      #expect(Value.hessian(of: loss, withRespectTo: []) == [])
    }
  }

  @Test("nothing is left on the tape, and no grad changes, not even a captured parameter's")
  func leavesNothingBehind() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(0.8)
      w.grad = 7
      let count = tape.count
      let f: ([Value]) -> Value = { x in (w * x[0]).tanh() * x[1] }
      _ = hessian(of: f, at: [0.4, 2])
      _ = hessianVectorProduct(of: f, at: [0.4, 2], along: [1, 1])
      _ = gradient(of: f, at: [0.4, 2])
      let y = (w * w).exp()
      let after = tape.count
      _ = Value.hessian(of: y, withRespectTo: [w])
      _ = Value.hessianVectorProduct(of: y, withRespectTo: [w], along: [2])
      #expect(tape.count == after)
      #expect(after == count + 2)
      #expect(w.grad == 7)
    }
  }

  @Test("a vector of the wrong length stops the program")
  func wrongVectorLength() async {
    await #expect(processExitsWith: .failure) {
      _ = hessianVectorProduct(of: { $0[0] * $0[1] }, at: [1, 2], along: [1])
    }
  }

  @Test("a function returning a value of another tape stops the program")
  func otherTape() async {
    await #expect(processExitsWith: .failure) {
      let other = Tape().withCurrent { Value(1.0) }
      _ = hessian(of: { _ in other }, at: [1])
    }
  }
}
