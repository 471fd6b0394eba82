// Second derivatives as numbers: the gradient of a function as a function of
// values (so it can be differentiated again), Hessians and Hessian-vector
// products, all built on `Value.gradients(of:withRespectTo:gradient:)`, which
// records gradients on the tape.

extension Value {
  /// The Hessian matrix of `output` with respect to `inputs`: entry (i, j)
  /// is ∂²output/∂inputsᵢ∂inputsⱼ at the recorded values.
  ///
  ///     let w = [Value(1.0), Value(2.0)]
  ///     let f = w[0] * w[0] * w[1]          // f = w₀²w₁
  ///     print(Value.hessian(of: f, withRespectTo: w))
  ///     // Prints "[[4.0, 2.0], [2.0, 0.0]]"
  ///
  /// The gradient g is recorded once (``gradients(of:withRespectTo:gradient:)``),
  /// then row i is the recorded gradient of gᵢ, each in a scope of its own.
  /// The matrix is made exactly symmetric by averaging (i, j) with (j, i)
  /// (which rounding alone can make differ in the last bits); where the two
  /// are equal, as for every polynomial of degree 2 with representable
  /// coefficients, the entry is exact.
  ///
  /// Everything it records is released before it returns (it works in a
  /// scope of `output`'s tape), and no value's `grad` changes, so it can be
  /// called between training steps on a model's loss.
  ///
  /// - Parameters:
  ///   - output: The value to differentiate twice.
  ///   - inputs: The values to differentiate with respect to, of `output`'s
  ///     tape.
  /// - Returns: The n × n symmetric matrix, as rows, for n inputs.
  /// - Precondition: `output` and every input are live values of one tape.
  /// - Complexity: n + 1 recording sweeps, O(n · m) time for a graph of m
  ///   nodes below `output`; O(m) memory, released on return. For more than
  ///   a few dozen inputs, prefer ``hessianVectorProduct(of:withRespectTo:along:)``.
  public static func hessian(of output: Value, withRespectTo inputs: [Value]) -> [[Double]] {
    hessianAndGradient(of: output, withRespectTo: inputs).hessian
  }

  /// The Hessian of `output` times a vector, H·v, without forming the
  /// Hessian: the recorded gradient g, then the gradient of g·v
  /// (reverse-over-reverse).
  ///
  ///     let w = [Value(1.0), Value(2.0)]
  ///     let f = w[0] * w[0] * w[1]          // H = [[2w₁, 2w₀], [2w₀, 0]]
  ///     print(Value.hessianVectorProduct(of: f, withRespectTo: w, along: [1, -1]))
  ///     // Prints "[2.0, 2.0]"
  ///
  /// Everything it records is released before it returns, and no value's
  /// `grad` changes.
  ///
  /// - Parameters:
  ///   - output: The value to differentiate twice.
  ///   - inputs: The values to differentiate with respect to.
  ///   - v: The vector, one entry per input.
  /// - Returns: H·v, one entry per input.
  /// - Precondition: `v.count == inputs.count`; `output` and every input
  ///   are live values of one tape.
  /// - Complexity: Two recording sweeps: O(m) time and memory for a graph
  ///   of m nodes below `output`, whatever the number of inputs.
  public static func hessianVectorProduct(
    of output: Value, withRespectTo inputs: [Value], along v: [Double]
  ) -> [Double] {
    require(
      v.count == inputs.count,
      "Backprop: hessianVectorProduct was given \(inputs.count) inputs and a vector of \(v.count) entries"
    )
    return output.tape.scope {
      let g = gradients(of: output, withRespectTo: inputs)
      return gradients(of: Value.dot(g, v), withRespectTo: inputs).map(\.data)
    }
  }

  /// The gradient and the Hessian, from one recorded gradient.
  static func hessianAndGradient(
    of output: Value, withRespectTo inputs: [Value]
  ) -> (gradient: [Double], hessian: [[Double]]) {
    output.tape.scope {
      let g = gradients(of: output, withRespectTo: inputs)
      var rows: [[Double]] = []
      rows.reserveCapacity(inputs.count)
      for gi in g {
        rows.append(output.tape.scope { gradients(of: gi, withRespectTo: inputs).map(\.data) })
      }
      return (g.map(\.data), symmetrized(rows))
    }
  }

  /// (R + Rᵀ)/2, keeping entries that already agree exactly as they are.
  static func symmetrized(_ rows: [[Double]]) -> [[Double]] {
    var h = rows
    for i in h.indices {
      for j in 0..<i where rows[i][j] != rows[j][i] {
        let mean = 0.5 * rows[i][j] + 0.5 * rows[j][i]
        h[i][j] = mean
        h[j][i] = mean
      }
    }
    return h
  }
}

// MARK: - Functions of [Value]

