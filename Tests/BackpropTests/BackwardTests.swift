// Tests of `backward()`: reuse, accumulation across calls, zeroing, leaves and interior nodes,
// signs, control flow (skipping and the randomized oracle are in BackwardTests+*.swift).
//
// Every test records on a fresh tape made current with `withCurrent`.

import Backprop
import Foundation
import Testing

@Suite("Backward")
struct BackwardTests {
  // MARK: - Reuse

  @Test func valueAddedToItself() {
    Tape().withCurrent {
      let a = Value(3.0)
      let y = a + a
      y.backward()
      #expect(y.data == 6)
      #expect(a.grad == 2)
    }
  }

  @Test func valueMultipliedByItself() {
    Tape().withCurrent {
      let a = Value(3.0)
      let y = a * a
      y.backward()
      #expect(y.data == 9)
      #expect(a.grad == 6)
    }
  }

  /// h = a·b, y = h·(h + 1): ∂y/∂h = 2h + 1 = 13 at a = 2, b = 3, so
  /// ∂y/∂a = 13·b = 39 and ∂y/∂b = 13·a = 26.
  @Test func diamond() {
    Tape().withCurrent {
      let a = Value(2.0)
      let b = Value(3.0)
      let h = a * b
      let y = h * (h + 1)
      y.backward()
      #expect(y.data == 42)
      #expect(h.grad == 13)
      #expect(a.grad == 39)
      #expect(b.grad == 26)
    }
  }

  @Test func valueSharedByManyPaths() {
    Tape().withCurrent {
      let x = Value(0.5)
      // Σₖ k·x for k = 1…1000: ∂/∂x = 500,500.
      let y = Value.sum((1...1_000).map { x * Double($0) })
      y.backward()
      #expect(x.grad == 500_500)

      let z = Value(0.25)
      var chain = z
      for _ in 0..<1_000 { chain = chain + z }
      chain.backward()
      #expect(z.grad == 1_001)

      let u = Value(1.5)
      let v = Value(-2.0)
      let repeated = Value.sum([u, u, v, u])
      repeated.backward()
      #expect(u.grad == 3)
      #expect(v.grad == 1)

      // x·x + x·v with x appearing three times: ∂/∂x = 2x + v, ∂/∂v = x.
      let p = Value(1.25)
      let q = Value(-0.5)
      let d = Value.dot([p, p], [p, q])
      d.backward()
      #expect(p.grad == 2 * 1.25 - 0.5)
      #expect(q.grad == 1.25)
    }
  }

  /// A parameter shared by two "neurons" receives the sum of both paths.
  @Test func parameterSharedByTwoNeurons() {
    Tape().withCurrent {
      let w = Value(0.3)
      let x1 = Value(1.5)
      let x2 = Value(-2.0)
      let n1 = (w * x1).tanh()
      let n2 = (w * x2).tanh()
      let y = n1 + n2
      y.backward()
      let t1 = Foundation.tanh(0.3 * 1.5)
      let t2 = Foundation.tanh(0.3 * -2.0)
      let expected = (1 - t1 * t1) * 1.5 + (1 - t2 * t2) * -2.0
      #expect(Swift.abs(w.grad - expected) <= 1e-15)
    }
  }

  // MARK: - Accumulation across calls

  @Test func secondBackwardDoublesLeafGradientsExactly() {
    Tape().withCurrent {
      let a = Value(2.0)
      let b = Value(-3.0)
      let h = a * b
      let y = h * (h + a)
      y.backward()
      let once = (a.grad, b.grad)
      // ∂y/∂a = (2h + a)·b + h = 24 and ∂y/∂b = (2h + a)·a = −20 at h = −6.
      #expect(once == (24, -20))
      y.backward()
      #expect(a.grad == 2 * once.0)
      #expect(b.grad == 2 * once.1)
      y.backward()
      #expect(a.grad == 3 * once.0)
      #expect(b.grad == 3 * once.1)
    }
  }

