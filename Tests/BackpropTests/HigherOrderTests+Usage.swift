// What the recording sweep returns, gradient penalties trained with backward(), tapes, scopes
// and recordings, and deep graphs (a 200,000-node chain differentiated twice).

import Backprop
import Foundation
import Testing

extension HigherOrderTests {
  // MARK: What it returns

  @Test("an input the output does not depend on gets a constant leaf 0; the output itself, the seed")
  func constantsAndUnrelatedInputs() {
    Tape.scope {
      let x = Value(2.0)
      let unrelated = Value(5.0)
      let y = x * x
      let later = Value(1.0)
      let g = Value.gradients(of: y, withRespectTo: [x, unrelated, later, y, x], gradient: upstream)
      #expect(g.map(\.data) == [10, 0, 0, upstream, 10])
      #expect(g.map(\.isLeaf) == [false, true, true, true, false])
      #expect(Value.gradients(of: g[1], withRespectTo: [x]).map(\.data) == [0])
      #expect(Value.gradients(of: x, withRespectTo: [x, y]).map(\.data) == [1, 0])
      #expect(Value.gradients(of: y, withRespectTo: []).isEmpty)
    }
  }

  @Test("a gradient is never an existing leaf: ∂(x·y)/∂x is a new node holding y")
  func noAliasing() {
    Tape.scope {
      let x = Value(2.0)
      let y = Value(-3.0)
      let g = Value.gradients(of: x * y, withRespectTo: [x, y])
      #expect(g.map(\.data) == [-3, 2])
      #expect(g[0].id != y.id && g[1].id != x.id)
      #expect(!g[0].isLeaf && !g[1].isLeaf)
      // …but it still depends on y.
      #expect(Value.gradients(of: g[0], withRespectTo: [x, y]).map(\.data) == [0, 1])
    }
  }

  @Test("gradients with respect to an intermediate value, as backward()'s adjoint")
  func intermediateInputs() {
    Tape.scope {
      let x = Value(0.7)
      let t = x.tanh()
      let y = t * t + x
      let g = Value.gradients(of: y, withRespectTo: [t, x])
      let th = tanh(0.7)
      #expect(g[0].data == 2 * th)
      expectNear(g[1].data, 2 * th * (1 - th * th) + 1)
      // d/dx of ∂y/∂t = 2 tanh x is 2(1 − tanh²x).
      expectNear(Value.derivative(of: g[0], withRespectTo: x).data, 2 * (1 - th * th))
    }
  }

  @Test("a reused node receives every contribution at every order")
  func reuse() {
    Tape.scope {
      let x = Value(1.5)
      let s = x.sigmoid()
      let y = s * s * s + s * x  // reuses s three times and x twice
      let d = recordedDerivatives(
        { x in
          let s = x.sigmoid()
          return s * s * s + s * x
        }, at: 1.5)
      #expect(d[0] == y.data)
      let report = checkGradient(
        of: { v in
          let s = v[0].sigmoid()
          return Value.derivative(of: s * s * s + s * v[0], withRespectTo: v[0])
        }, at: [1.5])
      #expect(report.passed, "\(report)")
      expectNear(d[2], report.analytic[0])
    }
  }

  // MARK: Gradient penalties trained with backward()

  /// A 2-3-1 tanh network with parameters w (9 weights and biases… 13 in
  /// all), at input x.
  static func network(_ w: [Value], _ x: [Value]) -> Value {
    var hidden: [Value] = []
    for j in 0..<3 {
      let z = Value.dot([w[3 * j], w[3 * j + 1]], x) + w[3 * j + 2]
      hidden.append(z.tanh())
    }
    return Value.dot(Array(w[9..<12]), hidden) + w[12]
  }

  static let weights: [Double] = [
    0.5, -0.3, 0.1, 0.8, 0.2, -0.4, -0.6, 0.9, 0.05, 1.1, -0.7, 0.4, 0.2,
  ]

  @Test("a gradient penalty on the parameters, f + ½‖∇_w f‖², trained with backward()")
  func parameterGradientPenalty() {
    let report = checkGradient(
      of: { w in
        let x = [Value(0.3), Value(-1.2)]
        let f = Self.network(w, x)
        let g = Value.gradients(of: f, withRespectTo: w)
        return f + 0.5 * Value.dot(g, g)
      }, at: Self.weights)
    #expect(report.passed, "\(report)")
  }

  @Test("an input-gradient penalty (‖∇_x f‖ − 1)² (WGAN-GP), trained on the parameters")
  func inputGradientPenalty() {
    let report = checkGradient(
      of: { w in
        var total: [Value] = []
        for point in [[0.3, -1.2], [-0.5, 0.8]] {
          let x = point.map { Value($0) }
          let g = Value.gradients(of: Self.network(w, x), withRespectTo: x)
          total.append((Value.dot(g, g).sqrt() - 1).pow(2))
        }
        return Value.sum(total) * 3
      }, at: Self.weights)
    #expect(report.passed, "\(report)")
    // …and a step of gradient descent on it lowers it.
    Tape().withCurrent {
      let w = Self.weights.map { Value($0) }
      func penalty() -> Value {
        let x = [Value(0.3), Value(-1.2)]
        let g = Value.gradients(of: Self.network(w, x), withRespectTo: x)
        return (Value.dot(g, g).sqrt() - 1).pow(2)
      }
      let before = Tape.scope { () -> Double in
        let p = penalty()
        p.backward()
        return p.data
      }
      for p in w { p.data -= 0.05 * p.grad }
      let after = Tape.scope { penalty().data }
      #expect(after < before)
    }
  }

