// How an activation is written in a checkpoint: `{ "relu" : { } }`,
// `{ "leakyReLU" : { "slope" : 0.01 } }`; a custom one cannot be.

extension Activation: Codable {
  /// The case names, which are the JSON keys.
  private enum CaseKey: String, CodingKey {
    case linear, step, sigmoid, tanh, relu, leakyReLU, elu, softplus, gelu, swish
  }

  /// The parameter names of the cases that have one.
  private enum ParameterKey: String, CodingKey {
    case slope, alpha
  }

  /// Reads one activation: an object with one key, the case's name, whose
  /// value holds its parameter (the format Swift's derived coding writes,
  /// kept so that every checkpoint written before still loads).
  ///
  /// - Throws: `DecodingError` when the object has no known name, more than
  ///   one, or a missing parameter.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CaseKey.self)
    guard container.allKeys.count == 1, let key = container.allKeys.first else {
      throw DecodingError.typeMismatch(
        Activation.self,
        DecodingError.Context(
          codingPath: container.codingPath,
          debugDescription: "an activation is an object with one key, its name (one of "
            + "\(Self.names)); found \(container.allKeys.map(\.stringValue))"))
    }
    let parameters = try container.nestedContainer(keyedBy: ParameterKey.self, forKey: key)
    switch key {
    case .linear: self = .linear
    case .step: self = .step
    case .sigmoid: self = .sigmoid
    case .tanh: self = .tanh
    case .relu: self = .relu
    case .softplus: self = .softplus
    case .gelu: self = .gelu
    case .swish: self = .swish
    case .leakyReLU: self = .leakyReLU(slope: try parameters.decode(Double.self, forKey: .slope))
    case .elu: self = .elu(alpha: try parameters.decode(Double.self, forKey: .alpha))
    }
  }

  /// Writes the activation as ``init(from:)`` reads it.
  ///
  /// - Throws: `EncodingError.invalidValue` for ``custom(_:)``, whose
  ///   function is code, not data. ``Checkpoint`` checks first and throws
  ///   ``CheckpointError/customActivation(layer:name:)``.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CaseKey.self)
    switch self {
    case .linear: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .linear)
    case .step: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .step)
    case .sigmoid: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .sigmoid)
    case .tanh: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .tanh)
    case .relu: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .relu)
    case .softplus: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .softplus)
    case .gelu: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .gelu)
    case .swish: _ = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .swish)
    case .leakyReLU(let slope):
      var parameters = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .leakyReLU)
      try parameters.encode(slope, forKey: .slope)
    case .elu(let alpha):
      var parameters = container.nestedContainer(keyedBy: ParameterKey.self, forKey: .elu)
      try parameters.encode(alpha, forKey: .alpha)
    case .custom(let f):
      throw EncodingError.invalidValue(
        self,
        EncodingError.Context(
          codingPath: encoder.codingPath,
          debugDescription: "the custom activation '\(f.name)' is code, not data: it cannot be "
            + "written; save the parameters and rebuild the model with the function"))
    }
  }

  private static var names: String {
    [CaseKey.linear, .step, .sigmoid, .tanh, .relu, .leakyReLU, .elu, .softplus, .gelu, .swish]
      .map(\.stringValue).joined(separator: ", ")
  }
}
