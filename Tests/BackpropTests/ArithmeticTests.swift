import Backprop
import Testing

/// A constant operand that is a `Double` expression, not a literal, so the
/// `(Value, Double)` overloads are the ones tested.
private let k: Double = 2.5

@Suite("Value: arithmetic")
struct ArithmeticTests {
  // The derivatives of every op at ordinary points are checked from the op
  // database (OpDatabaseTests); these are signs, literals and edges.

  // MARK: Signs

  @Test("3 - a, 3 / a, a - 3 and a / 3 have the right signs (Double operand)")
  func signsWithDouble() {
    let three: Double = 3
    let a = Value(2)
    let y1 = three - a
    let y2 = three / a
    let y3 = a - three
    let y4 = a / three
    #expect(y1.data == 1)
    #expect(y2.data == 1.5)
    #expect(y3.data == -1)
    #expect(y4.data == 2.0 / 3.0)
    y1.backward()
    #expect(a.grad == -1)
    a.zeroGrad()
    y2.backward()
    #expect(a.grad == -0.75)
    a.zeroGrad()
    y3.backward()
    #expect(a.grad == 1)
    a.zeroGrad()
    y4.backward()
    #expect(a.grad == 1.0 / 3.0)
  }

  @Test("3 - a, 3 / a, a - 3 and a / 3 have the right signs (literal operand)")
  func signsWithLiteral() {
    let a = Value(2)
    let y1 = 3 - a
    let y2 = 3 / a
    let y3 = a - 3
    let y4 = a / 3
    #expect(y1.data == 1)
    #expect(y2.data == 1.5)
    #expect(y3.data == -1)
    #expect(y4.data == 2.0 / 3.0)
    y1.backward()
    #expect(a.grad == -1)
    a.zeroGrad()
    y2.backward()
    #expect(a.grad == -0.75)
    a.zeroGrad()
    y3.backward()
    #expect(a.grad == 1)
    a.zeroGrad()
    y4.backward()
    #expect(a.grad == 1.0 / 3.0)
  }

  @Test("a - b and a / b give b the negative gradient")
  func subtractAndDivideSigns() {
    let a = Value(6)
    let b = Value(2)
    (a - b).backward()
    #expect(a.grad == 1)
    #expect(b.grad == -1)
    a.zeroGrad()
    b.zeroGrad()
    (a / b).backward()
    #expect(a.grad == 0.5)
    #expect(b.grad == -1.5)  // −a/b²
  }

  @Test("prefix minus negates the value and the gradient")
  func negation() {
    let a = Value(1.25)
    let y = -a
    #expect(y.data == -1.25)
    y.backward(gradient: upstream)
    #expect(a.grad == -upstream)
  }

  // MARK: Literals

  @Test("integer and float literals make leaves")
  func literalsAreLeaves() {
    let x: Value = 3
    let y: Value = 2.5
    #expect(x.isLeaf)
    #expect(y.isLeaf)
    #expect(x.data == 3)
    #expect(y.data == 2.5)
    #expect(x.grad == 0)
    #expect(!(x * y).isLeaf)
  }

  @Test("a literal operand picks the Value overload and records a leaf")
  func literalOperandRecordsALeaf() {
    let c: Double = 2
    // x itself, then a leaf for the literal and the op node; a Double
    // variable is a constant of the op node.
    #expect(nodesRecorded { let x = Value(1.5); _ = x + 2 } == 3)
    #expect(nodesRecorded { let x = Value(1.5); _ = x + c } == 2)
    #expect(nodesRecorded { let x = Value(1.5); _ = 2 - x } == 3)
    #expect(nodesRecorded { let x = Value(1.5); _ = c - x } == 2)
    #expect(nodesRecorded { let x = Value(1.5); _ = x * 2 } == 3)
    #expect(nodesRecorded { let x = Value(1.5); _ = c * x } == 2)
    #expect(nodesRecorded { let x = Value(1.5); _ = 2 / x } == 3)
    #expect(nodesRecorded { let x = Value(1.5); _ = x / c } == 2)
  }

  /// The same op written with a literal operand and with a `Double` one.
  struct LiteralPair: Sendable, CustomTestStringConvertible {
    let name: String
    let literal: @Sendable (Value) -> Value
    let double: @Sendable (Value) -> Value
    var testDescription: String { name }
  }

  static let literalPairs = [
    LiteralPair(name: "x + 2", literal: { $0 + 2 }, double: { $0 + Double(2) }),
    LiteralPair(name: "2 + x", literal: { 2 + $0 }, double: { Double(2) + $0 }),
    LiteralPair(name: "x - 2", literal: { $0 - 2 }, double: { $0 - Double(2) }),
    LiteralPair(name: "2 - x", literal: { 2 - $0 }, double: { Double(2) - $0 }),
    LiteralPair(name: "x * 2", literal: { $0 * 2 }, double: { $0 * Double(2) }),
    LiteralPair(name: "2 * x", literal: { 2 * $0 }, double: { Double(2) * $0 }),
    LiteralPair(name: "x / 2", literal: { $0 / 2 }, double: { $0 / Double(2) }),
    LiteralPair(name: "2 / x", literal: { 2 / $0 }, double: { Double(2) / $0 }),
  ]