  @Test(arguments: [1.0, 2.5, -0.75])
  func secondBackwardDoublesLeafGradients(seed: Double) {
    Tape().withCurrent {
      let xs = [0.3, -1.1, 0.7].map { Value($0) }
      let y = (xs[0] * xs[1] + xs[2].tanh()).sigmoid() * xs[0] + Value.dot(xs, xs)
      y.backward(gradient: seed)
      let once = xs.map(\.grad)
      y.backward(gradient: seed)
      for (x, g) in zip(xs, once) {
        #expect(g != 0)
        #expect(Swift.abs(x.grad - 2 * g) <= 1e-14 * Swift.max(1, Swift.abs(g)))
      }
    }
  }

  @Test func upstreamGradientScalesEveryGradient() {
    let expressions: [([Value]) -> Value] = [
      { x in (x[0] * x[1] + x[0].pow(2)).tanh() / 2 - 1 },
      { x in Value.sum(x.map { $0.sigmoid() }) * x[1] - x[2] },
    ]
    for f in expressions {
      let (unit, scaled) = Tape().withCurrent { () -> ([Double], [Double]) in
        let x = [2.0, -3.0, 0.5].map { Value($0) }
        let y = f(x)
        y.backward()
        let unit = x.map(\.grad)
        Tape.current.zeroGrad()
        y.backward(gradient: 2.0)
        return (unit, x.map(\.grad))
      }
      // Doubling is exact in binary floating point.
      #expect(scaled == unit.map { 2 * $0 })
    }
  }

  // MARK: - Zeroing

  /// The graph used by the zeroing tests: reuse, a diamond, n-ary nodes.
  static func zeroingGraph(_ x: [Value]) -> Value {
    let h = x[0] * x[1]
    let s = Value.sum([h, x[2], h.tanh()])
    return (s * s + Value.dot([x[0], x[1]], [x[2], x[0]])).sigmoid() + h / x[2]
  }

  static let zeroingPoint = [0.75, -1.25, 0.5]

  /// Gradients of `zeroingGraph` on a tape that has seen nothing else.
  static func freshGradients() -> [Double] {
    Tape().withCurrent {
      let x = zeroingPoint.map { Value($0) }
      zeroingGraph(x).backward()
      return x.map(\.grad)
    }
  }

  enum ZeroingMethod: String, CaseIterable, Sendable {
    case eachValue, tape, tapeWithValues
  }

  @Test(arguments: ZeroingMethod.allCases)
  func afterZeroingGradientsAreBitIdenticalToAFreshGraph(method: ZeroingMethod) {
    let fresh = Self.freshGradients()
    let tape = Tape()
    tape.withCurrent {
      let x = Self.zeroingPoint.map { Value($0) }
      let y = Self.zeroingGraph(x)
      y.backward()
      y.backward(gradient: 3)
      switch method {
      case .eachValue: x.forEach { $0.zeroGrad() }
      case .tape: tape.zeroGrad()
      case .tapeWithValues: tape.zeroGrad(x)
      }
      #expect(x.allSatisfy { $0.grad == 0 })
      y.backward()
      #expect(x.map(\.grad) == fresh)
    }
  }

  @Test func tapeZeroGradZeroesInteriorNodesToo() {
    Tape().withCurrent {
      let a = Value(2.0)
      let h = a * a
      let y = h.tanh()
      y.backward()
      #expect(h.grad != 0 && y.grad == 1)
      Tape.current.zeroGrad()
      #expect(a.grad == 0 && h.grad == 0 && y.grad == 0)
    }
  }

  // MARK: - Leaves and interior nodes

  @Test func backwardOnALeafAddsToItsGradientOnly() {
    let tape = Tape()
    tape.withCurrent {
      let a = Value(2.0)
      let b = Value(5.0)
      let y = a * b
      y.backward()
      #expect(a.grad == 5 && b.grad == 2 && y.grad == 1)
      let count = tape.count
      a.backward()
      #expect(a.grad == 6)
      #expect(b.grad == 2)
      #expect(y.grad == 1)
      a.backward(gradient: 2.5)
      #expect(a.grad == 8.5)
      #expect(b.grad == 2)
      #expect(y.grad == 1)
      #expect(tape.count == count)
      let lonely = Value(7.0)
      lonely.backward()
      #expect(lonely.grad == 1)
      #expect(a.grad == 8.5)
    }
  }

