// Tests of `Tape`: the current tape of each thread, `withCurrent`, scopes,
// `removeAll`, memory accounting, and the traps that guard released values
// and values of two tapes.
//
// Every test records on a fresh tape (made current with `withCurrent`), never
// on the current tape of the test's thread, which other tests share.

import Backprop
import Dispatch
import Foundation
import Testing

@Suite("Tape")
struct TapeTests {
  struct Failure: Error {}

  /// Carries facts out of a `Thread`; its fields are written before one
  /// semaphore is signalled and read after it is waited on.
  final class ThreadReport: @unchecked Sendable {
    var tape: ObjectIdentifier?
    var countBefore = -1
    var countAfter = -1
    var isValid = false
    var onCurrentTape = false
    var grad = 0.0
    let recorded = DispatchSemaphore(value: 0)
    let mayFinish = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
  }

  // MARK: - The current tape

  @Test func leavesAndLiteralsRecordOnTheCurrentTape() {
    let tape = Tape()
    tape.withCurrent {
      #expect(Tape.current === tape)
      #expect(tape.count == 0)
      let a = Value(2.0)
      let b: Value = 3
      let c: Value = 1.5
      #expect(tape.count == 3)
      #expect([a.id, b.id, c.id] == [0, 1, 2] as [Int])
      #expect(a.isLeaf && b.isLeaf && c.isLeaf)
      #expect(b.data == 3 && c.data == 1.5)
      let d = a * b
      #expect(a.tape === tape && b.tape === tape && d.tape === tape)
      #expect(d.id == 3)
      #expect(!d.isLeaf)
      #expect(tape.count == 4)
    }
  }

  @Test func currentTapeIsTheSameObjectEachTime() {
    #expect(Tape.current === Tape.current)
  }

  @Test func withCurrentSwitchesAndRestores() {
    let outer = Tape()
    let inner = Tape()
    outer.withCurrent {
      _ = Value(1.0)
      let result = inner.withCurrent { () -> Double in
        #expect(Tape.current === inner)
        let x = Value(2.0)
        return (x * x).data
      }
      #expect(result == 4)
      #expect(Tape.current === outer)
      #expect(outer.count == 1)
      #expect(inner.count == 2)
    }
  }

