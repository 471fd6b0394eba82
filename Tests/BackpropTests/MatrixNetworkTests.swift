import Backprop
import Testing

/// The engine's gradients of an MLP against back-propagation written by hand
/// (BP1–BP2 on matrices, `MatrixNetwork`): two independent computations of
/// the same numbers.
@Suite("MatrixNetwork: the hand-written oracle")
struct MatrixNetworkTests {
  struct Architecture: Sendable, CustomTestStringConvertible {
    var sizes: [Int]
    var activations: [Activation]
    var testDescription: String {
      "\(sizes) \(activations.map(\.description).joined(separator: ","))"
    }
  }

  static let architectures = [
    Architecture(sizes: [3, 2, 3, 1], activations: [.sigmoid, .sigmoid, .linear]),
    Architecture(sizes: [2, 16, 16, 1], activations: [.relu, .relu, .linear]),
    Architecture(sizes: [4, 8, 3], activations: [.tanh, .linear]),
    Architecture(sizes: [5, 7, 6, 2], activations: [.elu(alpha: 0.7), .softplus, .sigmoid]),
    Architecture(sizes: [1, 1, 1], activations: [.leakyReLU(slope: 0.1), .tanh]),
    Architecture(sizes: [6, 4], activations: [.linear]),
  ]

  /// |a − b| ≤ 1e-12 · max(|a|, |b|, tiny).
  func expectRelativelyEqual(
    _ a: [Double], _ b: [Double], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    for (x, y) in zip(a, b) {
      let scale = Swift.max(abs(x), abs(y), 1e-300)
      #expect(abs(x - y) <= 1e-12 * scale, "\(x) vs \(y)", sourceLocation: sourceLocation)
    }
  }

  @Test("engine gradients equal hand-written BP1–BP2 to 1e-12", arguments: architectures, 0..<5)
  func engineMatchesHandWrittenBackpropagation(_ arch: Architecture, trial: Int) {
    Tape.scope {
      var rng = SeededGenerator(seed: UInt64(100 + trial))
      let model = MLP(
        inputSize: arch.sizes[0], layerSizes: Array(arch.sizes.dropFirst()),
        activations: arch.activations, initialization: .glorot, bias: 0.1, using: &rng)
      let x = (0..<arch.sizes[0]).map { _ in rng.nextUniform(in: -2, 2) }
      let upstream = (0..<model.outputSize).map { _ in rng.nextUniform(in: -1, 1) }

      let outputs = model(x)
      let objective = Value.dot(outputs, upstream)  // ∂/∂outputs = upstream
      objective.backward()
      let engine = model.parameterGradients

      let net = MatrixNetwork(model)
      let cache = net.forward(x)
      let hand = net.backward(cache, outputGradient: upstream)
      expectRelativelyEqual(engine, hand)
      // The forward values agree bit for bit: same sums in the same order.
      #expect(outputs.map(\.data) == cache.a.last)
    }
  }

  @Test func roundTripsParametersInMLPOrder() {
    Tape.scope {
      let model = MLP(inputSize: 3, layerSizes: [4, 2], activation: .tanh, seed: 9)
      let net = MatrixNetwork(model)
      #expect(net.parameters == model.parameterValues)
      #expect(net.parameterCount == model.parameterCount)
      let rebuilt = MatrixNetwork(
        sizes: [3, 4, 2], activations: [.tanh, .linear], parameters: model.parameterValues)
      #expect(rebuilt.weights == net.weights)
      #expect(rebuilt.biases == net.biases)
    }
  }

  @Test func batchGradientsAccumulate() {
    Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 4)
      let net = MatrixNetwork(model)
      let xs: [[Double]] = [[0.1, 0.2], [-0.5, 0.9], [1.5, -0.3]]
      var sum = [Double](repeating: 0, count: net.parameterCount)
      for x in xs { net.accumulateGradient(net.forward(x), outputGradient: [1], into: &sum) }
      Value.sum(xs.map { model($0)[0] }).backward()
      expectRelativelyEqual(model.parameterGradients, sum)
    }
  }
}
