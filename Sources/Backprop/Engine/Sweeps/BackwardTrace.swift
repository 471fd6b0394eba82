// A chain-rule ledger for learners: backward, recording every application of
// the chain rule, so that a hand derivation can be checked line by line.

/// Every step of one backward sweep: for each node, from the output down,
/// and each of its inputs, the local derivative ∂node/∂input, the gradient
/// that reached the node (upstream), and their product (the contribution
/// added to the input's gradient).
///
///     let a = Value(2.0, label: "a")
///     let b = Value(-3.0, label: "b")
///     let c = a * b
///     c.label = "c"
///     let trace = c.backwardWithTrace()
///     print(trace)
///     // node  op  input  ∂node/∂input  upstream  contribution
///     // c     *   a         -3.000000  1.000000     -3.000000
///     // c     *   b          2.000000  1.000000      2.000000
///
/// The gradients it leaves are exactly those of ``Value/backward(gradient:)``
/// (a test checks it bit for bit on random graphs); only slower, since it
/// keeps every step.
public struct BackwardTrace: Sendable, CustomStringConvertible {
  /// One application of the chain rule.
  ///
  ///     let x = Value(3.0, label: "x")
  ///     let step = (x * x).backwardWithTrace().steps[0]
  ///     print(step.inputName, step.localDerivative, step.contribution)  // x 3.0 3.0
  public struct Step: Sendable, Equatable {
    /// The node whose gradient is passed back (its ``Value/id``).
    public let node: Int
    /// Its label, or `#id`.
    public let nodeName: String
    /// Its op: `*`, `tanh`, `sum`, …
    public let op: String
    /// The input receiving a contribution (its ``Value/id``).
    public let input: Int
    /// Its label, or `#id`.
    public let inputName: String
    /// ∂node/∂input at the recorded values: the op table's contribution for
    /// an upstream gradient of 1, so exactly the factor the sweep applies
    /// (for a log-sum-exp (1/Σ)·e^(x−m), which can differ in the last bit
    /// from e^(x−m)/Σ, what traces showed before the op table).
    public let localDerivative: Double
    /// ∂output/∂node: the node's gradient when it was processed.
    public let upstream: Double
    /// What was added to the input's gradient: upstream × local derivative
    /// (for relu and step a select: exactly 0 where the derivative is 0).
    public let contribution: Double
  }

  /// The steps in the order the sweep took them: nodes from the output
  /// down (reverse creation order), inputs in operand order.
  public let steps: [Step]

  /// The steps as a fixed-width table.
  ///
  ///     print(trace.table(digits: 2))
  ///
  /// - Parameter digits: Digits after the point; 6 by default.
  /// - Returns: One header line and one line per step.
  public func table(digits: Int = 6) -> String {
    TextTable.aligned(Self.rows(of: steps, digits: digits), numeric: [3, 4, 5])
  }

  /// The header and one row per step, as ``table(digits:)`` and the
  /// explanation's ledger (`Explanation`) show them.
  static func rows(of steps: [Step], digits: Int) -> [[String]] {
    [["node", "op", "input", "∂node/∂input", "upstream", "contribution"]]
      + steps.map { s in
        [
          s.nodeName, s.op, s.inputName, GraphText.fixed(s.localDerivative, digits),
          GraphText.fixed(s.upstream, digits), GraphText.fixed(s.contribution, digits),
        ]
      }
  }

  /// ``table(digits:)`` with 6 digits.
  public var description: String { table() }
}

extension Value {
  /// Runs ``backward(gradient:)`` and records each application of the chain
  /// rule in a ``BackwardTrace``.
  ///
  ///     let x = Value(3.0, label: "x")
  ///     let y = x * x
  ///     print(y.backwardWithTrace().steps.map(\.contribution))
  ///     // Prints "[3.0, 3.0]"
  ///
  /// Gradients change exactly as with ``backward(gradient:)``.
  ///
  /// - Parameter gradient: The upstream gradient, as in ``backward(gradient:)``; 1 by default.
  /// - Returns: The steps, output first.
  /// - Complexity: O(n log n) for the n nodes below this value, and memory
  ///   for every step: for learning and checking, not for training.
  public func backwardWithTrace(gradient: Double = 1) -> BackwardTrace {
    let s = storage
    let root = node
    let graph = GraphSnapshot(root: self)
    func name(_ i: Int) -> String {
      s.pointee.labels[UInt32(i)] ?? "#\(i)"
    }
    if s.op[root] == .leaf {
      s.grad[root] += gradient
      return BackwardTrace(steps: [])
    }
    // Adjoints of this sweep; leaves accumulate into their gradient, interior
    // nodes get this sweep's gradient (the rules of `backward`).
    var adjoint: [Int: Double] = [root: gradient]
    var steps: [BackwardTrace.Step] = []
    for node in graph.nodes.reversed() where node.op != .leaf {
      guard let g = adjoint[node.index] else { continue }
      s.grad[node.index] = g
      for (input, local, contribution) in LocalDerivatives.contributions(of: node.index, upstream: g, in: s) {
        steps.append(
          BackwardTrace.Step(
            node: node.index, nodeName: name(node.index), op: GraphText.opLabel(node),
            input: input, inputName: name(input), localDerivative: local, upstream: g,
            contribution: contribution))
        if s.op[input] == .leaf {
          s.grad[input] += contribution
        } else if let sum = adjoint[input] {
          adjoint[input] = sum + contribution
        } else {
          adjoint[input] = contribution  // not 0 + c, which turns −0 into +0
        }
      }
    }
    return BackwardTrace(steps: steps)
  }
}

/// The chain rule of node `i` as (input, local derivative, contribution)
/// triples, from the op table: the contributions are what `backward()`
/// adds, and each local derivative is the contribution for an upstream
/// gradient of 1 (the same formula, so g/y has the local derivative 1/y).
enum LocalDerivatives {
  static func contributions(
    of i: Int, upstream g: Double, in s: UnsafeMutablePointer<TapeStorage>
  ) -> [(Int, Double, Double)] {
    let columns = TapeColumns(s)
    let numbers = NumericChainRule(columns: columns)
    func terms(_ upstream: Double) -> [(Int, Double)] {
      var result: [(Int, Double)] = []
      ChainRule.propagate(
        node: i, upstream: upstream, in: columns, numbers, weightRuns: false,
        give: { j, c in result.append((Int(j), c())) }, giveWeight: { j, c in result.append((j, c)) })
      return result
    }
    let contributions = terms(g)
    let locals = terms(1)
    return zip(contributions, locals).map { ($0.0, $1.1, $0.1) }
  }
}
