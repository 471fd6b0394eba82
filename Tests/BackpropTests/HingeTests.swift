import Backprop
import Testing

@Suite("Losses: hinge (micrograd's demo)")
struct HingeTests {
  static let scores = [-3.0, -1.2, -0.4, 0.3, 0.9, 1.7, 4.0]
  static let labels = [-1.0, 1.0]

  @Test("value is max(0, 1 − y·s)", arguments: scores, labels)
  func valueMatchesHandFormula(s: Double, y: Double) {
    Tape.scope {
      let loss = hinge(score: Value(s), label: y)
      expectClose(loss.data, Swift.max(0, 1 - y * s), tolerance: 1e-15)
    }
  }

  @Test(
    "value is bit for bit micrograd's (1 + (−y)·s).relu() in Double",
    arguments: [11, 12, 13] as [UInt64])
  func bitForBitMicrograd(seed: UInt64) {
    var rng = SeededGenerator(seed: seed)
    Tape.scope {
      for _ in 0..<200 {
        let s = rng.nextUniform(in: -3, 3)
        let y: Double = rng.nextUniform() < 0.5 ? -1 : 1
        let expected = 1 + (-y) * s
        #expect(hinge(score: Value(s), label: y).data == (expected > 0 ? expected : 0))
      }
    }
  }

  @Test("gradient passes the central-difference check", arguments: scores, labels)
  func gradientCheck(s: Double, y: Double) {
    expectPassed(checkGradient(of: { hinge(score: $0, label: y) * 3 }, at: s))
  }

  @Test("gradient is −y inside the margin and 0 outside it", arguments: scores, labels)
  func gradientMatchesHandDerivative(s: Double, y: Double) {
    Tape.scope {
      let score = Value(s)
      hinge(score: score, label: y).backward(gradient: upstream)
      #expect(score.grad == (y * s < 1 ? upstream * -y : 0))
    }
  }

  @Test("at the hinge (y·s = 1) the loss and its gradient are 0", arguments: labels)
  func atTheHinge(y: Double) {
    Tape.scope {
      let score = Value(y)  // y·s = 1
      let loss = hinge(score: score, label: y)
      loss.backward()
      #expect(loss.data == 0)
      #expect(score.grad == 0)
    }
  }

  @Test("a score of 0 costs 1 whatever the label", arguments: labels)
  func zeroScore(y: Double) {
    Tape.scope {
      let score = Value(0)
      let loss = hinge(score: score, label: y)
      loss.backward()
      #expect(loss.data == 1)
      #expect(score.grad == -y)
    }
  }

  @Test("NaN scores give NaN, not a silent 0")
  func nanScore() {
    Tape.scope {
      #expect(hinge(score: Value(.nan), label: 1).data.isNaN)
    }
  }

  @Test("the demo's batch: mean of hinge losses, as micrograd sums and scales")
  func demoBatch() {
    var rng = SeededGenerator(seed: 5)
    let scores = (0..<16).map { _ in rng.nextUniform(in: -2, 2) }
    let labels: [Double] = (0..<16).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 }
    Tape.scope {
      let s = scores.map { Value($0) }
      let losses = zip(s, labels).map { hinge(score: $0, label: $1) }
      let dataLoss = Value.sum(losses) * (1.0 / Double(losses.count))
      // Python: sum(losses) starts at 0 and adds left to right.
      var total = 0.0
      for (si, yi) in zip(scores, labels) {
        let m = 1 + (-yi) * si
        total += m > 0 ? m : 0
      }
      #expect(dataLoss.data == total * (1.0 / 16))
      dataLoss.backward()
      for i in scores.indices {
        let inside = 1 + (-labels[i]) * scores[i] > 0
        #expect(s[i].grad == (inside ? -labels[i] * (1.0 / 16) : 0))
      }
    }
  }

  @Test("the doc comment's example prints what it says")
  func documentedExample() {
    Tape.scope {
      #expect("\(hinge(score: Value(0.25), label: 1).data)" == "0.75")
    }
  }
}
