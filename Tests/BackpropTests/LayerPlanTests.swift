import Backprop
import Foundation
import Testing

/// The recording fast path of layers and MLPs (`LayerPlan.swift` and the
/// `LayerPlan+…`, `MLP+FastForward` and `OutputPool` files beside it) against
/// the general path, neuron by neuron: the same nodes, bit for bit the same
/// values and gradients, for every activation, input kind and size, across
/// tape growth and the step rule's boundaries.
@Suite("Layers and MLPs: the recording fast path")
struct LayerPlanTests {
  static let activations: [Activation] = [
    .linear, .step, .sigmoid, .tanh, .relu, .leakyReLU(slope: 0.1), .elu(alpha: 0.7), .softplus,
  ]

  /// A copy of `layer` whose parameters are not one block (a stray leaf
  /// after every weight), so that its calls take the general path.
  static func generalCopy(of layer: Layer) -> Layer {
    Layer(
      neurons: layer.neurons.map { n in
        var weights: [Value] = []
        for w in n.weights {
          weights.append(Value(w.data))
          _ = Value(0)  // breaks the block
        }
        return Neuron(weights: weights, bias: Value(n.bias.data), activation: n.activation)
      })
  }

  /// Bit patterns, for exact comparisons that also hold for NaN.
  static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

  /// What one call of a layer gives: output data, nodes recorded, and after
  /// `backward()` of a weighted sum of the outputs, the gradients of the
  /// parameters and of the inputs.
  struct Run: Equatable {
    var outputs: [UInt64]
    var nodes: Int
    var parameterGradients: [UInt64]
    var inputGradients: [UInt64]
  }

  /// Calls `layer` on `x` (as plain numbers, or as values computed from
  /// leaves) on `tape` and records what it gives.
  static func run(_ layer: Layer, _ x: [Double], asValues: Bool, on tape: Tape) -> Run {
    tape.withCurrent {
      tape.scope {
        let leaves = x.map { Value($0) }
        let inputs = leaves.map { $0 * 1.5 }  // interior nodes
        let before = tape.count
        let y = asValues ? layer(inputs) : layer(x)
        let nodes = tape.count - before
        let upstream = (0..<y.count).map { 0.5 + Double($0) }
        Value.dot(y, upstream).backward()
        return Run(
          outputs: bits(y.map(\.data)), nodes: nodes,
          parameterGradients: bits(layer.parameters.map(\.grad)),
          inputGradients: asValues ? bits(leaves.map(\.grad)) : [])
      }
    }
  }

  struct Case: CustomTestStringConvertible, Sendable {
    var activation: Activation
    var inputs: Int
    var outputs: Int
    var asValues: Bool
    var testDescription: String {
      "\(activation), \(inputs) → \(outputs), \(asValues ? "[Value]" : "[Double]") inputs"
    }
  }

  static let cases: [Case] = activations.flatMap { a in
    [(1, 1), (2, 16), (5, 3), (16, 4), (3, 9), (17, 7)].flatMap { (n, m) in
      [false, true].map { Case(activation: a, inputs: n, outputs: m, asValues: $0) }
    }
  }

  @Test("a layer records what its neurons record one by one, bit for bit", arguments: cases)
  func layerMatchesNeurons(_ c: Case) {
    let tape = Tape()
    let (fast, general, x) = tape.withCurrent { () -> (Layer, Layer, [Double]) in
      var rng = SeededGenerator(seed: UInt64(c.inputs * 100 + c.outputs))
      let fast = Layer(
        inputSize: c.inputs, outputSize: c.outputs, activation: c.activation, bias: 0.25,
        using: &rng)
      let x = (0..<c.inputs).map { _ in rng.nextUniform(in: -2, 2) }
      return (fast, Self.generalCopy(of: fast), x)
    }
    let a = Self.run(fast, x, asValues: c.asValues, on: tape)
    let b = Self.run(general, x, asValues: c.asValues, on: tape)
    #expect(a == b)
  }

  @Test("an MLP records what its layers record one by one, bit for bit", arguments: activations)
  func mlpMatchesLayers(_ activation: Activation) {
    let tape = Tape()
    tape.withCurrent {
      let model = MLP(
        inputSize: 3, layerSizes: [6, 5, 2], activation: activation, outputActivation: .tanh,
        seed: 9)
      let general = model.layers.map(Self.generalCopy(of:))
      let x = [0.5, -1.25, 2.0]
      for asValues in [false, true] {
        let (fastOut, fastGrads, generalOut, generalGrads) = tape.scope {
          () -> ([UInt64], [UInt64], [UInt64], [UInt64]) in
          let inputs = x.map { Value($0) * 1.0 }
          let y = asValues ? model(inputs) : model(x)
          Value.sum(y).backward()
          let outputs = Self.bits(y.map(\.data))
          let gradients = Self.bits(model.parameters.map(\.grad))
          var h = asValues ? general[0](inputs) : general[0](x)
          for layer in general.dropFirst() { h = layer(h) }
          Value.sum(h).backward()
          return (
            outputs, gradients, Self.bits(h.map(\.data)),
            Self.bits(general.flatMap(\.parameters).map(\.grad))
          )
        }
        #expect(fastOut == generalOut)
        #expect(fastGrads == generalGrads)
        model.zeroGrad()
        for layer in general { layer.zeroGrad() }
      }
    }
  }

