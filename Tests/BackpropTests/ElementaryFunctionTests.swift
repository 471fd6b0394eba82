import Foundation
import Testing

@testable import Backprop

@Suite("Value: elementary functions")
struct ElementaryFunctionTests {
  // The derivatives of every function at ordinary points, kinks and limits
  // (pow at 0) are checked from the op database (OpDatabaseTests); these
  // are the edges it does not state.

  // MARK: pow: the exponent's gradient and the limits at 0

  @Test("a Value exponent receives its gradient x^y · log x")
  func exponentReceivesGradient() {
    let x = Value(2)
    let y = Value(3)
    let z = x.pow(y)
    #expect(z.data == 8)
    z.backward(gradient: upstream)
    #expect(x.grad == upstream * 12)  // y·x^(y−1)
    expectClose(y.grad, upstream * 8 * log(2.0))
  }

  @Test("a literal exponent picks pow(Double) and records no leaf")
  func literalExponentRecordsNoLeaf() {
    #expect(nodesRecorded { _ = Value(1.5).pow(2) } == 2)
    #expect(nodesRecorded { _ = Value(1.5).pow(Value(2)) } == 3)
  }

  @Test(
    "d(x⁰)/dx = 0 everywhere, also at 0 and ±inf",
    arguments: [-3, -0.0, 0, 1e-300, 2, Double.infinity, -Double.infinity])
  func zerothPower(_ x0: Double) {
    let x = Value(x0)
    let y = x.pow(0)
    #expect(y.data == 1)
    y.backward(gradient: upstream)
    #expect(x.grad == 0)
  }

  @Test("pow(Value) with a negative base: the exponent's gradient is NaN")
  func negativeBase() {
    let x = Value(-2)
    let p = Value(2)
    let y = x.pow(p)
    #expect(y.data == 4)
    y.backward(gradient: upstream)
    #expect(x.grad == upstream * -4)
    #expect(p.grad.isNaN)

    let u = Value(-2)
    let q = Value(3)
    let v = u.pow(q)
    #expect(v.data == -8)
    v.backward(gradient: upstream)
    #expect(u.grad == upstream * 12)
    #expect(q.grad.isNaN)

    let w = Value(-8).pow(Value(1.0 / 3))
    #expect(w.data.isNaN)  // as libm's pow
  }

  @Test("pow(Double) of a negative base with a non-integer power is NaN")
  func negativeBaseFractionalPower() {
    let x = Value(-4)
    let y = x.pow(0.5)
    #expect(y.data.isNaN)
    y.backward()
    #expect(x.grad.isNaN)
  }

  // MARK: exp, log, sqrt at the edges

  @Test("exp overflows to +inf with gradient +inf, without trapping")
  func expOverflow() {
    let x = Value(710)
    let y = x.exp()
    #expect(y.data == .infinity)
    y.backward(gradient: upstream)
    #expect(x.grad == .infinity)

    let big = Value(709)
    let e = big.exp()
    #expect(e.data.isFinite)
    e.backward()
    #expect(big.grad == e.data)

    let small = Value(-1000)
    let s = small.exp()
    #expect(s.data == 0)
    s.backward(gradient: upstream)
    #expect(small.grad == 0)

    #expect(Value(-.infinity).exp().data == 0)
  }

  @Test("log(0) = −inf with gradient +inf; log of a negative number is NaN")
  func logEdges() {
    let x = Value(0)
    let y = x.log()
    #expect(y.data == -.infinity)
    y.backward(gradient: upstream)
    #expect(x.grad == .infinity)

    let n = Value(-1)
    let z = n.log()
    #expect(z.data.isNaN)
    #expect(Value(1).log().data == 0)
    #expect(Value(.infinity).log().data == .infinity)
  }

  @Test("sqrt(0) = 0 with gradient +inf; sqrt of a negative number is NaN")
  func sqrtEdges() {
    let x = Value(0)
    let y = x.sqrt()
    #expect(y.data == 0)
    y.backward(gradient: upstream)
    #expect(x.grad == .infinity)

    let n = Value(-1)
    let z = n.sqrt()
    #expect(z.data.isNaN)
    z.backward()
    #expect(n.grad.isNaN)
  }

  // MARK: abs

  @Test("abs'(0) = 0 (PyTorch's choice), for +0 and −0")
  func absAtZero() {
    for x0 in [0.0, -0.0] {
      let x = Value(x0)
      let y = x.abs()
      #expect(y.data == 0)
      #expect(y.data.sign == .plus)
      y.backward(gradient: upstream)
      #expect(x.grad == 0)
    }
  }

