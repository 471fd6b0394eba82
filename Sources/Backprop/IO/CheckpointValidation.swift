// Checking a checkpoint: sizes that fit together, finite numbers, and the
// checksum of its contents.

import Foundation

extension Checkpoint {
  // MARK: Validation

  /// Checks that the parts fit together and every number is finite.
  func validate() throws(CheckpointError) {
    guard Self.readableFormatVersions.contains(formatVersion) else {
      throw .invalidContents(
        reason: "format version \(formatVersion) is not one of "
          + "\(Self.readableFormatVersions.map(String.init).joined(separator: ", "))")
    }
    try validateNames()
    if let architecture {
      try validate(architecture)
    } else {
      try validateMLP()
    }
    if let i = parameters.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteParameter(index: i, value: parameters[i])
    }
    if let optimizer { try validate(optimizer) }
    if let standardization {
      do {
        try Standardizer.validate(
          mean: standardization.mean, standardDeviation: standardization.standardDeviation)
      } catch {
        throw CheckpointError(invalidScaling: error)
      }
      guard standardization.mean.count == inputSize else {
        throw .invalidContents(
          reason: "the scaling has \(standardization.mean.count) features but the model "
            + "takes \(inputSize) inputs")
      }
    }
  }

  /// Checks a Sequential's or a model of one's own's architecture against
  /// the sizes and the parameters.
  private func validate(_ architecture: ModelArchitecture) throws(CheckpointError) {
    guard formatVersion >= 3 else {
      throw .invalidContents(
        reason: "format version \(formatVersion) has no architecture; it needs version 3")
    }
    let outputs: Int
    switch architecture {
    case .sequential(_, let layers):
      if let k = layers.indices.first(where: { layers[$0].problem != nil }) {
        throw .invalidContents(reason: "layer \(k): \(layers[k].problem ?? "")")
      }
      do {
        outputs = try architecture.outputSize()
      } catch {
        throw .invalidContents(reason: "the layers do not fit together: \(error)")
      }
    case .parameterGroups(let inputs, let o, let groups):
      guard inputs >= 1, o >= 1 else {
        throw .invalidContents(reason: "the model maps \(inputs) inputs to \(o) outputs; both must be ≥ 1")
      }
      if let k = groups.indices.first(where: { groups[$0].count < 0 || groups[$0].name.isEmpty }) {
        throw .invalidContents(
          reason: "parameter group \(k) ('\(groups[k].name)', \(groups[k].count)) needs a name "
            + "and a size ≥ 0")
      }
      outputs = o
    }
    guard inputSize == architecture.inputSize, layerSizes == [outputs], activations.isEmpty else {
      throw .invalidContents(
        reason: "the sizes (\(inputSize) inputs, layers \(layerSizes)) do not match the "
          + "architecture \(architecture)")
    }
    guard parameters.count == architecture.parameterCount else {
      throw .invalidContents(
        reason: "there are \(parameters.count) parameters but the architecture "
          + "\(architecture) has \(architecture.parameterCount)")
    }
  }

  /// Checks an MLP's sizes and activations against the parameters.
  private func validateMLP() throws(CheckpointError) {
    guard inputSize >= 1 else {
      throw .invalidContents(reason: "the input size is \(inputSize); it must be ≥ 1")
    }
    guard !layerSizes.isEmpty else {
      throw .invalidContents(reason: "there are no layers; an MLP needs at least one")
    }
    if let k = layerSizes.firstIndex(where: { $0 < 1 }) {
      throw .invalidContents(reason: "layer \(k) has size \(layerSizes[k]); it must be ≥ 1")
    }
    guard activations.count == layerSizes.count else {
      throw .invalidContents(
        reason: "there are \(layerSizes.count) layer sizes but \(activations.count) "
          + "activations; there must be one per layer")
    }
    for (k, activation) in activations.enumerated() {
      switch activation {
      case .leakyReLU(let number), .elu(let number):
        guard number.isFinite else {
          throw .invalidContents(
            reason: "the activation of layer \(k), \(activation), has a non-finite parameter")
        }
      case .custom(let f):
        throw .customActivation(layer: k, name: f.name)
      case .linear, .step, .sigmoid, .tanh, .relu, .softplus, .gelu, .swish:
        break
      }
    }
    let expected = try expectedParameterCount()
    guard parameters.count == expected else {
      throw .invalidContents(
        reason: "there are \(parameters.count) parameters but the architecture "
          + "\(architectureDescription) has \(expected)")
    }
  }

  /// Checks the feature, class and target names.
  private func validateNames() throws(CheckpointError) {
    func checkDistinct(_ names: [String], _ what: String) throws(CheckpointError) {
      if let i = names.firstIndex(where: { $0.isEmpty }) {
        throw .invalidContents(reason: "\(what) \(i + 1) is empty")
      }
      var seen: [String: Int] = [:]
      for (i, name) in names.enumerated() {
        if let j = seen[name] {
          throw .invalidContents(
            reason: "\(what)s \(j + 1) and \(i + 1) are both '\(name)'; names must differ")
        }
        seen[name] = i
      }
    }
    if let featureNames {
      guard featureNames.count == inputSize else {
        throw .invalidContents(
          reason: "there are \(featureNames.count) feature names but the model takes "
            + "\(inputSize) inputs")
      }
      try checkDistinct(featureNames, "feature name")
    }
    if let classNames {
      let outputs = layerSizes.last ?? 0
      guard classNames.count >= 2, classNames.count == outputs || (outputs == 1 && classNames.count == 2)
      else {
        throw .invalidContents(
          reason: "there are \(classNames.count) class names but the model has \(outputs) "
            + (outputs == 1 ? "output" : "outputs")
            + " (a classifier has one output per class, or one output and two classes)")
      }
      try checkDistinct(classNames, "class name")
    }
    if let targetName {
      guard !targetName.isEmpty else {
        throw .invalidContents(reason: "the target name is empty")
      }
      if let i = featureNames?.firstIndex(of: targetName) {
        throw .invalidContents(
          reason: "the target name '\(targetName)' is also feature name \(i + 1)")
      }
    }
  }

  /// The parameter count of the architecture: Σₖ (inputsₖ + 1)·sizeₖ,
  /// computed without overflow.
  private func expectedParameterCount() throws(CheckpointError) -> Int {
    var total = 0
    var inputs = inputSize
    for size in layerSizes {
      let (perNeuron, o1) = inputs.addingReportingOverflow(1)
      let (layer, o2) = perNeuron.multipliedReportingOverflow(by: size)
      let (sum, o3) = total.addingReportingOverflow(layer)
      guard !o1, !o2, !o3 else {
        throw .invalidContents(
          reason: "the architecture \(architectureDescription) has more parameters than "
            + "an Int can count")
      }
      total = sum
      inputs = size
    }
    return total
  }

  /// Checks an optimiser state against the parameters.
  private func validate(_ state: OptimizerState) throws(CheckpointError) {
    guard state.stepCount >= 0 else {
      throw .invalidContents(
        reason: "the optimizer's step count is \(state.stepCount); it must be ≥ 0")
    }
    for name in state.hyperparameters.keys.sorted() {
      if let value = state.hyperparameters[name], !value.isFinite {
        throw .invalidContents(
          reason: "the optimizer's hyperparameter \(name) is \(value); it must be finite")
      }
    }
    do {
      try state.schedule.validate()
    } catch {
      throw .invalidContents(reason: "the optimizer's learning-rate schedule: \(error)")
    }
    for name in state.buffers.keys.sorted() {
      let buffer = state.buffers[name] ?? []
      guard buffer.count == parameters.count else {
        throw .invalidContents(
          reason: "the optimizer's buffer \"\(name)\" has \(buffer.count) entries but the "
            + "model has \(parameters.count) parameters")
      }
      if let i = buffer.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteValue(
          what: "optimizer buffer \"\(name)\" entry", index: i, value: buffer[i])
      }
    }
  }

  /// `2 → 16 relu → 1 linear`.
  private var architectureDescription: String {
    "\(inputSize)"
      + zip(layerSizes, activations).map { " → \($0.0) \($0.1)" }.joined()
      + (activations.count == layerSizes.count
        ? "" : " (\(layerSizes.count) sizes, \(activations.count) activations)")
  }

  // MARK: Checksum

  /// `fnv1a64:` and 16 hexadecimal digits: a 64-bit FNV-1a hash of the
  /// contents (numbers by their bit patterns, strings by their UTF-8 bytes),
  /// independent of how a JSON library formats numbers.
  var checksum: String {
    var digest = ContentDigest()
    digest.add(formatVersion)
    digest.add(inputSize)
    digest.add(layerSizes.count)
    for size in layerSizes { digest.add(size) }
    if let architecture {
      // Every setting is in the descriptions, numbers in Swift's shortest
      // round-trip form.
      digest.add("architecture")
      digest.add(architecture.description)
    }
    digest.add(activations.count)
    for activation in activations {
      switch activation {
      case .leakyReLU(let slope):
        digest.add("leakyReLU")
        digest.add(slope)
      case .elu(let alpha):
        digest.add("elu")
        digest.add(alpha)
      default:
        digest.add(activation.description)
      }
    }
    digest.add(parameters)
    if let optimizer {
      digest.add("optimizer")
      digest.add(optimizer.kind)
      digest.add(optimizer.hyperparameters.count)
      for name in optimizer.hyperparameters.keys.sorted() {
        digest.add(name)
        digest.add(optimizer.hyperparameters[name] ?? 0)
      }
      switch optimizer.schedule {
      case .linearDecay(let final, let steps):
        digest.add("linearDecay")
        digest.add(final)
        digest.add(steps)
      case .stepDecay(let factor, let every):
        digest.add("stepDecay")
        digest.add(factor)
        digest.add(every)
      default:
        digest.add(optimizer.schedule.description)
      }
      digest.add(optimizer.stepCount)
      digest.add(optimizer.buffers.count)
      for name in optimizer.buffers.keys.sorted() {
        digest.add(name)
        digest.add(optimizer.buffers[name] ?? [])
      }
    } else {
      digest.add("no optimizer")
    }
    digest.add(metadata.count)
    for key in metadata.keys.sorted() {
      digest.add(key)
      digest.add(metadata[key] ?? "")
    }
    if let standardization {
      digest.add("standardization")
      digest.add(standardization.mean)
      digest.add(standardization.standardDeviation)
    } else {
      digest.add("no standardization")
    }
    if formatVersion >= 2 {  // version 1 had no names: its checksums stay as they were
      for names in [featureNames, classNames, targetName.map { [$0] }] {
        if let names {
          digest.add(names.count)
          for name in names { digest.add(name) }
        } else {
          digest.add(-1)
        }
      }
    }
    let hex = String(digest.value, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Compares a checksum read from a file with the contents.
  func verifyChecksum(_ stored: String) throws(CheckpointError) {
    guard stored.hasPrefix("fnv1a64:") else {
      throw .invalidContents(
        reason: "unknown checksum \"\(stored)\"; expected \"fnv1a64:\" and 16 hex digits")
    }
    let actual = checksum
    guard stored.lowercased() == actual else {
      throw .invalidContents(
        reason: "the checksum is \(stored) but the contents hash to \(actual): the file was "
          + "damaged or edited after it was saved (remove the \"checksum\" field to accept "
          + "manual edits)")
    }
  }
}

extension CheckpointError {
  /// The error a checkpoint reports for a scaling that fails the checks of
  /// ``Standardizer/init(mean:standardDeviation:)``: a NaN or ±inf entry as
  /// ``nonFiniteValue(what:index:value:)`` (a `feature mean` or `feature
  /// standard deviation`), anything else as ``invalidContents(reason:)``.
  init(invalidScaling error: TrainingError) {
    switch error {
    case .nonFiniteValue(let what, let index, let value):
      self = .nonFiniteValue(what: "feature \(what)", index: index, value: value)
    case .invalidHyperparameter(let name, let value, let requirement):
      self = .invalidContents(reason: "the scaling's \(name) is \(value); it \(requirement)")
    default:
      self = .invalidContents(reason: "the scaling is invalid: \(error)")
    }
  }
}


/// A 64-bit FNV-1a hash, fed little-endian integers, bit patterns and
/// length-prefixed UTF-8 strings.
struct ContentDigest {
  /// The hash so far.
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add(byte: UInt8) {
    value ^= UInt64(byte)
    value &*= 0x0000_0100_0000_01b3
  }

  mutating func add(_ x: UInt64) {
    for shift in stride(from: UInt64(0), to: 64, by: 8) {
      add(byte: UInt8(truncatingIfNeeded: x &>> shift))
    }
  }

  mutating func add(_ x: Int) { add(UInt64(bitPattern: Int64(x))) }

  mutating func add(_ x: Double) { add(x.bitPattern) }

  mutating func add(_ xs: [Double]) {
    add(xs.count)
    for x in xs { add(x.bitPattern) }
  }

  mutating func add(_ s: String) {
    add(s.utf8.count)
    for b in s.utf8 { add(byte: b) }
  }
}
