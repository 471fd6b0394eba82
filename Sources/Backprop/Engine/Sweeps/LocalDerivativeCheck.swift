// The per-op diagnosis of a gradient check: each user-defined op's derivative
// (``ElementwiseFunction``) against central differences of its own function,
// at the values the graph saw.

/// One user-defined op's derivative, checked at one node of a graph.
///
/// ``checkGradient(of:at:tolerance:)-(([Value])->Value,_,_)`` makes one for
/// each ``ElementwiseFunction`` node below the output (and one more for its
/// second derivative, when it has one), so a wrong derivative is named with
/// its function, its node and the input it was wrong at:
///
///     let bad = ElementwiseFunction(
///       "square", { x in x * x }, derivative: { x in x })  // should be 2x
///     let report = checkGradient(of: { x in bad(x[0]) + x[1] }, at: [3, 1])
///     print(report.localDerivatives[0])
///     // Prints "derivative of 'square' at node #2 (x = 3.0): FAILED, given 3.0, central difference 6.000000000838668"
public struct LocalDerivativeCheck: Sendable, Equatable, CustomStringConvertible {
  /// The function's name (``ElementwiseFunction/name``).
  public let function: String
  /// The node that applies it (its ``Value/id``).
  public let node: Int
  /// 1 for the derivative, 2 for the second derivative.
  public let order: Int
  /// The input the node saw.
  public let input: Double
  /// The derivative as given, at `input`.
  public let given: Double
  /// The central difference of the function (for order 2, of the given
  /// derivative) at `input`.
  public let numeric: Double
  /// Whether the two agree within the tolerance.
  public let passed: Bool

  /// One line: what was checked, where, and the two numbers.
  public var description: String {
    let what = order == 1 ? "derivative" : "second derivative"
    let verdict = passed ? "passed" : "FAILED"
    return
      "\(what) of '\(function)' at node #\(node) (x = \(input)): \(verdict), given \(given), central difference \(numeric)"
  }
}

/// The derivatives of the ``ElementwiseFunction`` nodes below `root`, each
/// against a central difference at the node's input, once per node.
func checkLocalDerivatives(
  below root: Value, tolerance: GradientCheckTolerance
) -> [LocalDerivativeCheck] {
  let s = root.storage
  var checks: [LocalDerivativeCheck] = []
  for node in GraphSnapshot(root: root).nodes where node.op == .custom {
    let definition = s.pointee.functions[Int(s.pointee.rhs[node.index])]
    let x = s.data[node.operands[0]]
    var order = 1
    var current: ElementwiseFunction.Definition? = definition
    while let f = current, let derivative = f.derivative {
      let h = tolerance.step * Swift.max(1, Swift.abs(x))
      let numeric = (f.function(x + h) - f.function(x - h)) / ((x + h) - (x - h))
      let given = derivative(x)
      checks.append(
        LocalDerivativeCheck(
          function: definition.name, node: node.index, order: order, input: x, given: given,
          numeric: numeric,
          passed: tolerance.accepts(analytic: given, numeric: numeric, value: f.function(x))))
      current = f.derived
      order += 1
    }
  }
  return checks
}
