// The L2 (weight-decay) regulariser added to a data loss: micrograd's demo
// adds `alpha * sum(p * p for p in parameters)`; seed 004 adds `λ‖Θ‖²` and
// leaves the intercepts (biases) out.

/// The L2 penalty of a network's parameters, `λ · Σ p²`, optionally
/// without the biases.
///
///     let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
///     let penalty = l2Penalty(model, coefficient: 1e-4)                 // micrograd
///     let weightsOnly = l2Penalty(model, coefficient: 1e-4, includeBiases: false)  // seed 004
///
/// With `includeBiases: true` (the default) every entry of
/// ``Module/parameters`` is penalised, as micrograd's demo does
/// (`reg_loss = alpha * sum((p*p for p in model.parameters()))`). With
/// `includeBiases: false` only the parameters whose role is not
/// ``ParameterRole/bias`` are (``Model/nonBiasParameters``; for an MLP its
/// weights), as in seed 004, whose regulariser leaves the intercepts out
/// ("Intercept do not have regularizer"). Either way the parameters are
/// taken in ``Module/parameters`` order and the penalty is recorded as
/// `λ * Value.sum(params.map { $0 * $0 })`, so the sum runs left to right
/// as micrograd's does.
///
/// The derivative is `∂/∂p = 2λ · p` for each penalised parameter and 0 for
/// the others. Seed 004's averaged gradient adds `λ · Θ`, which is the
/// derivative of `(λ/2)‖Θ‖²`: pass `coefficient: λ / 2` to reproduce it.
///
/// - Parameters:
///   - model: The model whose parameters are penalised: an ``MLP``, a
///     ``Sequential`` or any ``Model``.
///   - coefficient: λ, usually small and ≥ 0 (micrograd's demo uses 1e-4).
///   - includeBiases: Whether the biases are penalised too; `true` by default.
/// - Returns: `λ · Σ p²` over the weights, and the biases when
///   `includeBiases` is true.
/// - Complexity: O(P) time for P parameters; P + 2 nodes.
public func l2Penalty(_ model: some Model, coefficient: Double, includeBiases: Bool = true) -> Value {
  l2Penalty(includeBiases ? model.parameters : model.nonBiasParameters, coefficient: coefficient)
}

/// The L2 penalty of any parameters, `λ · Σ p²`.
///
///     let w = [Value(3.0), Value(-4.0)]
///     let penalty = l2Penalty(w, coefficient: 0.5)
///     print(penalty.data)
///     // Prints "12.5"
///
/// Recorded as `λ * Value.sum(parameters.map { $0 * $0 })`: one product per
/// parameter, one sum node, one product by λ. The derivative is
/// `∂/∂p = 2λ · p`.
///
/// - Parameters:
///   - parameters: The values to penalise, for instance a subset of a
///     model's ``Module/parameters``.
///   - coefficient: λ, usually small and ≥ 0.
/// - Returns: `λ · Σ p²`; 0 (times λ) for an empty list.
/// - Complexity: O(P) time for P parameters; P + 2 nodes.
public func l2Penalty(_ parameters: [Value], coefficient: Double) -> Value {
  coefficient * Value.sum(parameters.map { $0 * $0 })
}
