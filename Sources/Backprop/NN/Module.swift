// The model protocol: a differentiable function with trainable parameters,
// and what every module gets from it (zeroing, reading, setting parameters).

/// A differentiable function with trainable parameters, called like a
/// function: ``Neuron``, ``Layer``, ``MLP``.
///
///     let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh)
///     let y = model([0.5, -1.0])   // [Value]
///     model.zeroGrad()
///     y[0].backward()
///     for p in model.parameters { p.data -= 0.1 * p.grad }
///
/// Parameters are leaves (``Value``s) on the tape that was current when the
/// module was created; calling the module records its computation on that
/// tape, so train it inside ``Tape/scope(_:)-method`` to keep memory flat.
public protocol Module {
  /// What the module takes.
  associatedtype Input
  /// What the module returns.
  associatedtype Output

  /// The trainable parameters: leaves, the same ones in the same order every
  /// time they are read, for the module's life, so that an optimiser, a
  /// checkpoint or ``parameterValues`` can pair them up by position. Each
  /// module documents its order (``MLP/parameters``: micrograd's).
  var parameters: [Value] { get }

  /// Applies the module, recording its computation on the tape.
  func callAsFunction(_ input: Input) -> Output
}

extension Module {
  /// Sets the gradient of every parameter to zero.
  ///
  ///     model.zeroGrad()
  public func zeroGrad() {
    for p in parameters { p.zeroGrad() }
  }

  /// The number of trainable parameters.
  public var parameterCount: Int { parameters.count }

  /// The parameters' current values, in ``parameters`` order.
  ///
  ///     let snapshot = model.parameterValues
  public var parameterValues: [Double] { parameters.map(\.data) }

  /// The parameters' current gradients, in ``parameters`` order.
  public var parameterGradients: [Double] { parameters.map(\.grad) }

  /// Sets every parameter from `values`, in ``parameters`` order. Nothing is
  /// changed when the count is wrong or a value is not finite.
  ///
  ///     try model.setParameterValues(snapshot)
  ///
  /// - Parameter values: One value per parameter.
  /// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when
  ///   the count differs from ``parameterCount``,
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for NaN or ±inf.
  public func setParameterValues(_ values: [Double]) throws {
    let ps = parameters
    guard values.count == ps.count else {
      throw TrainingError.sizeMismatch(
        what: "parameter values", expected: ps.count, actual: values.count)
    }
    if let i = values.firstIndex(where: { !$0.isFinite }) {
      throw TrainingError.nonFiniteValue(what: "parameter", index: i, value: values[i])
    }
    for (p, v) in zip(ps, values) { p.data = v }
  }
}
