// The loss of a batch: the mean of the per-example losses of the free
// functions in `Losses/`, and the part of it a shard of the batch contributes.

extension Loss {
  /// The batch loss: the mean over the batch of the per-example loss.
  ///
  ///     let outputs = [model([2.0, 3.0]), model([-1.0, 0.5])]
  ///     let loss = Loss.meanSquaredError(outputs, [[1.0], [-1.0]])
  ///     loss.backward()
  ///
  /// It is recorded as `Value.sum(perExample) * (1.0 / Double(batchCount))`:
  /// a multiply, as micrograd's demo writes
  /// `sum(losses) * (1.0 / len(losses))`, so that the two agree bit for bit.
  /// Each per-example loss is the free function the case names (see
  /// ``Loss``); for ``sumOfSquaredErrors`` it sums over the outputs, for
  /// ``meanSquaredError`` and ``halfMeanSquaredError`` it averages over them.
  ///
  /// - Parameters:
  ///   - outputs: The model's outputs, one row per example.
  ///   - targets: The targets, one row per example.
  /// - Returns: `(1/B) Σᵢ ℓ(outputsᵢ, targetsᵢ)` for a batch of B examples.
  /// - Precondition: The batch is not empty, there are as many target rows as
  ///   output rows, and the targets passed ``validate(targets:outputSize:)``
  ///   for the outputs' size.
  /// - Complexity: O(B · K) time and nodes for B examples of K outputs.
  public func callAsFunction(_ outputs: [[Value]], _ targets: [[Double]]) -> Value {
    require(!outputs.isEmpty, "Backprop: the loss of an empty batch is undefined")
    require(
      outputs.count == targets.count,
      "Backprop: \(outputs.count) output rows but \(targets.count) target rows")
    return partialLoss(outputs, targets, batchCount: outputs.count)
  }

  /// The batch loss of a ``Sequential``'s output images, each taken as its
  /// values in CHW order: seed 004's `loss = criterion(output, target)`
  /// with `output = input.map { net($0) }`.
  ///
  ///     let output = images.map { net($0) }   // [Image]
  ///     let loss = Loss.softmaxCrossEntropy(output, targets)
  ///
  /// - Precondition: As for ``callAsFunction(_:_:)-([[Value]],_)``.
  public func callAsFunction(_ outputs: [Image], _ targets: [[Double]]) -> Value {
    self(outputs.map(\.values), targets)
  }

  /// The part of a batch loss that some of its examples contribute:
  /// `Value.sum(perExample) * (1.0 / Double(batchCount))`, with `batchCount`
  /// the size of the whole batch. Parallel training adds up such parts, one
  /// per shard of the batch.
  func partialLoss(_ outputs: [[Value]], _ targets: [[Double]], batchCount: Int) -> Value {
    var perExample: [Value] = []
    perExample.reserveCapacity(outputs.count)
    for (output, target) in zip(outputs, targets) {
      perExample.append(exampleLoss(output: output, target: target))
    }
    return Value.sum(perExample) * (1.0 / Double(batchCount))
  }

  /// The loss of one example, with the checks of a validated target as
  /// preconditions.
  func exampleLoss(output: [Value], target: [Double]) -> Value {
    switch self {
    case .sumOfSquaredErrors:
      requireOnePerOutput(output, target)
      return Value.sum(squaredErrors(output, target))
    case .meanSquaredError:
      requireOnePerOutput(output, target)
      return meanOfSquaredErrors(output, target)
    case .halfMeanSquaredError:
      requireOnePerOutput(output, target)
      return halfMeanOfSquaredErrors(output, target)
    case .binaryCrossEntropy:
      requireSingle(output, target)
      return Backprop.binaryCrossEntropy(probability: output[0], label: target[0])
    case .binaryCrossEntropyWithLogits:
      requireSingle(output, target)
      return Backprop.binaryCrossEntropy(logit: output[0], label: target[0])
    case .hinge:
      requireSingle(output, target)
      return Backprop.hinge(score: output[0], label: target[0])
    case .softmaxCrossEntropy:
      if target.count == 1 {
        guard let c = Loss.classIndex(target[0], classCount: output.count) else {
          stop(
            "Backprop: class label \(target[0]) is outside 0..<\(output.count); "
              + "validate the targets first")
        }
        return Backprop.softmaxCrossEntropy(logits: output, classIndex: c)
      }
      require(
        !output.isEmpty && output.count == target.count,
        "Backprop: \(output.count) logits but a one-hot target of \(target.count); "
          + "validate the targets first")
      return softmaxCrossEntropyUnchecked(logits: output, oneHot: target)
    }
  }

  /// Stops unless there are outputs and one target entry per output.
  private func requireOnePerOutput(_ output: [Value], _ target: [Double]) {
    require(
      !output.isEmpty && output.count == target.count,
      "Backprop: \(self) of \(output.count) outputs and \(target.count) targets; "
        + "validate the targets first")
  }

  /// Stops unless there are one output and one target entry.
  private func requireSingle(_ output: [Value], _ target: [Double]) {
    require(
      output.count == 1 && target.count == 1,
      "Backprop: \(self) takes one output and one target, not \(output.count) and "
        + "\(target.count); validate the targets first")
  }
}
