import Backprop
import Testing

@Suite("Value: activations, maximum and minimum")
struct ActivationTests {
  // The derivatives of every activation at ordinary points and at its kink
  // (relu′(0) = 0 for ±0, leakyReLU and elu take their left branch, step′ =
  // 0, ties of maximum and minimum split ½ each) are checked from the op
  // database (OpDatabaseTests); these are the edges it does not state.

  // MARK: relu

  @Test("relu(NaN) is NaN, not 0")
  func reluOfNaN() {
    let x = Value(.nan)
    let y = x.relu()
    #expect(y.data.isNaN)
    y.backward()
    #expect(x.grad.isNaN)
  }

  @Test(
    "relu's backward is a select: x ≤ 0 gets exactly 0 even from an inf or NaN upstream",
    arguments: [-3, -1e-300, -0.0, 0, -Double.infinity], [Double.infinity, -.infinity, .nan])
  func reluSelectsFromBackwardSeed(_ x0: Double, _ seed: Double) {
    let x = Value(x0)
    x.relu().backward(gradient: seed)
    #expect(x.grad == 0)
  }

  @Test(
    "relu's backward is a select: an inf or NaN upstream built by a product",
    arguments: [Double.infinity, -.infinity, .nan])
  func reluSelectsFromProduct(_ factor: Double) {
    let x = Value(-2)
    let y = x.relu()
    let big = Value(factor)
    let z = y * big  // y's upstream gradient is `factor`
    z.backward()
    #expect(y.grad.isNaN || y.grad.isInfinite)
    #expect(x.grad == 0)
    #expect(big.grad == 0)  // y = 0
  }

  @Test("relu passes an inf upstream through for x > 0")
  func reluPassesInfinity() {
    let x = Value(1e-300)
    let y = x.relu()
    (y * Value(.infinity)).backward()
    #expect(x.grad == .infinity)
  }

  // MARK: leakyReLU and elu

  @Test("leakyReLU'(0) = slope, and leakyReLU(0) = 0", arguments: [0.01, 0.2, 1.5, -0.5])
  func leakyReLUAtZero(_ slope: Double) {
    let x = Value(0)
    let y = x.leakyReLU(slope: slope)
    #expect(y.data == 0)
    y.backward(gradient: upstream)
    #expect(x.grad == upstream * slope)
  }

  @Test("leakyReLU's default slope is 0.01")
  func leakyReLUDefault() {
    let x = Value(-2)
    let y = x.leakyReLU()
    #expect(y.data == -0.02)
    y.backward()
    #expect(x.grad == 0.01)
    let z = Value(0)
    z.leakyReLU().backward()
    #expect(z.grad == 0.01)
    let p = Value(3)
    let q = p.leakyReLU(slope: 0.1)
    #expect(q.data == 3)
    q.backward()
    #expect(p.grad == 1)
  }

  @Test("elu'(0) = alpha, and elu(0) = 0", arguments: [1.0, 0.5, 2, 0.01])
  func eluAtZero(_ alpha: Double) {
    let x = Value(0)
    let y = x.elu(alpha: alpha)
    #expect(y.data == 0)
    y.backward(gradient: upstream)
    #expect(x.grad == upstream * alpha)
  }

  @Test("elu saturates at −alpha with gradient 0", arguments: [1.0, 0.5, 2])
  func eluSaturates(_ alpha: Double) {
    let x = Value(-1000)
    let y = x.elu(alpha: alpha)
    #expect(y.data == -alpha)
    y.backward(gradient: upstream)
    #expect(x.grad == 0)
    let d = Value(0)
    d.elu().backward()
    #expect(d.grad == 1)  // the default alpha
  }

  // MARK: step

  @Test(
    "step is 1 for x ≥ 0 (−0 included) and 0 below",
    arguments: [
      (0.0, 1.0), (-0.0, 1), (1e-300, 1), (5, 1), (.infinity, 1),
      (-1e-300, 0), (-2, 0), (-.infinity, 0),
    ])
  func stepValues(_ x0: Double, _ expected: Double) {
    #expect(Value(x0).step().data == expected)
  }

  @Test(
    "step's derivative is 0 everywhere, also at 0 and with an inf or NaN upstream",
    arguments: [-2, -1e-300, -0.0, 0, 1e-300, 5], [upstream, .infinity, .nan])
  func stepHasNoGradient(_ x0: Double, _ seed: Double) {
    let x = Value(x0)
    x.step().backward(gradient: seed)
    #expect(x.grad == 0)
  }

  @Test("step(NaN) is NaN")
  func stepOfNaN() {
    #expect(Value(.nan).step().data.isNaN)
  }

  // MARK: maximum and minimum

  @Test("maximum and minimum pick the right operand and send it the gradient")
  func extremaPick() {
    let a = Value(3)
    let b = Value(-1)
    let m = Value.maximum(a, b)
    let n = Value.minimum(a, b)
    #expect(m.data == 3)
    #expect(n.data == -1)
    m.backward(gradient: upstream)
    #expect(a.grad == upstream)
    #expect(b.grad == 0)
    a.zeroGrad()
    n.backward(gradient: upstream)
    #expect(a.grad == 0)
    #expect(b.grad == upstream)
  }

  @Test(
    "ties split the gradient ½/½",
    arguments: [(1.5, 1.5), (0, 0), (0, -0.0), (-2, -2), (.infinity, .infinity)])
  func tiesSplit(_ a0: Double, _ b0: Double) {
    let a = Value(a0)
    let b = Value(b0)
    Value.maximum(a, b).backward(gradient: upstream)
    #expect(a.grad == upstream / 2)
    #expect(b.grad == upstream / 2)
    a.zeroGrad()
    b.zeroGrad()
    Value.minimum(a, b).backward(gradient: upstream)
    #expect(a.grad == upstream / 2)
    #expect(b.grad == upstream / 2)
  }

  @Test("maximum(a, a) and minimum(a, a) give a the whole gradient")
  func extremumOfItself() {
    let a = Value(0.7)
    let m = Value.maximum(a, a)
    #expect(m.data == 0.7)
    m.backward(gradient: upstream)
    #expect(a.grad == upstream)
    a.zeroGrad()
    Value.minimum(a, a).backward(gradient: upstream)
    #expect(a.grad == upstream)
  }

  @Test("maximum and minimum are NaN if either operand is NaN")
  func extremaWithNaN() {
    let n = Value(.nan)
    let one = Value(1)
    #expect(Value.maximum(n, one).data.isNaN)
    #expect(Value.maximum(one, n).data.isNaN)
    #expect(Value.minimum(n, one).data.isNaN)
    #expect(Value.minimum(one, n).data.isNaN)
  }
}
