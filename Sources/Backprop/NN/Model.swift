// The model protocol that training, sharding, the L2 penalty, gradient norms
// and checkpoints accept: sizes, parameter groups with roles, a copy.

/// What a parameter is for, so that the L2 penalty can leave the biases out
/// (seed 004: "Intercept do not have regularizer") and tools can tell the
/// parameters apart.
public enum ParameterRole: Sendable, Hashable, CustomStringConvertible {
  /// A weight: multiplies an input (a neuron's, a convolution kernel's).
  case weight
  /// A bias: added to a weighted sum, an intercept.
  case bias
  /// Anything else a model of your own trains (a scale, a temperature); the
  /// L2 penalty treats it as a weight.
  case other

  public var description: String {
    switch self {
    case .weight: "weight"
    case .bias: "bias"
    case .other: "other"
    }
  }
}

/// A named run of a model's parameters, one layer's, each with its role.
///
///     let layer = Layer(inputSize: 2, outputSize: 1, seed: 0)
///     let group = layer.parameterGroups[0]
///     print(group.name, group.roles)
///     // Prints "dense 2 → 1 [weight, weight, bias]"
///
/// A model's groups, one after the other, are its ``Module/parameters`` in
/// order: training reports one gradient norm per group
/// (``EpochReport/layerGradientNorms``).
public struct ParameterGroup {
  /// What the group is: `dense 2 → 16`, `conv 1 → 6 3×3`.
  public let name: String
  /// The parameters, in the model's order.
  public let parameters: [Value]
  /// The role of each parameter.
  public let roles: [ParameterRole]

  /// A group of parameters with their roles.
  ///
  ///     let scale = Value(1.0)
  ///     let group = ParameterGroup(name: "scale", parameters: [scale], roles: [.other])
  ///
  /// - Precondition: One role per parameter.
  public init(name: String, parameters: [Value], roles: [ParameterRole]) {
    require(
      parameters.count == roles.count,
      "Backprop: a parameter group needs one role per parameter (\(parameters.count) "
        + "parameters, \(roles.count) roles)")
    self.name = name
    self.parameters = parameters
    self.roles = roles
  }
}

/// A trainable model from a vector of inputs to a vector of outputs: what
/// ``train(_:on:loss:optimizer:options:progress:)``, the shards, the L2
/// penalty and the gradient norms accept. ``MLP``, ``Layer`` and
/// ``Sequential`` conform; so does a model of your own:
///
///     struct Affine: Model {
///       let scale: Value
///       let shift: Value
///       init(scale: Double = 1, shift: Double = 0) {
///         self.scale = Value(scale)
///         self.shift = Value(shift)
///       }
///       var inputSize: Int { 1 }
///       var outputSize: Int { 1 }
///       var parameterGroups: [ParameterGroup] {
///         [ParameterGroup(name: "affine", parameters: [scale, shift], roles: [.weight, .bias])]
///       }
///       func copy() -> Affine { Affine(scale: scale.data, shift: shift.data) }
///       func callAsFunction(_ x: [Value]) -> [Value] { [scale * x[0] + shift] }
///     }
///
/// ``Module/parameters`` comes from the groups unless the model stores it;
/// `callAsFunction(_:)` on plain numbers records each number as a leaf and
/// calls the model on them, unless the model has a faster way (an ``MLP``
/// records them as constants of its first layer's dot products).
public protocol Model: Module where Input == [Value], Output == [Value] {
  /// The number of inputs.
  var inputSize: Int { get }
  /// The number of outputs.
  var outputSize: Int { get }
  /// The parameters in groups (a layer each), whose concatenation is
  /// ``Module/parameters``, with each parameter's role.
  var parameterGroups: [ParameterGroup] { get }
  /// A model of the same architecture whose parameters are new leaves on
  /// the current thread's tape, with the same values: how training puts a
  /// model on each thread's tape.
  func copy() -> Self
  /// The outputs for inputs that are plain numbers.
  func callAsFunction(_ x: [Double]) -> [Value]
}

extension Model {
  /// Every parameter, group after group.
  public var parameters: [Value] { parameterGroups.flatMap(\.parameters) }

  /// Calls the model on the numbers, each recorded as a leaf.
  public func callAsFunction(_ x: [Double]) -> [Value] { self(x.map { Value($0) }) }

  /// The parameters whose role is not ``ParameterRole/bias``, in order: what
  /// the L2 penalty sums when it leaves the biases out.
  public var nonBiasParameters: [Value] {
    parameterGroups.flatMap { group in
      zip(group.parameters, group.roles).compactMap { $1 == .bias ? nil : $0 }
    }
  }
}
