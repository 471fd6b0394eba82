import Testing

@testable import Backprop

// The database itself (it covers every op code, its entries are well formed)
// and backward() on every entry: values and gradients against the closed
// forms, with an upstream gradient other than 1 and with reused nodes, and
// against central differences. Replay, the trace and higher orders draw on
// the same cases in ReplayTests, BackwardTraceTests and HigherOrderTests.

/// The output reused three times: y·y·½ + y·2.5, so ∂/∂y = y + 2.5.
func reusing(_ y: Value) -> Value { y * y * 0.5 + y * 2.5 }

/// Equal (±0 alike) or both NaN.
func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

@Suite("The op database, and backward() on every op")
struct OpDatabaseTests {
  @Test("every OpCode but .leaf is recorded by some entry", arguments: OpCode.allCases)
  func everyOpCodeHasAnEntry(_ code: OpCode) {
    guard code != .leaf else { return }
    let recorded = OpDatabase.entries.contains { op in
      op.opCode == code && OpDatabase.recordedOp(op, at: op.points[0]).0 == code
    }
    #expect(recorded, "no entry of OpDatabase records \(code): add one")
  }

  @Test("each entry records the op code it declares, on its inputs", arguments: OpDatabase.cases)
  func entriesRecordTheirOpCode(_ c: OpCase) {
    let (code, direct) = OpDatabase.recordedOp(c.op, at: c.point)
    if let declared = c.op.opCode {
      #expect(code == declared, "records \(code)")
      #expect(direct, "its operands are not all leaves: make it a composite (opCode nil)")
    } else {
      #expect(code != .leaf)
    }
  }

  @Test(
    "each entry is well formed: arity, domains, sizes of its derivatives",
    arguments: OpDatabase.cases)
  func entriesAreWellFormed(_ c: OpCase) {
    let n = c.point.count
    #expect(c.op.accepts(count: n))
    if c.kink == nil {
      #expect(c.point.indices.allSatisfy { c.op.domain(ofInput: $0).contains(c.point[$0]) })
    }
    #expect(c.gradient.count == n)
    if let h = c.hessian { #expect(h.count == n && h.allSatisfy { $0.count == n }) }
    if let t = c.third { #expect(t.count == n && t.allSatisfy { $0.count == n }) }
    #expect(c.op.accepts(count: c.op.randomCount))
  }

  @Test(
    "the value, and backward()'s gradient with upstream 2.5, against the closed form",
    arguments: OpDatabase.cases)
  func backwardMatchesClosedForm(_ c: OpCase) {
    Tape.scope {
      let x = c.point.map { Value($0) }
      let y = c.op.value(x)
      let f = c.op.double(c.point)
      #expect(c.agrees(y.data, f), "f: \(y.data) vs \(f)")
      y.backward(gradient: upstream)
      for (i, d) in c.gradient.enumerated() {
        #expect(c.agrees(x[i].grad, upstream * d), "∂/∂x\(i): \(x[i].grad) vs \(upstream) × \(d)")
      }
    }
  }

  @Test(
    "a reused output and, for ops of several inputs, one leaf in every input",
    arguments: OpDatabase.cases)
  func backwardWithReuse(_ c: OpCase) {
    let g = c.gradient
    if g.allSatisfy(\.isFinite) {
      Tape.scope {
        let x = c.point.map { Value($0) }
        let y = c.op.value(x)
        reusing(y).backward(gradient: upstream)
        let outer = upstream * (y.data + 2.5)
        for (i, d) in g.enumerated() {
          #expect(
            c.agrees(x[i].grad, outer * d, scale: outer),
            "∂/∂x\(i): \(x[i].grad) vs \(outer) × \(d)")
        }
      }
    }
    // f(x, x, …): d/dx is the sum of the partials there.
    let x0 = c.point[0]
    let diagonal = c.point.map { _ in x0 }
    guard c.kink == nil, c.point.count > 1,
      diagonal.indices.allSatisfy({ c.op.domain(ofInput: $0).contains(x0) })
    else { return }
    let partials = c.op.gradient(diagonal)
    Tape.scope {
      let x = Value(x0)
      c.op.value(diagonal.map { _ in x }).backward(gradient: upstream)
      // The partials may cancel (x / x): the error is relative to their size.
      let expected = upstream * partials.reduce(0, +)
      let size = upstream * partials.reduce(0) { $0 + Swift.abs($1) }
      #expect(
        same(x.grad, expected) || Swift.abs(x.grad - expected) <= 1e-12 * size,
        "d/dx f(x, …, x): \(x.grad) vs \(expected)")
    }
  }

  @Test(
    "backward() against central differences, also through a reused output",
    arguments: OpDatabase.cases.filter { $0.kink == nil })
  func backwardMatchesCentralDifferences(_ c: OpCase) {
    let direct = checkGradient(of: { c.op.value($0) * 3 }, at: c.point, tolerance: c.tolerance)
    #expect(direct.passed, "\(direct)")
    // Where y + 2.5 is not huge, so that the reuse does not drown the check.
    guard Swift.abs(c.op.double(c.point)) < 1e6 else { return }
    let reused = checkGradient(of: { reusing(c.op.value($0)) }, at: c.point, tolerance: c.tolerance)
    #expect(reused.passed, "through y·y·½ + y·2.5: \(reused)")
  }
}
