// User-defined ops (ElementwiseFunction): backward, replay, the trace, the
// recorded sweep, other threads' tapes, and checkGradient's per-op diagnosis.

import Foundation
import Testing

@testable import Backprop

/// x³ with its first two derivatives, derived by hand.
private let cube = ElementwiseFunction(
  "cube", { x in x * x * x }, derivative: { x in 3 * x * x }, secondDerivative: { x in 6 * x })

/// softsign x/(1+|x|), with its derivative 1/(1+|x|)² and no second.
private let softsign = ElementwiseFunction(
  "softsign", { x in x / (1 + Swift.abs(x)) },
  derivative: { x in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) })

@Suite("User-defined ops: ElementwiseFunction")
struct ElementwiseFunctionTests {
  @Test("one node, its value, and backward against the hand-derived derivative",
    arguments: [-2.5, -0.3, 0.0, 0.7, 4.0])
  func backwardMatchesClosedForm(x0: Double) {
    Tape().withCurrent {
      let x = Value(x0)
      let before = Tape.current.count
      let y = cube(x)
      #expect(Tape.current.count == before + 1)
      #expect(y.data == x0 * x0 * x0)
      // Reused node and an upstream gradient other than 1.
      let z = y * y + softsign(x)
      z.backward(gradient: 0.5)
      let a = 1 + Swift.abs(x0)
      let expected = 0.5 * (2 * x0 * x0 * x0 * 3 * x0 * x0 + 1 / (a * a))
      #expect(Swift.abs(x.grad - expected) <= 1e-12 * Swift.max(1, Swift.abs(expected)))
      let report = checkGradient(of: { v in cube(v[0]) * cube(v[0]) + softsign(v[0]) }, at: [x0])
      #expect(report.passed, "\(report)")
      #expect(report.localDerivatives.count == 5)  // two cube nodes (f′ and f″ each), one softsign
    }
  }

  @Test("replay recomputes a user-defined op bit for bit, as recording again does")
  func replay() {
    Tape().withCurrent {
      let w = Value(0.4)
      let recording = Recording { softsign(cube(w) * 3 - 1) }
      #expect(recording.isReplayable)
      for value in [-1.7, 0.25, 2.0] {
        w.data = value
        let replayed = recording.replay().data
        let again = Tape.current.scope { softsign(cube(w) * 3 - 1).data }
        #expect(replayed.bitPattern == again.bitPattern)
      }
    }
  }

  @Test("the trace names the function and shows its derivative")
  func trace() {
    Tape().withCurrent {
      let x = Value(2.0, label: "x")
      let y = cube(x)
      let trace = y.backwardWithTrace(gradient: 2)
      #expect(trace.steps.count == 1)
      #expect(trace.steps[0].op == "cube")
      #expect(trace.steps[0].localDerivative == 12)
      #expect(trace.steps[0].contribution == 24)
      #expect(x.grad == 24)
      #expect(y.graphviz().contains("cube"))
    }
  }

  @Test("second and third derivatives through the recorded sweep", arguments: [-1.5, 0.5, 3.0])
  func higherOrder(x0: Double) {
    Tape().withCurrent {
      let x = Value(x0)
      let y = cube(x) * 2
      let d1 = Value.derivative(of: y, withRespectTo: x)
      let d2 = Value.derivative(of: d1, withRespectTo: x)
      #expect(d1.data == 2 * 3 * x0 * x0)
      #expect(d2.data == 2 * 6 * x0)
      // The first derivative equals backward()'s bit for bit.
      y.backward()
      #expect(x.grad == d1.data)
    }
  }

  @Test("a user-defined op works on each thread's own tape, with the same results")
  func otherThreads() async {
    func gradient(_ x0: Double) -> Double {
      Tape().withCurrent {
        let x = Value(x0)
        softsign(cube(x)).backward()
        return x.grad
      }
    }
    let here = [0.3, -1.1, 2.2].map(gradient)
    let there = await withTaskGroup(of: (Int, Double).self) { group in
      for (k, x0) in [0.3, -1.1, 2.2].enumerated() {
        group.addTask { (k, gradient(x0)) }
      }
      var results = [Double](repeating: .nan, count: 3)
      for await (k, g) in group { results[k] = g }
      return results
    }
    #expect(here.map(\.bitPattern) == there.map(\.bitPattern))
  }

  @Test("checkGradient names the op, the node and the input of a wrong derivative")
  func wrongDerivativeIsNamed() {
    let wrong = ElementwiseFunction("square", { x in x * x }, derivative: { x in x })
    let report = checkGradient(of: { v in wrong(v[0] * v[1]) + v[1] }, at: [1.5, 2.0])
    #expect(!report.passed)
    let failing = report.localDerivatives.filter { !$0.passed }
    #expect(failing.count == 1)
    #expect(failing.first?.function == "square")
    #expect(failing.first?.order == 1)
    #expect(failing.first?.input == 3)
    #expect(failing.first?.given == 3)
    #expect(Swift.abs((failing.first?.numeric ?? 0) - 6) < 1e-6)
    #expect(report.description.contains("derivative of 'square' at node #"))
    // The gradient itself is wrong too, consistently with the op.
    #expect(Swift.abs(report.analytic[0] - 2 * 3) < 1e-12)
  }

  @Test("a wrong second derivative is named as such")
  func wrongSecondDerivative() {
    let wrong = ElementwiseFunction(
      "cube", { x in x * x * x }, derivative: { x in 3 * x * x }, secondDerivative: { x in 3 * x })
    let report = checkGradient(of: { v in wrong(v[0]) }, at: [2.0])
    #expect(!report.passed)
    #expect(report.localDerivatives.map(\.passed) == [true, false])
    #expect(report.localDerivatives[1].order == 2)
    #expect(report.localDerivatives[1].description.hasPrefix("second derivative of 'cube′'") == false)
    #expect(report.localDerivatives[1].description.hasPrefix("second derivative of 'cube'"))
  }

  @Test("the function table follows the tape: one entry per function, cleared by removeAll")
  func functionTable() {
    let tape = Tape()
    tape.withCurrent {
      let x = Value(1.0)
      _ = cube(x)
      _ = cube(cube(x))
      _ = softsign(x)
      #expect(tape.storage.pointee.functions.count == 2)
      tape.removeAll(keepingCapacity: true)
      #expect(tape.storage.pointee.functions.isEmpty)
    }
  }
}