  // MARK: Tapes, scopes, recordings

  @Test("inside a scope everything recorded is released; nothing changes any grad")
  func scopes() {
    let tape = Tape()
    tape.withCurrent {
      let w = [Value(0.5), Value(-1.0)]
      let before = tape.count
      let penalty = tape.scope { () -> Double in
        let f = (w[0] * w[1]).tanh()
        let g = Value.gradients(of: f, withRespectTo: w)
        #expect(w.allSatisfy { $0.grad == 0 })
        let loss = f + Value.dot(g, g)
        loss.backward()
        return loss.data
      }
      #expect(tape.count == before)
      #expect(penalty.isFinite && w.allSatisfy { $0.grad != 0 })
    }
  }

  @Test("records on the output's tape, whichever tape is current")
  func recordsOnTheOutputsTape() {
    let a = Tape()
    let b = Tape()
    let (x, y) = a.withCurrent { () -> (Value, Value) in
      let x = Value(3.0)
      return (x, x.exp())
    }
    let countOfB = b.count
    let g = b.withCurrent { Value.derivative(of: y, withRespectTo: x) }
    #expect(g.tape === a)
    #expect(g.data == exp(3.0))
    #expect(b.count == countOfB)
  }

  @Test("inputs of another tape stop the program")
  func mixingTapes() async {
    await #expect(processExitsWith: .failure) {
      let x = Tape().withCurrent { Value(1.0) }
      let y = Value(2.0) * 2
      _ = Value.gradients(of: y, withRespectTo: [x])
    }
  }

  @Test("a Recording of a smooth gradient penalty replays; one through a kink is recorded again")
  func recordings() {
    Tape().withCurrent {
      let w = [Value(0.4), Value(-0.9)]
      let smooth = Recording {
        let f = (w[0] * w[1]).sigmoid() + w[0].pow(3)
        let g = Value.gradients(of: f, withRespectTo: w)
        return f + Value.dot(g, g)
      }
      #expect(smooth.isReplayable)
      w[0].data = 1.3
      let replayed = smooth.replay().data
      let fresh = Tape.scope { () -> Double in
        let f = (w[0] * w[1]).sigmoid() + w[0].pow(3)
        let g = Value.gradients(of: f, withRespectTo: w)
        return (f + Value.dot(g, g)).data
      }
      #expect(replayed == fresh)

      let kinked = Recording {
        let f = (w[0] * w[1]).relu()
        return Value.dot(Value.gradients(of: f, withRespectTo: w), [1, 1])
      }
      #expect(!kinked.isReplayable)
    }
  }

  // MARK: Deep graphs

  @Test("values far apart on a tape full of stale graphs (the table's empty pages)")
  func sparseGraph() {
    Tape().withCurrent {
      let w = Value(0.3)
      var stale = w
      for _ in 0..<300_000 { stale = stale * 0.5 }  // 300,000 nodes nobody uses
      let x = Value(1.2)
      let y = (w * x).exp() + x.pow(3)
      let g = Value.gradients(of: y, withRespectTo: [w, x, stale])
      let e = exp(0.36)
      expectNear(g[0].data, 1.2 * e)
      expectNear(g[1].data, 0.3 * e + 3 * 1.44)
      #expect(g[2].data == 0)
      expectNear(Value.derivative(of: g[0], withRespectTo: w).data, 1.44 * e)
    }
  }

  @Test("a chain of 200,000 nodes differentiated twice: no recursion, right numbers")
  func deepChain() {
    let steps = 70_000  // three nodes a step
    let c = 1e-5
    func chain(_ x: Value) -> Value {
      var y = x
      for _ in 0..<steps { y = y + y.tanh() * c }
      return y
    }
    func firstDerivative(at x: Double) -> Double {
      Tape().withCurrent {
        let v = Value(x)
        chain(v).backward()
        return v.grad
      }
    }
    Tape().withCurrent {
      let x = Value(0.8)
      let y = chain(x)
      #expect(Tape.current.count >= 200_000)
      let d1 = Value.derivative(of: y, withRespectTo: x)
      let d2 = Value.derivative(of: d1, withRespectTo: x)
      #expect(d1.data == firstDerivative(at: 0.8))
      let h = 1e-4
      let numeric = (firstDerivative(at: 0.8 + h) - firstDerivative(at: 0.8 - h)) / (2 * h)
      #expect(Swift.abs(d2.data - numeric) <= 1e-6 * Swift.abs(numeric) + 1e-12, "\(d2.data) vs \(numeric)")
    }
  }
}
