import Backprop
import Testing

@Suite("Backward with a trace")
struct BackwardTraceTests {
  /// A random graph of every op of the database (that does not read
  /// data) over 6 leaves, built identically on whichever tape is current;
  /// returns its output and every value recorded.
  static func randomGraph(seed: UInt64, size: Int) -> (Value, [Value]) {
    var rng = SeededGenerator(seed: seed)
    let leaves = (0..<6).map { _ in Value(rng.nextUniform(in: 0.2, 2)) }
    return OpDatabase.randomGraph(over: leaves, seed: seed, size: size, outputs: 8)
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

  @Test(
    "every op: gradients and contributions as backward()'s, local derivatives as the closed form",
    arguments: OpDatabase.cases)
  func everyOp(_ c: OpCase) {
    let expected = Tape().withCurrent { () -> [UInt64] in
      let x = c.point.map { Value($0) }
      reusing(c.op.value(x)).backward(gradient: upstream)
      return x.map(\.grad.bitPattern)
    }
    Tape().withCurrent {
      let x = c.point.map { Value($0) }
      let y = c.op.value(x)
      let trace = reusing(y).backwardWithTrace(gradient: upstream)
      #expect(x.map(\.grad.bitPattern) == expected)
      for (i, leaf) in x.enumerated() {
        // A leaf's gradient is 0 + its contributions, in the order of the steps.
        var total = 0.0
        for step in trace.steps where step.input == leaf.id { total += step.contribution }
        #expect(total.bitPattern == leaf.grad.bitPattern, "x\(i): \(total) vs \(leaf.grad)")
        // The op's own node: ∂y/∂xᵢ (over every operand that is xᵢ).
        guard c.op.opCode != nil else { continue }
        var local = 0.0
        for step in trace.steps where step.node == y.id && step.input == leaf.id {
          local += step.localDerivative
        }
        #expect(c.agrees(local, c.gradient[i]), "∂y/∂x\(i): \(local) vs \(c.gradient[i])")
      }
    }
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