  @Test func withCurrentRestoresWhenItsBodyThrows() {
    let outer = Tape()
    let inner = Tape()
    outer.withCurrent {
      #expect(throws: Failure.self) {
        try inner.withCurrent {
          _ = Value(1.0)
          throw Failure()
        }
      }
      #expect(Tape.current === outer)
      #expect(inner.count == 1)
      #expect(outer.count == 0)
    }
  }

  @Test func valueOnATapeRecordsThereWhicheverTapeIsCurrent() {
    let current = Tape()
    let other = Tape()
    current.withCurrent {
      let x = Value(1.5, on: other)
      #expect(x.tape === other)
      #expect(current.count == 0)
      #expect(other.count == 1)
      // Operations record on the tape of their operands, not the current one.
      let y = x * x + x
      #expect(current.count == 0)
      #expect(other.count == 3)
      #expect(y.tape === other)
      y.backward()
      #expect(x.grad == 2 * 1.5 + 1)
    }
  }

  @Test func eachThreadHasItsOwnCurrentTape() {
    let report = ThreadReport()
    let mine = Tape.current
    let myCount = mine.count
    let thread = Thread {
      let tape = Tape.current
      report.tape = ObjectIdentifier(tape)
      report.countBefore = tape.count
      let x = Value(3.0)
      let y = x * x
      y.backward()
      report.countAfter = tape.count
      report.isValid = x.isValid
      report.onCurrentTape = x.tape === tape && y.tape === tape
      report.grad = x.grad
      report.recorded.signal()
      // Stay alive, and keep the tape, until the other thread has compared.
      report.mayFinish.wait()
      report.finished.signal()
    }
    thread.start()
    report.recorded.wait()
    #expect(report.tape != ObjectIdentifier(mine))
    #expect(report.countAfter == report.countBefore + 2)
    #expect(report.isValid)
    #expect(report.onCurrentTape)
    #expect(report.grad == 6)
    #expect(Tape.current === mine)
    #expect(mine.count == myCount)
    report.mayFinish.signal()
    report.finished.wait()
  }

  /// A thread's current tape, and the memory of its nodes, are released
  /// when the thread ends.
  @Test func aThreadsCurrentTapeIsReleasedWhenTheThreadEnds() {
    final class WeakTape: @unchecked Sendable {
      weak var tape: Tape?
      let done = DispatchSemaphore(value: 0)
    }
    let box = WeakTape()
    let thread = Thread {
      let tape = Tape.current
      box.tape = tape
      var x = Value(0.5)
      for _ in 0..<10_000 { x = x * x + x }
      box.done.signal()
    }
    thread.start()
    box.done.wait()
    // The thread releases its tape as it exits, just after signalling.
    let deadline = Date().addingTimeInterval(10)
    while box.tape != nil && Date() < deadline { usleep(1_000) }
    #expect(box.tape == nil)
  }

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

  // MARK: - removeAll

  @Test(arguments: [false, true])
  func removeAllReleasesEveryValue(keepingCapacity: Bool) {
    let tape = Tape()
    tape.withCurrent {
      let leaves = (0..<5_000).map { Value(Double($0)) }
      leaves[0].label = "first"
      let total = Value.sum(leaves) * 2
      total.backward()
      let bytes = tape.allocatedBytes
      tape.removeAll(keepingCapacity: keepingCapacity)
      #expect(tape.count == 0)
      #expect(!total.isValid)
      #expect(leaves.allSatisfy { !$0.isValid })
      #expect("\(leaves[0])" == "Value(released)")
      if keepingCapacity {
        #expect(tape.allocatedBytes == bytes)
      } else {
        #expect(tape.allocatedBytes < 200)
      }
      // The tape records again from index 0; old handles stay invalid.
      let x = Value(4.0)
      #expect(x.id == 0)
      #expect(x.label == nil)
      let y = x * x
      y.backward()
      #expect(x.grad == 8)
      #expect(!leaves[0].isValid)
      #expect(!leaves[1].isValid)
    }
  }

  /// `scope` releases every node recorded inside it, also when its body
  /// resets the tape first: nothing recorded after the reset outlives the
  /// scope, so memory stays flat.
  @Test func scopeReleasesWhatWasRecordedAfterRemoveAllInsideIt() {
    let tape = Tape()
    tape.withCurrent {
      let inside = tape.scope { () -> Value in
        tape.removeAll(keepingCapacity: true)
        let x = Value(1.0)
        return x * x
      }
      #expect(!inside.isValid)
      #expect(tape.count == 0)
    }
  }

  // MARK: - Memory accounting

  @Test func bytesPerNodeIsTwentyNine() {
    #expect(Tape.bytesPerNode == 29)
  }

  @Test func allocatedBytesCoverTheColumns() {
    let tape = Tape()
    let emptyBytes = tape.allocatedBytes
    #expect(emptyBytes >= 0 && emptyBytes < 200)
    tape.withCurrent {
      var x = Value(0.5)
      let half = 0.5  // a constant of the node, not a literal leaf
      for _ in 0..<100_000 { x = x + x * half }
      let count = tape.count
      #expect(count == 1 + 2 * 100_000)
      let bytes = tape.allocatedBytes
      // The columns (29 bytes a node) and 100,000 constants (8 bytes each),
      // at most doubled by growth.
      #expect(bytes >= count * Tape.bytesPerNode + 100_000 * 8)
      #expect(bytes <= 2 * (count * Tape.bytesPerNode + 100_000 * 8) + 4096)
      // The backward sweep adds a bitmap: about one bit a node.
      x.backward()
      let withBitmap = tape.allocatedBytes
      #expect(withBitmap > bytes)
      #expect(withBitmap <= bytes + 2 * (count / 8 + 1) + 4096)
    }
  }

  @Test func valueDescriptionAndProperties() {
    let tape = Tape()
    tape.withCurrent {
      let a = Value(2.0)
      #expect("\(a)" == "Value(data: 2.0, grad: 0.0)")
      #expect(a.description == "Value(data: 2.0, grad: 0.0)")
      let three = 3.0
      let b = a * three
      b.backward()
      #expect(b.description == "Value(data: 6.0, grad: 1.0)")
      #expect(a.description == "Value(data: 2.0, grad: 3.0)")
      #expect(a.isLeaf && !b.isLeaf)
      #expect(a.isValid && b.isValid)
      #expect(a.id == 0 && b.id == 1)
      #expect(a.label == nil)
      let named = Value(1.0, label: "bias")
      #expect(named.label == "bias")
      #expect(named.isLeaf)
      b.label = "product"
      #expect(b.label == "product")
    }
  }

  @Test func zeroGradOfChosenValues() {
    let tape = Tape()
    tape.withCurrent {
      let a = Value(1.0)
      let b = Value(2.0)
      let c = Value(3.0)
      let y = a * b * c
      y.backward()
      tape.zeroGrad([a, c])
      #expect(a.grad == 0)
      #expect(b.grad == 3)
      #expect(c.grad == 0)
      tape.zeroGrad()
      #expect(b.grad == 0)
      #expect(y.grad == 0)
    }
  }

  // MARK: - Traps

  @Test func readingDataOfAReleasedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { Value(1.0) }
      _ = v.data
    }
  }

  @Test func askingTheTapeOfAReleasedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { Value(1.0) }
      _ = v.tape
    }
  }

  @Test func readingGradOfAReleasedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { () -> Value in
        let x = Value(1.0)
        let y = x * x
        y.backward()
        return x
      }
      _ = v.grad
    }
  }

  @Test func settingDataOfAReleasedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { Value(1.0) }
      _ = Value(2.0)  // the released index is in use again
      v.data = 3
    }
  }

  @Test func usingAReleasedValueInAnOperationTraps() async {
    await #expect(processExitsWith: .failure) {
      let w = Value(2.0)
      let v = Tape.scope { w * 3.0 }
      _ = Value(5.0)  // the released index is in use again
      _ = w + v
    }
  }

  @Test func usingAReleasedValueWithAConstantTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { Value(1.0) }
      _ = Value(5.0)
      let c = 2.0
      _ = v * c
    }
  }

  @Test func usingAReleasedValueInAFunctionTraps() async {
    await #expect(processExitsWith: .failure) {
      let v = Tape.scope { Value(1.0) }
      _ = v.tanh()
    }
  }

  @Test func summingAReleasedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let w = Value(1.0)
      let v = Tape.scope { Value(1.0) }
      _ = Value(5.0)
      _ = Value.sum([w, v])
    }
  }

  @Test func backwardFromAReleasedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let w = Value(1.0)
      let v = Tape.scope { w * w }
      v.backward()
    }
  }

  @Test func settingDataOfAComputedValueTraps() async {
    await #expect(processExitsWith: .failure) {
      let a = Value(1.0)
      let b = a + a
      b.data = 3
    }
  }

  @Test func combiningValuesOfTwoTapesTraps() async {
    await #expect(processExitsWith: .failure) {
      let other = Tape()
      let a = Value(1.0)
      let b = Value(2.0, on: other)
      _ = a + b
    }
  }

  @Test func summingValuesOfTwoTapesTraps() async {
    await #expect(processExitsWith: .failure) {
      let other = Tape()
      let a = Value(1.0)
      let b = Value(2.0, on: other)
      _ = Value.sum([a, b])
    }
  }

  @Test func dotOfValuesOfTwoTapesTraps() async {
    await #expect(processExitsWith: .failure) {
      let other = Tape()
      let a = Value(1.0)
      let b = Value(2.0, on: other)
      _ = Value.dot([a], [b])
    }
  }

  @Test func zeroGradOfAValueOfAnotherTapeTraps() async {
    await #expect(processExitsWith: .failure) {
      let other = Tape()
      let a = Value(1.0, on: other)
      Tape().zeroGrad([a])
    }
  }

  @Test func combiningValuesOfTwoThreadsTraps() async {
    await #expect(processExitsWith: .failure) {
      final class Mailbox: @unchecked Sendable {
        var value: Value?
        let ready = DispatchSemaphore(value: 0)
        let never = DispatchSemaphore(value: 0)
      }
      let mailbox = Mailbox()
      let thread = Thread {
        mailbox.value = Value(2.0)
        mailbox.ready.signal()
        mailbox.never.wait()  // keep the thread, and its tape, alive
      }
      thread.start()
      mailbox.ready.wait()
      let mine = Value(1.0)
      guard let theirs = mailbox.value else { exit(0) }  // would fail the test
      _ = mine * theirs
    }
  }

  @Test func usingAValueOfAReleasedTapeTraps() async {
    await #expect(processExitsWith: .failure) {
      func leafOnATemporaryTape() -> Value {
        let tape = Tape()
        _ = Value(0.0, on: tape)
        return Value(1.0, on: tape)
      }
      let v = leafOnATemporaryTape()
      // A new tape may reuse the released tape's storage: the handle must
      // still be rejected once its index is in use again.
      let next = Tape()
      for i in 0..<10 { _ = Value(Double(i), on: next) }
      _ = v.data
    }
  }

  @Test func usingAValueAfterRemoveAllTraps() async {
    await #expect(processExitsWith: .failure) {
      let tape = Tape()
      let v = Value(1.0, on: tape)
      tape.removeAll()
      _ = v.data
    }
  }

  @Test func usingAValueAfterRemoveAllKeepingCapacityTraps() async {
    await #expect(processExitsWith: .failure) {
      let tape = Tape()
      let v = Value(1.0, on: tape)
      tape.removeAll(keepingCapacity: true)
      _ = Value(2.0, on: tape)  // index 0 is in use again
      _ = v.grad
    }
  }

  @Test func releasedTapesAreReallyReleased() {
    weak var weakTape: Tape?
    do {
      let tape = Tape()
      weakTape = tape
      tape.withCurrent {
        let x = Value(1.0)
        (x * x).backward()
      }
      #expect(weakTape != nil)
    }
    #expect(weakTape == nil)
  }
}
