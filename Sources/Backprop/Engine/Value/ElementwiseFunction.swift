// User-defined ops: an elementwise function with its derivative, recorded as
// one node that backward, replay, the trace and the recorded sweep all handle.

/// An elementwise function of your own, with its derivative, recorded as one
/// node of the tape: a new op without changing the engine.
///
/// Give the function and its derivative (and, to differentiate it twice,
/// its second derivative); calling it on a value records one node, which
/// ``Value/backward(gradient:)``, ``Recording``, the trace and
/// ``Value/gradients(of:withRespectTo:gradient:)`` treat as any built-in op:
///
///     let cube = ElementwiseFunction(
///       "cube", { x in x * x * x }, derivative: { x in 3 * x * x },
///       secondDerivative: { x in 6 * x })
///     let x = Value(2.0)
///     let y = cube(x)
///     y.backward()
///     print(y.data, x.grad)
///     // Prints "8.0 12.0"
///
/// ``checkGradient(of:at:tolerance:)-(([Value])->Value,_,_)`` checks each
/// such node's derivative against central differences of the function at
/// the value the graph saw, and names the function and the node when one is
/// wrong, so a derivative derived by hand is checked line by line.
///
/// The closures must be pure functions of their argument (replay calls them
/// again, and training threads call them concurrently).
///
/// Two functions are equal when they are the same definition (copies of one
/// `ElementwiseFunction`), not when their closures compute the same numbers.
public struct ElementwiseFunction: Sendable, Hashable, CustomStringConvertible {
  /// The function, its derivatives, and the function that is its derivative
  /// (what the recorded sweep records).
  final class Definition: Sendable {
    let name: String
    let function: @Sendable (Double) -> Double
    let derivative: (@Sendable (Double) -> Double)?
    /// f′ as a function of its own, with f″ as its derivative, and so on.
    let derived: Definition?

    init(name: String, function: @escaping @Sendable (Double) -> Double,
         derivatives: [@Sendable (Double) -> Double]) {
      self.name = name
      self.function = function
      derivative = derivatives.first
      derived = derivatives.first.map { first in
        Definition(name: name + "′", function: first, derivatives: Array(derivatives.dropFirst()))
      }
    }

    /// f′(x), or a stop that says which derivative to give.
    func derivativeOrStop(_ x: Double) -> Double {
      guard let derivative else { missingDerivative() }
      return derivative(x)
    }

    /// f′ as a function, or a stop that says which derivative to give.
    func derivedOrStop() -> Definition {
      guard let derived else { missingDerivative() }
      return derived
    }

    private func missingDerivative() -> Never {
      stop(
        """
        Backprop: the derivative of '\(name)' is needed but was not given: \
        differentiating an ElementwiseFunction twice needs its secondDerivative:
        """)
    }
  }

  let definition: Definition

  /// The name shown in traces, graph exports and gradient-check reports.
  public var name: String { definition.name }

  /// A function `f` with its derivative `f′` and, optionally, `f″`.
  ///
  ///     let softsign = ElementwiseFunction(
  ///       "softsign", { x in x / (1 + Swift.abs(x)) },
  ///       derivative: { x in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) })
  ///
  /// - Parameters:
  ///   - name: A short name, for traces and reports.
  ///   - function: f(x).
  ///   - derivative: f′(x).
  ///   - secondDerivative: f″(x), for second derivatives
  ///     (``Value/gradients(of:withRespectTo:gradient:)`` twice, Hessians);
  ///     without it, those stop with a message naming the function.
  public init(
    _ name: String, _ function: @escaping @Sendable (Double) -> Double,
    derivative: @escaping @Sendable (Double) -> Double,
    secondDerivative: (@Sendable (Double) -> Double)? = nil
  ) {
    var derivatives: [@Sendable (Double) -> Double] = [derivative]
    if let secondDerivative { derivatives.append(secondDerivative) }
    definition = Definition(name: name, function: function, derivatives: derivatives)
  }

  init(_ definition: Definition) { self.definition = definition }

  /// f(x), recorded as one node.
  ///
  ///     let y = cube(x)  // dy/dx = cube's derivative at x
  ///
  /// - Precondition: `x` is a live value of the current thread's tape.
  public func callAsFunction(_ x: Value) -> Value {
    let s = x.storage
    let input = s.data[x.node]
    let k = s.pointee.functionIndex(definition)
    return s.record(.custom, x.index, UInt32(truncatingIfNeeded: k), definition.function(input))
  }

  /// f(x) on a plain number, with no tape.
  ///
  ///     print(cube(2.0))
  ///     // Prints "8.0"
  public func callAsFunction(_ x: Double) -> Double { definition.function(x) }

  /// f(xᵢ) for each value, one node each.
  ///
  ///     let ys = cube([a, b])
  public func callAsFunction(_ xs: [Value]) -> [Value] { xs.map { self($0) } }

  /// The name.
  public var description: String { name }

  public static func == (a: Self, b: Self) -> Bool { a.definition === b.definition }

  public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(definition)) }
}

extension TapeStorage {
  /// The index of `definition` in the tape's function table, added on first
  /// use (one table per tape, kept until `removeAll`).
  mutating func functionIndex(_ definition: ElementwiseFunction.Definition) -> Int {
    let id = ObjectIdentifier(definition)
    if let k = functionIndices[id] { return k }
    functions.append(definition)
    functionIndices[id] = functions.count - 1
    return functions.count - 1
  }
}
