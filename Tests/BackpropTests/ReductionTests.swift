import Backprop
import Foundation
import Testing

@Suite("Value: sums, dot products, log-sum-exp and softmax")
struct ReductionTests {
  // MARK: Derivatives against central differences and the dual oracle

  /// Seeded random points: `count` values of `scale · N(0, 1)`.
  static func randomPoint(count: Int, scale: Double = 1, seed: UInt64) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in scale * rng.nextGaussian() }
  }

  // The derivatives of every reduction at several sizes are checked from the
  // op database (OpDatabaseTests); these are sizes 0 and 1, long vectors,
  // reuse, and logits of every scale.

  // MARK: sum

  @Test("the sum of no values is 0")
  func emptySum() {
    let s = Value.sum([])
    #expect(s.data == 0)
    s.backward(gradient: upstream)
    #expect([Value]().sum().data == 0)
  }

  @Test("the sum of one value is that value, with its gradient")
  func sumOfOne() {
    let x = Value(-4.25)
    let s = [x].sum()
    #expect(s.data == -4.25)
    s.backward(gradient: upstream)
    #expect(x.grad == upstream)
  }

  @Test("the sum of 1,000 values: left to right, every gradient exactly the upstream one")
  func sumOfMany() {
    var rng = SeededGenerator(seed: 11)
    let numbers = (0..<1000).map { _ in rng.nextUniform(in: -10, 10) }
    let xs = numbers.map { Value($0) }
    let s = Value.sum(xs)
    var expected = 0.0
    for x in numbers { expected += x }
    #expect(s.data == expected)
    #expect(xs.sum().data == expected)
    s.backward(gradient: upstream)
    #expect(xs.allSatisfy { $0.grad == upstream })
  }

  @Test("a repeated operand receives every contribution")
  func sumWithRepeats() {
    let a = Value(2)
    let b = Value(-5)
    let s = Value.sum([a, a, b, a])
    #expect(s.data == 1)
    s.backward(gradient: upstream)
    #expect(a.grad == 3 * upstream)
    #expect(b.grad == upstream)
  }

  // MARK: dot

  @Test("the dot product of empty vectors is 0")
  func emptyDot() {
    let d = Value.dot([], [] as [Value])
    #expect(d.data == 0)
    d.backward()
    let e = Value.dot([], [] as [Double])
    #expect(e.data == 0)
    e.backward()
  }

  @Test("the dot product of vectors of length one is a product")
  func dotOfOne() {
    let a = Value(3)
    let b = Value(-0.5)
    let d = Value.dot([a], [b])
    #expect(d.data == -1.5)
    d.backward(gradient: upstream)
    #expect(a.grad == upstream * -0.5)
    #expect(b.grad == upstream * 3)

    let x = Value(7)
    let e = Value.dot([x], [0.25])
    #expect(e.data == 1.75)
    e.backward(gradient: upstream)
    #expect(x.grad == upstream * 0.25)
  }

  @Test("the dot product of 1,000 values: left to right, exact gradients")
  func dotOfMany() {
    var rng = SeededGenerator(seed: 12)
    let n = 1000
    let an = (0..<n).map { _ in rng.nextGaussian() }
    let bn = (0..<n).map { _ in rng.nextGaussian() }
    let cn = (0..<n).map { _ in rng.nextUniform(in: -3, 3) }
    let a = an.map { Value($0) }
    let b = bn.map { Value($0) }
    let x = an.map { Value($0) }

    let d = Value.dot(a, b)
    var expected = 0.0
    for k in 0..<n { expected += an[k] * bn[k] }
    #expect(d.data == expected)
    d.backward(gradient: upstream)
    #expect((0..<n).allSatisfy { a[$0].grad == upstream * bn[$0] })
    #expect((0..<n).allSatisfy { b[$0].grad == upstream * an[$0] })

    let e = Value.dot(x, cn)
    var expectedConstant = 0.0
    for k in 0..<n { expectedConstant += an[k] * cn[k] }
    #expect(e.data == expectedConstant)
    e.backward(gradient: upstream)
    #expect((0..<n).allSatisfy { x[$0].grad == upstream * cn[$0] })
  }

  @Test("dot([a, a], [a, b]) = a² + ab gives a 2a + b and b a")
  func dotWithReuse() {
    let a = Value(1.5)
    let b = Value(-4)
    let d = Value.dot([a, a], [a, b])
    #expect(d.data == 1.5 * 1.5 + 1.5 * -4)
    d.backward(gradient: upstream)
    #expect(a.grad == upstream * (2 * 1.5 - 4))
    #expect(b.grad == upstream * 1.5)
  }

  @Test("dot(x, x) gives each xᵢ 2xᵢ; dot([a, a], [2, 3]) gives a 5")
  func dotWithItself() {
    let x = [Value(0.5), Value(-2), Value(3)]
    let d = Value.dot(x, x)
    #expect(d.data == 0.25 + 4 + 9)
    d.backward()
    #expect(x.map(\.grad) == [1, -4, 6])

    let a = Value(-1)
    let e = Value.dot([a, a], [2, 3])
    #expect(e.data == -5)
    e.backward(gradient: upstream)
    #expect(a.grad == upstream * 5)
  }

  // MARK: logSumExp and softmax

  @Test(
    "logSumExp's gradient equals the softmax", arguments: [1.0, 30, 1e4],
    [1, 2, 7, 50])
  func logSumExpGradientIsSoftmax(_ scale: Double, _ n: Int) {
    let x = Self.randomPoint(count: n, scale: scale, seed: UInt64(n) &* 31)
    let values = x.map { Value($0) }
    let lse = Value.logSumExp(values)
    lse.backward(gradient: upstream)
    let p = Value.softmax(values)
    for i in 0..<n {
      expectClose(values[i].grad, upstream * p[i].data, tolerance: 1e-14)
    }
  }

  @Test(
    "softmax sums to 1 and is finite for logits of any scale",
    arguments: [1e-3, 1, 100, 1e4, 1e8], [1, 3, 100])
  func softmaxSumsToOne(_ scale: Double, _ n: Int) {
    let x = Self.randomPoint(count: n, scale: scale, seed: 77 &+ UInt64(n))
    let p = Value.softmax(x.map { Value($0) })
    #expect(p.count == n)
    #expect(p.allSatisfy { $0.data.isFinite && $0.data >= 0 && $0.data <= 1 })
    var total = 0.0
    for q in p { total += q.data }
    // Each pᵢ = exp(xᵢ − lse) inherits the rounding of lse, half an ulp of
    // the largest logit, and the sum adds one rounding per term.
    let largest = x.map { Swift.abs($0) }.max() ?? 0
    #expect(Swift.abs(total - 1) <= Double(n) * 1e-15 + largest.ulp)
  }

  @Test(
    "equal logits give a uniform softmax and gradient, at any magnitude",
    arguments: [0, 1, -1000, 1000, 1e15, 1e17, 1e308, -1e308], [2, 3])
  func equalLogits(_ logit: Double, _ n: Int) {
    let values = (0..<n).map { _ in Value(logit) }
    let lse = Value.logSumExp(values)
    #expect(lse.data.isFinite)
    expectClose(lse.data, logit + log(Double(n)), tolerance: 1e-15)
    lse.backward(gradient: upstream)
    for v in values {
      expectClose(v.grad, upstream / Double(n), tolerance: 1e-12)
    }
    let p = Value.softmax(values)
    for q in p {
      expectClose(q.data, 1 / Double(n), tolerance: 1e-12)
    }
  }

  @Test("logits [1000, 0, −1000]: exact log-sum-exp, softmax [1, 0, 0]")
  func wideLogits() {
    let x = [Value(1000), Value(0), Value(-1000)]
    let lse = Value.logSumExp(x)
    #expect(lse.data == 1000)
    lse.backward(gradient: upstream)
    #expect(x.map(\.grad) == [upstream, 0, 0])
    #expect(Value.softmax(x).map(\.data) == [1, 0, 0])
  }

  @Test("logits [−1000, −1000]: finite log-sum-exp, softmax ½, ½")
  func tinyLogits() {
    let x = [Value(-1000), Value(-1000)]
    let lse = Value.logSumExp(x)
    expectClose(lse.data, -1000 + log(2.0), tolerance: 1e-15)
    lse.backward(gradient: upstream)
    // exp(xᵢ − lse) inherits the rounding of lse: about 1e-13 relative here.
    for v in x { expectClose(v.grad, upstream / 2, tolerance: 1e-12) }
    for p in Value.softmax(x) { expectClose(p.data, 0.5, tolerance: 1e-12) }
  }

  @Test("logits [1e308, 1e308]: no overflow, softmax ½, ½ and sums to 1")
  func hugeLogits() {
    let x = [Value(1e308), Value(1e308)]
    let lse = Value.logSumExp(x)
    #expect(lse.data == 1e308)  // 1e308 + log 2 rounds to 1e308
    lse.backward(gradient: upstream)
    #expect(x.map(\.grad) == [upstream / 2, upstream / 2])
    let p = Value.softmax(x)
    #expect(p.map(\.data) == [0.5, 0.5])
    #expect(p[0].data + p[1].data == 1)
  }

  @Test("logits [1e308, −1e308]: softmax [1, 0]")
  func oppositeHugeLogits() {
    let x = [Value(1e308), Value(-1e308)]
    let lse = Value.logSumExp(x)
    #expect(lse.data == 1e308)
    lse.backward(gradient: upstream)
    #expect(x.map(\.grad) == [upstream, 0])
    #expect(Value.softmax(x).map(\.data) == [1, 0])
  }

  @Test("softmax's gradient: a weighted sum of the probabilities")
  func softmaxGradient() {
    let x = [Value(0.3), Value(-1.2), Value(2)]
    let w: [Double] = [1, -2, 0.5]
    let p = Value.softmax(x)
    Value.dot(p, w).backward(gradient: upstream)
    let q = p.map(\.data)
    var mean = 0.0
    for i in 0..<3 { mean += q[i] * w[i] }
    for i in 0..<3 {
      // ∂(Σ wⱼpⱼ)/∂xᵢ = pᵢ(wᵢ − Σ wⱼpⱼ)
      expectClose(x[i].grad, upstream * q[i] * (w[i] - mean), tolerance: 1e-13)
    }
  }

  @Test("logSumExp of one value is the value, with the whole gradient")
  func logSumExpOfOne() {
    let x = Value(-3.5)
    let y = Value.logSumExp([x])
    #expect(y.data == -3.5)
    y.backward(gradient: upstream)
    #expect(x.grad == upstream)
    #expect(Value.softmax([Value(42)]).map(\.data) == [1])
  }

  @Test("logSumExp of [+inf, 0] is +inf, with the gradient on the +inf entry")
  func logSumExpOfInfinity() {
    let x = [Value(.infinity), Value(0)]
    let y = Value.logSumExp(x)
    #expect(y.data == .infinity)
    y.backward(gradient: upstream)
    #expect(x[0].grad == upstream)
    #expect(x[1].grad == 0)

    let two = [Value(.infinity), Value(1), Value(.infinity)]
    Value.logSumExp(two).backward(gradient: upstream)
    #expect(two.map(\.grad) == [upstream / 2, 0, upstream / 2])
  }

  @Test("logSumExp of all −inf is −inf, with the gradient shared evenly")
  func logSumExpOfMinusInfinity() {
    let x = [Value(-.infinity), Value(-.infinity)]
    let y = Value.logSumExp(x)
    #expect(y.data == -.infinity)
    y.backward(gradient: upstream)
    #expect(x.map(\.grad) == [upstream / 2, upstream / 2])
  }

  @Test("logSumExp of nothing is −inf; softmax of nothing is empty")
  func logSumExpOfNothing() {
    let y = Value.logSumExp([])
    #expect(y.data == -.infinity)
    y.backward()
    #expect(Value.softmax([]).isEmpty)
  }

  @Test(
    "NaN in a logit gives NaN out",
    arguments: [[Double.nan], [1, .nan, 2], [.nan, .infinity], [-.infinity, .nan]])
  func logSumExpOfNaN(_ logits: [Double]) {
    let x = logits.map { Value($0) }
    let y = Value.logSumExp(x)
    #expect(y.data.isNaN)
    y.backward()
    #expect(x.allSatisfy { $0.grad.isNaN })
    let p = Value.softmax(logits.map { Value($0) })
    #expect(p.allSatisfy { $0.data.isNaN })
  }
}
