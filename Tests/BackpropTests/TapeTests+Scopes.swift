// Tape scopes: what they release and keep, nesting, throwing bodies, parameters updated between
// scoped steps, flat memory over many steps, labels.

import Backprop
import Dispatch
import Foundation
import Testing

extension TapeTests {
  // MARK: - Scopes

  @Test func scopeReleasesWhatItRecordedAndKeepsWhatCameBefore() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(2.0)
      let before = tape.count
      let (loss, inner, innerID) = tape.scope { () -> (Double, Value, Int) in
        let l = (w - 5).pow(2)
        l.backward()
        #expect(tape.count > before)
        return (l.data, l, l.id)
      }
      #expect(loss == 9)
      #expect(tape.count == before)
      #expect(!inner.isValid)
      #expect("\(inner)" == "Value(released)")
      #expect(w.isValid)
      #expect(w.grad == -6)
      #expect(w.data == 2)
      w.data = 4
      #expect(w.data == 4)
      // The released node's index is reused, but the old handle stays invalid.
      var next = Value(7.0)
      #expect(next.id == before)
      let one = 1.0  // a Double, not a literal: one node per step
      while next.id < innerID { next = next + one }
      #expect(next.id == innerID)
      #expect(next.isValid)
      #expect(!inner.isValid)
      #expect("\(inner)" == "Value(released)")
    }
  }

  @Test func staticScopeUsesTheCurrentTape() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(2.0)
      let loss = Tape.scope { () -> Double in
        let l = (w - 5).pow(2)
        l.backward()
        return l.data
      }
      #expect(loss == 9)
      #expect(w.grad == -6)
      #expect(tape.count == 1)
    }
  }

  @Test func scopeOfATapeThatIsNotCurrent() {
    let current = Tape()
    let other = Tape()
    current.withCurrent {
      let here = Value(1.0)
      let w = Value(0.5, on: other)
      let (stale, kept) = other.scope { () -> (Value, Value) in
        let y = (w * w).tanh()
        y.backward()
        let k = here * 2  // recorded on the current tape, not on `other`
        return (y, k)
      }
      #expect(!stale.isValid)
      #expect(kept.isValid)
      #expect(current.count == 3)
      #expect(other.count == 1)
      let t = Foundation.tanh(0.25)
      #expect(Swift.abs(w.grad - (1 - t * t) * 2 * 0.5) <= 1e-15)
    }
  }

  @Test func scopesNest() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(3.0)
      let (outerValue, innerValue) = tape.scope { () -> (Value, Value) in
        let a = w * 2
        #expect(tape.count == 3)
        let b = tape.scope { () -> Value in
          let b = a + w
          let c = b * b
          #expect(tape.count == 5)
          c.backward()
          return c
        }
        #expect(tape.count == 3)
        #expect(!b.isValid)
        #expect(a.isValid)
        // ∂(a + w)²/∂w = 2(a + w)(2 + 1) with a = 2w: 2 · 9 · 3.
        #expect(w.grad == 54)
        #expect(a.grad == 18)
        #expect(a.data == 6)
        return (a, b)
      }
      #expect(!outerValue.isValid)
      #expect(!innerValue.isValid)
      #expect(tape.count == 1)
      #expect(w.isValid && w.grad == 54)
    }
  }

  @Test func scopeWhoseBodyThrowsStillReleases() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(1.0)
      var escaped: [Value] = []
      #expect(throws: Failure.self) {
        try tape.scope {
          escaped.append(w * 2)
          try tape.scope {
            escaped.append(w * 3)
            throw Failure()
          }
        }
      }
      #expect(tape.count == 1)
      #expect(escaped.count == 2)
      #expect(escaped.allSatisfy { !$0.isValid })
      #expect(w.isValid)
      // The scope stack is balanced: a later scope releases exactly its own.
      let x = w + 1
      tape.scope { _ = x * x }
      #expect(tape.count == 3)
      #expect(x.isValid)
    }
  }

  @Test func inThrowingInnerScopeOnlyTheInnerIsReleased() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(1.0)
      tape.scope {
        let a = w * 2
        #expect(throws: Failure.self) {
          try tape.scope {
            _ = a * a
            throw Failure()
          }
        }
        #expect(a.isValid)
        #expect(tape.count == 3)
      }
      #expect(tape.count == 1)
    }
  }

  /// Gradient descent on (3w − 1)², one scope per step: the parameter is
  /// updated between steps, and its gradients and values match the same
  /// loop written by hand, bit for bit.
  @Test func parametersUpdatedBetweenScopedSteps() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(0.5)
      var expectedW = 0.5
      for _ in 0..<200 {
        let loss = tape.scope { () -> Double in
          let l = (w * 3 - 1).pow(2)
          l.backward()
          return l.data
        }
        let r = expectedW * 3 - 1
        #expect(loss == r * r)
        let expectedGrad = 2 * r * 3
        #expect(w.grad == expectedGrad)
        w.data -= 0.01 * w.grad
        w.zeroGrad()
        expectedW -= 0.01 * expectedGrad
        #expect(w.data == expectedW)
      }
      #expect(Swift.abs(w.data - 1.0 / 3) < 1e-6)
      #expect(tape.count == 1)
    }
  }

  @Test func memoryIsFlatOverTenThousandScopedSteps() {
    let tape = Tape()
    tape.withCurrent {
      let parameters = (0..<8).map { Value(Double($0) / 8) }
      let inputs = (0..<8).map { Double($0) - 3.5 }
      let baseline = tape.count
      var bytesAfterWarmUp = 0
      var maximumCount = 0
      for step in 0..<10_000 {
        tape.scope {
          let z = Value.dot(parameters, inputs).tanh()
          let extra = Value.sum(parameters.map { ($0 * 0.5).sigmoid() })
          let loss = (z - Double(step % 3)).pow(2) + extra * 1e-3
          loss.backward()
          maximumCount = Swift.max(maximumCount, tape.count)
        }
        for p in parameters {
          p.data -= 1e-4 * p.grad
          p.zeroGrad()
        }
        if step == 4 { bytesAfterWarmUp = tape.allocatedBytes }
      }
      #expect(tape.count == baseline)
      #expect(maximumCount > baseline)
      #expect(bytesAfterWarmUp > 0)
      #expect(tape.allocatedBytes == bytesAfterWarmUp)
      #expect(parameters.allSatisfy { $0.isValid })
    }
  }

  @Test func labelsAreReleasedWithTheirScope() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(1.0, label: "w")
      let index = tape.scope { () -> Int in
        let t = Value(2.0, label: "temporary")
        #expect(t.label == "temporary")
        return t.id
      }
      let reused = Value(3.0)
      #expect(reused.id == index)
      #expect(reused.label == nil)
      #expect(w.label == "w")
      reused.label = "r"
      #expect(reused.label == "r")
      reused.label = nil
      #expect(reused.label == nil)
    }
  }
}