  @Test("abs passes ±1 times the upstream gradient elsewhere, also at ±inf")
  func absSign() {
    let a = Value(-1e-300)
    let b = Value(.infinity)
    let c = Value(-.infinity)
    (a.abs() + b.abs() + c.abs()).backward(gradient: upstream)
    #expect(a.grad == -upstream)
    #expect(b.grad == upstream)
    #expect(c.grad == -upstream)
  }

  // MARK: tanh, sigmoid, softplus at the extremes

  @Test(
    "tanh is exactly ±1 at large |x| with gradient 0 (no overflow above 355)",
    arguments: [356.0, 400, 709, 710, 1000, 1e300, .infinity])
  func tanhExtremes(_ x0: Double) {
    for sign in [1.0, -1.0] {
      let x = Value(sign * x0)
      let y = x.tanh()
      #expect(y.data == sign)
      y.backward(gradient: upstream)
      #expect(x.grad == 0)
    }
  }

  @Test(
    "sigmoid is exactly 1 at large x, tiny and ≥ 0 at large −x, gradients finite and ≥ 0",
    arguments: [40.0, 710, 1000, 1e300, .infinity])
  func sigmoidExtremes(_ x0: Double) {
    let p = Value(x0)
    let one = p.sigmoid()
    #expect(one.data == 1)
    one.backward(gradient: upstream)
    #expect(p.grad.isFinite)
    #expect(p.grad >= 0)

    let n = Value(-x0)
    let zero = n.sigmoid()
    #expect(zero.data >= 0)
    #expect(zero.data < 1e-17)
    zero.backward(gradient: upstream)
    #expect(n.grad.isFinite)
    #expect(n.grad >= 0)
  }

  @Test("sigmoid and tanh at ±1000 exactly: 1, 0, ±1, gradients 0")
  func sigmoidAndTanhAtThousand() {
    let values = [Value(1000), Value(-1000)]
    let s = values.map { $0.sigmoid() }
    let t = values.map { $0.tanh() }
    #expect(s[0].data == 1)
    #expect(s[1].data == 0)
    #expect(t[0].data == 1)
    #expect(t[1].data == -1)
    Value.sum(s + t).backward(gradient: upstream)
    #expect(values[0].grad == 0)
    #expect(values[1].grad == 0)
  }

  @Test("sigmoid(0) = ½ with derivative ¼; tanh(0) = 0 with derivative 1")
  func atZero() {
    let x = Value(0)
    let s = x.sigmoid()
    #expect(s.data == 0.5)
    s.backward()
    #expect(x.grad == 0.25)
    let y = Value(0)
    let t = y.tanh()
    #expect(t.data == 0)
    t.backward()
    #expect(y.grad == 1)
  }

  @Test("softplus(1000) = 1000 with gradient 1; softplus(−1000) is tiny and ≥ 0")
  func softplusExtremes() {
    let x = Value(1000)
    let y = x.softplus()
    #expect(y.data == 1000)
    y.backward(gradient: upstream)
    #expect(x.grad == upstream)

    let n = Value(-1000)
    let z = n.softplus()
    #expect(z.data >= 0)
    #expect(z.data < 1e-300)
    z.backward(gradient: upstream)
    #expect(n.grad.isFinite)
    #expect(n.grad >= 0)
    #expect(n.grad < 1e-300)
  }

  @Test("softplus is linear above a threshold", arguments: [40.0, 100, 1e10, 1e300])
  func softplusLinear(_ x0: Double) {
    let x = Value(x0)
    let y = x.softplus()
    #expect(y.data == x0)
    y.backward()
    #expect(x.grad == 1)
  }

  @Test("softplus(0) = log 2, and softplus(±inf) = inf, 0")
  func softplusSpecialPoints() {
    let x = Value(0)
    let y = x.softplus()
    expectClose(y.data, log(2.0), tolerance: 1e-15)
    y.backward()
    #expect(x.grad == 0.5)
    #expect(Value(.infinity).softplus().data == .infinity)
    #expect(Value(-.infinity).softplus().data == 0)
  }

  // MARK: NaN

  /// The functions whose derivative depends on x, so NaN gives a NaN gradient.
  static let nanOps = OpDatabase.entries.filter { op in
    [OpCode.exp, .log, .sqrt, .abs, .tanh, .sigmoid, .softplus].contains(op.opCode)
      || ["x.pow(2.0)", "x.pow(0.5)"].contains(op.name)
  }

  @Test("NaN in gives NaN out, and a NaN gradient", arguments: nanOps)
  func nanPropagates(_ op: OpInfo) {
    let x = Value(.nan)
    let y = op.value([x])
    #expect(y.data.isNaN)
    y.backward()
    #expect(x.grad.isNaN)
  }
}
