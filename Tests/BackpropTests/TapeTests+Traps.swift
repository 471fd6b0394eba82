// The traps that guard released values, computed values, values of two tapes or two threads,
// and values of a released or emptied tape; released tapes are really released.

import Backprop
import Dispatch
import Foundation
import Testing

extension TapeTests {
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
