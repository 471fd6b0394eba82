import Backprop
import Testing

@Suite("Backward with a trace")
struct BackwardTraceTests {
  /// A random graph using every op, built identically on whichever tape is
  /// current; returns its output and every value recorded.
  static func randomGraph(seed: UInt64, size: Int) -> (Value, [Value]) {
    var rng = SeededGenerator(seed: seed)
    var values = (0..<6).map { _ in Value(rng.nextUniform(in: 0.2, 2)) }
    func pick() -> Value { values[rng.nextIndex(values.count)] }
    for _ in 0..<size {
      let a = pick()
      let b = pick()
      let c = rng.nextUniform(in: 0.5, 1.5)
      let v: Value
      switch rng.nextIndex(30) {
      case 0: v = a + b
      case 1: v = a - b
      case 2: v = a * b
      case 3: v = a / (b.abs() + 0.5)
      case 4: v = (a.abs() + 0.1).pow(b.tanh())
      case 5: v = Value.maximum(a, b)
      case 6: v = Value.minimum(a, b)
      case 7: v = a + c
      case 8: v = a * c
      case 9: v = a / c
      case 10: v = c - a
      case 11: v = c / (a.abs() + 0.5)
      case 12: v = (a.abs() + 0.1).pow(c)
      case 13: v = a.leakyReLU(slope: 0.1)
      case 14: v = a.elu(alpha: 0.7)
      case 15: v = -a
      case 16: v = (a.tanh()).exp()
      case 17: v = (a.abs() + 0.5).log()
      case 18: v = (a.abs() + 0.5).sqrt()
      case 19: v = a.abs()
      case 20: v = a.tanh()
      case 21: v = a.sigmoid()
      case 22: v = a.relu()
      case 23: v = a.softplus()
      case 24: v = a.step() + b
      case 25: v = Value.sum([a, b, pick()])
      case 26: v = Value.dot([a, b], [pick(), pick()])
      case 27: v = Value.dot([a, b, pick()], [c, -c, 0.5])
      case 28: v = Value.logSumExp([a, b, pick()])
      default: v = a * a
      }
      values.append(v.tanh())
    }
    return (Value.sum(Array(values.suffix(8))), values)
  }

  @Test("leaves exactly the gradients of backward()", arguments: 0..<8)
  func sameGradientsAsBackward(seed: UInt64) {
    let fast = Tape()
    let traced = Tape()
    let expected = fast.withCurrent { () -> [UInt64] in
      let (y, values) = Self.randomGraph(seed: seed, size: 300)
      y.backward()
      y.backward(gradient: 0.5)
      return values.map(\.grad.bitPattern)
    }
    let (actual, steps) = traced.withCurrent { () -> ([UInt64], Int) in
      let (y, values) = Self.randomGraph(seed: seed, size: 300)
      let first = y.backwardWithTrace()
      _ = y.backwardWithTrace(gradient: 0.5)
      return (values.map(\.grad.bitPattern), first.steps.count)
    }
    #expect(actual == expected)
    #expect(steps > 50)
  }

  @Test func tableShowsEachApplicationOfTheChainRule() {
    Tape.scope {
      let a = Value(2.0, label: "a")
      let b = Value(-3.0, label: "b")
      let c = a * b
      c.label = "c"
      let trace = c.backwardWithTrace()
      #expect(
        trace.table()
          == """
          node  op  input  ∂node/∂input  upstream  contribution
          c     *   a         -3.000000  1.000000     -3.000000
          c     *   b          2.000000  1.000000      2.000000
          """)
      #expect(trace.description == trace.table())
      #expect(trace.steps.map(\.contribution) == [-3, 2])
      #expect(a.grad == -3 && b.grad == 2)
    }
  }

  @Test func reuseShowsBothContributions() {
    Tape.scope {
      let x = Value(3.0, label: "x")
      let y = x * x
      let trace = y.backwardWithTrace()
      #expect(trace.steps.map(\.input) == [x.id, x.id])
      #expect(trace.steps.map(\.contribution) == [3, 3])
      #expect(x.grad == 6)
    }
  }

  @Test func reluAndStepPassNothingBackWhereTheirDerivativeIsZero() {
    Tape.scope {
      let x = Value(-1.0, label: "x")
      let y = x.relu() + x.step()
      let trace = y.backwardWithTrace()
      #expect(trace.steps.allSatisfy { $0.input != x.id })
      #expect(x.grad == 0)
    }
  }

  @Test func aLeafOnlyGetsItsSeed() {
    Tape.scope {
      let x = Value(1.0)
      #expect(x.backwardWithTrace(gradient: 2).steps.isEmpty)
      #expect(x.grad == 2)
    }
  }
}

extension SeededGenerator {
  /// An index in `0..<n` for the tests' random graphs.
  mutating func nextIndex(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
