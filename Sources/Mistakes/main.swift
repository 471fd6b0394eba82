// Makes one programming mistake, named by the first argument, so that a test
// can check that the library's stop prints its message in a release build.

// The test builds this program with `-c release`: `precondition` messages
// are compiled out under -O; the library's are not. Not a product:
// `swift run Mistakes <name>`.
@_spi(Testing) import Backprop
import Foundation

let mistakes: [String: () -> Void] = [
  // An MLP of 2 inputs given 3.
  "mlp-input-size": {
    var rng = SeededGenerator(seed: 1)
    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, using: &rng)
    print(model([1, 2, 3]))
  },
  // A value recorded inside a scope, used after it.
  "released-value": {
    let escaped = Tape.scope { Value(1.0) * 2 }
    print(escaped.data)
  },
  // Values of two tapes in one expression.
  "mixed-tapes": {
    let first = Tape()
    let second = Tape()
    let a = Value(1.0, on: first)
    let b = Value(2.0, on: second)
    withExtendedLifetime((first, second)) { print((a + b).data) }
  },
  // A loss of an earlier step kept and read after the tape released that
  // step (the automatic step rule).
  "value-from-earlier-step": {
    let w = Value(1.0)
    var losses: [Value] = []
    for _ in 0..<3 {
      let loss = (w - 3).pow(2)
      loss.backward()
      w.data -= 0.1 * w.grad
      w.zeroGrad()
      losses.append(loss)
    }
    print(losses[1].data)
  },
  // Not a stop: a loop whose steps the tape cannot release (a scope stays
  // open around it) warns once on standard error when it has grown large.
  "growing-tape": {
    let w = Value(1.0)
    let scale: Double = 1.0
    Tape.scope {
      for _ in 0..<18 {
        var x = w
        for _ in 0..<(1 << 20) { x = x * scale }
        x.backward()
        w.data -= 1e-3 * w.grad
        w.zeroGrad()
      }
    }
    print("grown")
    exit(0)
  },
  // A value sent to a detached task, which runs on another thread: Swift 6
  // lets a value of a disconnected region be sent, so only the library's
  // check at the first use there stops it.
  "value-in-detached-task": {
    let v = Value(2.0)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
      print(v.data)
      done.signal()
    }
    done.wait()
  },
  // A value smuggled to a Thread and to a dispatch queue in an unchecked box
  // (plain captures do not compile: their closures are @Sendable).
  "value-on-a-thread": {
    let box = UncheckedBox(Value(2.0))
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      print((box.value * 2).data)
      done.signal()
    }
    thread.start()
    done.wait()
  },
  "value-on-a-dispatch-queue": {
    let box = UncheckedBox(Value(2.0))
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      box.value.backward()
      done.signal()
    }
    done.wait()
  },
  // The last generation a 32-bit stamp can tell apart: the release after it
  // stops rather than let a handle from 2³² releases ago name a new node.
  "stamps-run-out": {
    let tape = Tape()
    tape.setGenerationForTesting(UInt32.max - 1)
    tape.withCurrent {
      let w = Value(1.0)
      tape.scope { _ = w * 2 }  // the last generation
      FileHandle.standardOutput.write(Data("released once\n".utf8))  // unbuffered
      tape.scope { _ = w * 2 }
    }
  },
  // Writing the data of a computed node.
  "set-computed-data": {
    let x = Value(1.0)
    (x * 2).data = 3
  },
]

/// Hides a value from the compiler's Sendable checking.
final class UncheckedBox: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

let arguments = CommandLine.arguments.dropFirst()
guard let name = arguments.first, let mistake = mistakes[name] else {
  print("usage: mistakes <\(mistakes.keys.sorted().joined(separator: "|"))>")
  exit(2)
}
mistake()
print("no stop: the mistake went unnoticed")