  @Test func interiorNodesHoldTheMostRecentSweep() {
    Tape().withCurrent {
      let a = Value(2.0)
      let h = a * a  // 4
      let y = h * 3.0  // 12
      let unrelated = h + 1.0  // never reached from y
      y.backward()
      #expect(y.grad == 1 && h.grad == 3 && a.grad == 12)
      y.backward()
      // The leaf accumulates; the interior nodes hold one sweep's gradient.
      #expect(y.grad == 1 && h.grad == 3 && a.grad == 24)
      y.backward(gradient: 2)
      #expect(y.grad == 2 && h.grad == 6 && a.grad == 48)
      // A sweep from h seeds it and does not touch y, above it.
      h.backward()
      #expect(h.grad == 1)
      #expect(y.grad == 2)
      #expect(a.grad == 52)
      h.backward(gradient: 5)
      #expect(h.grad == 5)
      #expect(a.grad == 72)
      #expect(unrelated.grad == 0)
      // A sweep that reaches h through another path restarts it from zero.
      unrelated.backward(gradient: 0.5)
      #expect(unrelated.grad == 0.5)
      #expect(h.grad == 0.5)
      #expect(y.grad == 2)
      #expect(a.grad == 72 + 0.5 * 4)
    }
  }

  @Test func emptySumAndDotHaveNoOperandsToReach() {
    Tape().withCurrent {
      let a = Value(1.0)
      let b = a * a
      let s = Value.sum([])
      #expect(s.data == 0)
      s.backward()
      #expect(s.grad == 1)
      let d = Value.dot([Value](), [Value]())
      #expect(d.data == 0)
      d.backward(gradient: 3)
      #expect(d.grad == 3)
      #expect(a.grad == 0 && b.grad == 0)
      let t = Tape()
      t.withCurrent {
        let first = Value.sum([])  // an interior node at index 0
        #expect(first.id == 0)
        first.backward()
        #expect(first.grad == 1)
      }
    }
  }

  // MARK: - Signs

  @Test func constantMinusAndConstantDivideHaveTheRightSign() {
    Tape().withCurrent {
      let a = Value(2.0)
      let three = 3.0
      let y1 = three - a
      let y2 = three / a
      let y3 = 3 - a  // a literal: a leaf and a Value − Value node
      let y4 = 3 / a
      let y5 = a - three
      let y6 = a / 4.0
      #expect([y1.data, y2.data, y3.data, y4.data, y5.data, y6.data] == [1, 1.5, 1, 1.5, -1, 0.5])
      let expected = [-1.0, -0.75, -1, -0.75, 1, 0.25]
      for (y, g) in zip([y1, y2, y3, y4, y5, y6], expected) {
        a.zeroGrad()
        y.backward()
        #expect(a.grad == g)
      }
      let minusA = -a
      a.zeroGrad()
      minusA.backward(gradient: 2)
      #expect(a.grad == -2)
    }
  }

  // MARK: - Control flow

  /// A branch the host code did not take records nothing, so a NaN it would
  /// have produced cannot leak into the gradients.
  @Test func aBranchNotTakenIsNotRecorded() {
    let tape = Tape()
    tape.withCurrent {
      let x = Value(-1.0)
      let before = tape.count
      let two = 2.0  // a Double, not a literal: one node
      let y = x.data > 0 ? x.log() : x * two
      #expect(tape.count == before + 1)
      let z = x.data >= 0 ? x.sqrt() : (-x).sqrt()
      #expect(tape.count == before + 3)
      let total = y + z
      total.backward()
      #expect(!x.grad.isNaN)
      #expect(x.grad == 2 - 0.5)
    }
  }
}