/// The gradient of `f` as a function of values: given values x it records
/// f(x) and returns ∇f(x) recorded on the tape, so the result can be
/// differentiated again (JAX's `grad`).
///
///     let f: ([Value]) -> Value = { x in x[0] * x[0] * x[1] }   // x₀²x₁
///     let df = gradient(of: f)                  // (2x₀x₁, x₀²)
///     let x = [Value(3.0), Value(2.0)]
///     let g = df(x)
///     print(g.map(\.data))
///     // Prints "[12.0, 9.0]"
///     let d2 = Value.gradients(of: g[0], withRespectTo: x)   // (2x₁, 2x₀)
///     print(d2.map(\.data))
///     // Prints "[4.0, 6.0]"
///
/// What the returned function records stays on the tape of its arguments:
/// call it inside ``Tape/scope(_:)-method`` to release it.
///
/// - Parameter f: The function, built from its arguments with `Value`
///   operations.
/// - Returns: A function from x to ∇f(x), one gradient per argument; see
///   ``Value/gradients(of:withRespectTo:gradient:)``.
/// - Complexity: Each call records f, then its gradient: O(m) time and
///   new nodes for a graph of m nodes.
public func gradient(of f: @escaping ([Value]) -> Value) -> ([Value]) -> [Value] {
  { x in Value.gradients(of: f(x), withRespectTo: x) }
}

/// The gradient ∇f(x) at a point, as numbers, computed on the recorded
/// graph without changing any value's `grad`.
///
///     let g = gradient(of: { x in x[0] * x[0] * x[1] }, at: [3, 2])
///     print(g)
///     // Prints "[12.0, 9.0]"
///
/// `f` is recorded inside a scope of the current tape, with x as new
/// leaves: nothing is left on the tape. It may use values recorded before
/// (a model's parameters, data); they are constants here.
///
/// - Parameters:
///   - f: The function; it must record on the current tape.
///   - x: The point.
/// - Returns: ∂f/∂xᵢ for each i; the same numbers as
///   ``Value/backward(gradient:)`` gives.
/// - Precondition: `f` returns a value of the current tape.
/// - Complexity: One recording of f and one sweep: O(m) time for m nodes,
///   memory released on return.
public func gradient(of f: ([Value]) -> Value, at x: [Double]) -> [Double] {
  let tape = Tape.current
  return tape.scope {
    let inputs = x.map { Value($0, on: tape) }
    let y = recordOnCurrentTape(f, inputs, tape, "gradient(of:at:)")
    return Value.gradients(of: y, withRespectTo: inputs).map(\.data)
  }
}

/// The Hessian matrix of `f` at a point: entry (i, j) is ∂²f/∂xᵢ∂xⱼ.
///
///     // Rosenbrock's function, f(x, y) = (1 − x)² + 100(y − x²)²
///     let h = hessian(of: { v in
///       (1 - v[0]).pow(2) + 100 * (v[1] - v[0].pow(2)).pow(2)
///     }, at: [1, 1])
///     print(h)
///     // Prints "[[802.0, -400.0], [-400.0, 200.0]]"
///
/// `f` is recorded inside a scope of the current tape: nothing is left on
/// it and no `grad` changes. The matrix is exactly symmetric; see
/// ``Value/hessian(of:withRespectTo:)`` for how it is computed.
///
/// - Parameters:
///   - f: The function; it must record on the current tape.
///   - x: The point.
/// - Returns: The n × n matrix, as rows, for a point of n coordinates.
/// - Precondition: `f` returns a value of the current tape.
/// - Complexity: n + 1 recording sweeps over the graph of f (m nodes):
///   O(n · m) time, O(m) memory released on return. Meant for small n; for
///   many inputs use ``hessianVectorProduct(of:at:along:)``.
public func hessian(of f: ([Value]) -> Value, at x: [Double]) -> [[Double]] {
  let tape = Tape.current
  return tape.scope {
    let inputs = x.map { Value($0, on: tape) }
    let y = recordOnCurrentTape(f, inputs, tape, "hessian(of:at:)")
    return Value.hessian(of: y, withRespectTo: inputs)
  }
}

/// The Hessian of `f` at a point times a vector, H·v, without forming the
/// Hessian (reverse-over-reverse: the gradient g recorded as values, then
/// the gradient of g·v).
///
///     let hv = hessianVectorProduct(of: { v in
///       (1 - v[0]).pow(2) + 100 * (v[1] - v[0].pow(2)).pow(2)
///     }, at: [1, 1], along: [1, 0])
///     print(hv)   // the first column of the Hessian
///     // Prints "[802.0, -400.0]"
///
/// `f` is recorded inside a scope of the current tape: nothing is left on
/// it and no `grad` changes.
///
/// - Parameters:
///   - f: The function; it must record on the current tape.
///   - x: The point.
///   - v: The vector, as many entries as `x`.
/// - Returns: H·v.
/// - Precondition: `v.count == x.count`; `f` returns a value of the current
///   tape.
/// - Complexity: One recording of f and two sweeps: O(m) time and memory
///   for m nodes, whatever the dimension.
public func hessianVectorProduct(
  of f: ([Value]) -> Value, at x: [Double], along v: [Double]
) -> [Double] {
  require(
    v.count == x.count,
    "Backprop: hessianVectorProduct was given a point of \(x.count) coordinates and a vector of \(v.count)"
  )
  let tape = Tape.current
  return tape.scope {
    let inputs = x.map { Value($0, on: tape) }
    let y = recordOnCurrentTape(f, inputs, tape, "hessianVectorProduct(of:at:along:)")
    return Value.hessianVectorProduct(of: y, withRespectTo: inputs, along: v)
  }
}

/// f(inputs), checked to be a value of `tape`.
private func recordOnCurrentTape(
  _ f: ([Value]) -> Value, _ inputs: [Value], _ tape: Tape, _ caller: String
) -> Value {
  let y = f(inputs)
  require(
    y.isValid && y.storage == tape.storage,
    "Backprop: the function given to \(caller) must return a value recorded on the current tape (the one its arguments are on)"
  )
  return y
}