  @Test("a layer that fills the tape mid-call: the neurons before the growth go one by one")
  func growthDuringALayer() {
    for filler in [1_000, 1_010, 1_015, 1_020, 1_023] {
      let tape = Tape()
      let (fast, general) = tape.withCurrent { () -> (Layer, Layer) in
        var rng = SeededGenerator(seed: 3)
        let fast = Layer(inputSize: 4, outputSize: 8, activation: .relu, using: &rng)
        return (fast, Self.generalCopy(of: fast))
      }
      // Fill the tape up to just below a doubling of its columns.
      tape.withCurrent {
        while tape.count < filler { _ = Value(1) }
      }
      let x = [0.5, -0.25, 1.5, 2.0]
      let run = { (model: Layer) in
        tape.withCurrent { () -> Run in
          let before = tape.count
          let y = model(x)
          let nodes = tape.count - before
          Value.sum(y).backward()
          return Run(
            outputs: Self.bits(y.map(\.data)), nodes: nodes,
            parameterGradients: Self.bits(model.parameters.map(\.grad)), inputGradients: [])
        }
      }
      let a = run(fast)
      let b = run(general)
      #expect(a == b, "filler \(filler)")
    }
  }

  /// micrograd's loop without scopes, on `model` (or on its general copy):
  /// the first node of each step is a step boundary, and it is the first
  /// layer's first dot product, whose constants the other neurons share.
  enum Path: CaseIterable { case mlp, layers, general }

  static func unscopedLoop(_ path: Path, steps: Int) -> (losses: [UInt64], nodes: Int) {
    let tape = Tape()
    return tape.withCurrent {
      let model = MLP(inputSize: 2, layerSizes: [8, 8, 1], activation: .relu, seed: 5)
      let layers = path == .general ? model.layers.map(Self.generalCopy(of:)) : model.layers
      let parameters = layers.flatMap(\.parameters)
      let points: [([Double], Double)] = (0..<20).map { k in
        let t = Double(k) / 20
        return ([cos(6 * t), sin(6 * t) * t], k % 2 == 0 ? 1 : -1)
      }
      var losses: [UInt64] = []
      for step in 0..<steps {
        var total: Value = 0
        for (x, y) in points {
          var h = path == .mlp ? model(x) : layers[0](x)
          if path != .mlp { for layer in layers.dropFirst() { h = layer(h) } }
          total = total + (1 + -y * h[0]).relu()
        }
        let loss = total * (1.0 / Double(points.count))
        for p in parameters { p.zeroGrad() }
        loss.backward()
        let rate = 0.5 - 0.004 * Double(step)
        for p in parameters { p.data -= rate * p.grad }
        losses.append(loss.data.bitPattern)
      }
      return (losses, tape.count)
    }
  }

  @Test("a training loop without scopes: the step rule's boundaries at a layer's first node")
  func unscopedTrainingMatchesTheGeneralPath() {
    let general = Self.unscopedLoop(.general, steps: 30)
    for path in Path.allCases {
      let run = Self.unscopedLoop(path, steps: 30)
      #expect(run.losses == general.losses, "\(path)")
      // Flat memory: after 3 steps and after 30 the tape holds the same
      // nodes (the parameters, the first step's graph and the current one).
      #expect(Self.unscopedLoop(path, steps: 3).nodes == run.nodes, "\(path)")
    }
  }

  @Test("a neuron alone records what the general path records", arguments: activations)
  func neuronMatchesTheGeneralPath(_ activation: Activation) {
    let tape = Tape()
    let (fast, general) = tape.withCurrent { () -> (Layer, Layer) in
      var rng = SeededGenerator(seed: 21)
      let fast = Layer(
        neurons: [Neuron(inputSize: 5, activation: activation, bias: -0.5, using: &rng)])
      return (fast, Self.generalCopy(of: fast))
    }
    let x = [0.25, -1.5, 0.75, 2.0, -0.125]
    for asValues in [false, true] {
      let runs = [fast, general].map { layer -> Run in
        tape.withCurrent {
          tape.scope {
            let leaves = x.map { Value($0) }
            let neuron = layer.neurons[0]
            let before = tape.count
            let y = asValues ? neuron(leaves) : neuron(x)
            let nodes = tape.count - before
            (y * 3).backward()
            return Run(
              outputs: Self.bits([y.data]), nodes: nodes,
              parameterGradients: Self.bits(neuron.parameters.map(\.grad)),
              inputGradients: Self.bits(leaves.map(\.grad)))
          }
        }
      }
      #expect(runs[0] == runs[1], "\(asValues ? "[Value]" : "[Double]")")
      fast.zeroGrad()
      general.zeroGrad()
    }
  }

  @Test("outputs a caller keeps never change, whether or not it keeps the others")
  func keptOutputsStay() {
    let tape = Tape()
    tape.withCurrent {
      let model = MLP(inputSize: 2, layerSizes: [4, 3], activation: .tanh, seed: 2)
      var kept: [([Value], [Value])] = []
      for k in 0..<700 {
        let x = [Double(k) / 100, 1 - Double(k) / 300]
        let y = model(x)
        if k % 3 == 0 {
          // Held by the caller, with a copy of the handles made now.
          kept.append((y, y.map { $0 }))
        } else {
          _ = y[0].data  // dropped at once: its array may be handed out again
        }
      }
      for (y, copy) in kept {
        #expect(y.map(\.id) == copy.map(\.id))
        #expect(y.map(\.data) == copy.map(\.data))
      }
    }
  }

  @Test("a layer whose neurons are not one block still records the same nodes")
  func neuronsFromAnywhere() {
    let tape = Tape()
    tape.withCurrent {
      var rng = SeededGenerator(seed: 11)
      let a = Neuron(inputSize: 3, activation: .tanh, using: &rng)
      _ = Value(7)
      let b = Neuron(inputSize: 3, activation: .tanh, using: &rng)
      let layer = Layer(neurons: [b, a, b])
      let x = [Value(0.5), Value(-1), Value(2)]
      let y = layer(x)
      let expected = [b(x), a(x), b(x)]
      #expect(Self.bits(y.map(\.data)) == Self.bits(expected.map(\.data)))
    }
  }
}
