// Scale: graphs of a million nodes are recorded, differentiated and released
// without recursion (so without stack overflow, also on a thread with a
// 512 KiB stack), their gradients match hand-written back-propagation, and
// their memory per node is measured.

import Backprop
import Dispatch
import Foundation
import Testing

@Suite("Scale")
struct ScaleTests {
  /// What a recorded chain gives, and what its tape held.
  struct ChainResult {
    var output = 0.0
    var gradX = 0.0
    var gradW = 0.0
    var gradC = 0.0
    var count = 0
    var bytes = 0
    var bytesAfterRemoveAll = 0
  }

  /// The steps of x ← tanh(x·w + c): three nodes each, so 333,333 steps and
  /// the three leaves make 10⁶ nodes.
  static let chainSteps = 333_333
  static let x0 = 0.5
  static let w0 = 0.9
  static let c0 = 0.1

  /// Records x ← tanh(x·w + c) from x₀ on a fresh tape, differentiates the
  /// result, reads the leaves' gradients, and releases the nodes.
  static func recordTanhChain(steps: Int) -> ChainResult {
    let tape = Tape()
    return tape.withCurrent {
      let x0 = Value(Self.x0)
      let w = Value(Self.w0)
      let c = Value(Self.c0)
      var x = x0
      for _ in 0..<steps { x = (x * w + c).tanh() }
      x.backward()
      var result = ChainResult(
        output: x.data, gradX: x0.grad, gradW: w.grad, gradC: c.grad,
        count: tape.count, bytes: tape.allocatedBytes)
      tape.removeAll()
      result.bytesAfterRemoveAll = tape.allocatedBytes
      return result
    }
  }

  /// The same chain and its back-propagation, written by hand.
  static func handWrittenTanhChain(steps: Int) -> ChainResult {
    var xs = [Self.x0]
    xs.reserveCapacity(steps + 1)
    for k in 0..<steps { xs.append(Foundation.tanh(xs[k] * Self.w0 + Self.c0)) }
    var g = 1.0
    var gw = 0.0
    var gc = 0.0
    for k in stride(from: steps - 1, through: 0, by: -1) {
      let y = xs[k + 1]
      let d = g * (1 - y * y)  // ∂out/∂(x·w + c) at step k
      gc += d
      gw += d * xs[k]
      g = d * Self.w0
    }
    return ChainResult(output: xs[steps], gradX: g, gradW: gw, gradC: gc)
  }

  static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
    a == b || Swift.abs(a - b) <= tolerance * Swift.max(Swift.abs(a), Swift.abs(b))
  }

  static func expectMatchesHand(
    _ r: ChainResult, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let hand = handWrittenTanhChain(steps: chainSteps)
    #expect(r.count == 3 + 3 * chainSteps, sourceLocation: sourceLocation)
    #expect(close(r.output, hand.output), sourceLocation: sourceLocation)
    #expect(close(r.gradX, hand.gradX), sourceLocation: sourceLocation)
    #expect(close(r.gradW, hand.gradW), "\(r.gradW) vs \(hand.gradW)", sourceLocation: sourceLocation)
    #expect(close(r.gradC, hand.gradC), "\(r.gradC) vs \(hand.gradC)", sourceLocation: sourceLocation)
    // The chain converges to a fixed point x* = tanh(0.9x* + 0.1), where the
    // gradients with respect to c and w are geometric series.
    #expect(r.gradC > 0.1 && r.gradW > 0.01, sourceLocation: sourceLocation)
    #expect(r.bytesAfterRemoveAll < 200, sourceLocation: sourceLocation)
  }

  @Test func millionNodeChain() {
    let r = Self.recordTanhChain(steps: Self.chainSteps)
    Self.expectMatchesHand(r)
    // Memory per node: the 29 bytes of the columns, plus about a bit for the
    // backward sweep's bitmap, at most doubled by growth.
    let perNode = Double(r.bytes) / Double(r.count)
    #expect(perNode >= Double(Tape.bytesPerNode))
    #expect(perNode <= 2 * Double(Tape.bytesPerNode) + 1)
  }

  @Test func millionNodeChainOnAThreadWithASmallStack() {
    final class Mailbox: @unchecked Sendable {
      var result = ChainResult()
      let done = DispatchSemaphore(value: 0)
    }
    let mailbox = Mailbox()
    let thread = Thread {
      // Every value is created on this thread, on its own current tape.
      mailbox.result = ScaleTests.recordTanhChain(steps: ScaleTests.chainSteps)
      mailbox.done.signal()
    }
    thread.stackSize = 512 * 1024
    #expect(thread.stackSize == 512 * 1024)
    thread.start()
    mailbox.done.wait()
    Self.expectMatchesHand(mailbox.result)
  }

  /// y ← y·s, 10⁶ single-op steps: ∂y/∂x = sⁿ and ∂y/∂s = n·x·sⁿ⁻¹, which do
  /// not vanish, so every step's contribution counts.
  @Test func millionStepProductChain() {
    let n = 1_000_000
    let s0: Double = 1 + 1e-7
    let x0 = 0.75
    let (output, gradX, gradS, count) = Tape().withCurrent {
      () -> (Double, Double, Double, Int) in
      let x = Value(x0)
      let s = Value(s0)
      var y = x
      for _ in 0..<n { y = y * s }
      y.backward()
      return (y.data, x.grad, s.grad, Tape.current.count)
    }
    #expect(count == n + 2)
    // By hand, in the same order.
    var ys = [x0]
    ys.reserveCapacity(n + 1)
    for k in 0..<n { ys.append(ys[k] * s0) }
    var g = 1.0
    var gs = 0.0
    for k in stride(from: n - 1, through: 0, by: -1) {
      gs += g * ys[k]
      g *= s0
    }
    #expect(Self.close(output, ys[n]))
    #expect(Self.close(gradX, g))
    #expect(Self.close(gradS, gs))
    // And against the closed forms.
    let power = Foundation.pow(s0, Double(n))
    #expect(Self.close(output, x0 * power, 1e-9))
    #expect(Self.close(gradX, power, 1e-9))
    #expect(Self.close(gradS, Double(n) * x0 * Foundation.pow(s0, Double(n - 1)), 1e-9))
  }

  @Test func fanInOfAMillionLeaves() {
    let n = 1_000_000
    let tape = Tape()
    tape.withCurrent {
      let leaves = (0..<n).map { Value(Double($0)) }
      let total = Value.sum(leaves)
      #expect(tape.count == n + 1)
      #expect(total.data == Double(n) * Double(n - 1) / 2)
      total.backward()
      #expect(leaves.allSatisfy { $0.grad == 1 })
      tape.zeroGrad(leaves)
      total.backward(gradient: 3)
      #expect(leaves.allSatisfy { $0.grad == 3 })
      // Columns plus 4 bytes of the operand table per operand, at most
      // doubled by growth, plus the bitmap.
      let perNode = Double(tape.allocatedBytes) / Double(tape.count)
      #expect(perNode >= Double(Tape.bytesPerNode + 4))
      #expect(perNode <= 2 * Double(Tape.bytesPerNode + 4) + 1)
    }
  }

  /// A million-node tape is freed without recursion when it is released,
  /// and releasing it leaves no reference behind.
  @Test func millionNodeTapeIsReleased() {
    weak var released: Tape?
    do {
      let tape = Tape()
      released = tape
      tape.withCurrent {
        var x = Value(0.1)
        let one = 1.0
        for _ in 0..<500_000 { x = (x + one).sigmoid() }
        x.backward()
        #expect(tape.count == 1_000_001)
      }
    }
    #expect(released == nil)
  }
}