  @Test(
    "a literal and a Double operand give identical values and gradients",
    arguments: literalPairs, [-1.75, 0.3, 3])
  func literalMatchesDouble(_ pair: LiteralPair, _ x0: Double) {
    let x1 = Value(x0)
    let y1 = pair.literal(x1)
    y1.backward(gradient: upstream)
    let x2 = Value(x0)
    let y2 = pair.double(x2)
    y2.backward(gradient: upstream)
    #expect(y1.data == y2.data)
    #expect(x1.grad == x2.grad)
  }

  // MARK: Compound assignment

  @Test("compound assignment with a Value rebinds to a new node")
  func compoundAssignmentWithValue() {
    let x = Value(3)
    let r = Value(2)
    var a = x
    a += r
    var s = x
    s -= r
    var m = x
    m *= r
    var d = x
    d /= r
    for y in [a, s, m, d] {
      #expect(y.id != x.id)
      #expect(!y.isLeaf)
    }
    #expect(x.data == 3)
    #expect(x.isLeaf)
    #expect(a.data == 5)
    #expect(s.data == 1)
    #expect(m.data == 6)
    #expect(d.data == 1.5)
    let total = a + s + m + d
    total.backward()
    // ∂/∂x: 1 + 1 + r + 1/r; ∂/∂r: 1 − 1 + x − x/r².
    #expect(x.grad == 1 + 1 + 2 + 0.5)
    #expect(r.grad == 1 - 1 + 3 - 0.75)
  }

  @Test("compound assignment with a Double rebinds to a new node")
  func compoundAssignmentWithDouble() {
    let c: Double = 4
    let x = Value(3)
    var a = x
    a += c
    var s = x
    s -= c
    var m = x
    m *= c
    var d = x
    d /= c
    for y in [a, s, m, d] {
      #expect(y.id != x.id)
    }
    #expect(x.data == 3)
    #expect(a.data == 7)
    #expect(s.data == -1)
    #expect(m.data == 12)
    #expect(d.data == 0.75)
    (a + s + m + d).backward(gradient: 2)
    #expect(x.grad == 2 * (1 + 1 + 4 + 0.25))
  }

  @Test("repeated compound assignment builds a chain: x ← 2x + 1, three times")
  func compoundAssignmentChain() {
    let x = Value(0.5)
    var y = x
    for _ in 0..<3 {
      y *= 2
      y += 1
    }
    #expect(y.data == 11)  // ((0.5·2 + 1)·2 + 1)·2 + 1
    y.backward()
    #expect(x.grad == 8)
  }

  // MARK: Reuse

  @Test("reuse accumulates: a * a, a + a, a - a, a / a")
  func reuse() {
    let a = Value(-1.5)
    (a * a).backward()
    #expect(a.grad == -3)
    a.zeroGrad()
    (a + a).backward()
    #expect(a.grad == 2)
    a.zeroGrad()
    let z = a - a
    z.backward()
    #expect(z.data == 0)
    #expect(a.grad == 0)
    a.zeroGrad()
    let one = a / a
    one.backward()
    #expect(one.data == 1)
    #expect(a.grad == 0)
  }

  // MARK: Division by zero

  @Test("division by zero gives IEEE ±inf and NaN, with IEEE gradients, no trap")
  func divisionByZero() {
    let one = Value(1)
    let minusOne = Value(-1)
    let zero = Value(0)
    let negativeZero = Value(-0.0)

    let q = one / zero
    #expect(q.data == .infinity)
    q.backward()
    #expect(one.grad == .infinity)  // 1/b
    #expect(zero.grad == -.infinity)  // −a/b²

    #expect((minusOne / zero).data == -.infinity)
    #expect((one / negativeZero).data == -.infinity)

    let nan = zero / zero
    #expect(nan.data.isNaN)
    nan.backward()
    #expect(zero.grad.isNaN)
  }

  @Test("division by a zero constant and of a constant by zero: ±inf, no trap")
  func divisionByZeroWithConstants() {
    let zero: Double = 0
    let c: Double = 3
    let x = Value(2)
    let y = x / zero
    #expect(y.data == .infinity)
    y.backward(gradient: upstream)
    #expect(x.grad == .infinity)

    let z = Value(0)
    let w = c / z
    #expect(w.data == .infinity)
    w.backward(gradient: upstream)
    #expect(z.grad == -.infinity)  // −c/z²

    let n = Value(-0.0)
    #expect((c / n).data == -.infinity)
    #expect((zero / Value(0)).data.isNaN)
  }
}
