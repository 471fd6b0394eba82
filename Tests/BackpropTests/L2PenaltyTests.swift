import Backprop
import Testing

/// A small seeded network with non-zero biases, so that leaving them out
/// changes the penalty.
private func makeModel() -> MLP {
  MLP(inputSize: 3, layerSizes: [4, 2, 1], activation: .tanh, bias: 0.5, seed: 42)
}

@Suite("Losses: L2 penalty")
struct L2PenaltyTests {
  @Test("a known value: 0.5 · (3² + 4²) = 12.5")
  func knownValue() {
    Tape.scope {
      #expect(l2Penalty([Value(3.0), Value(-4.0)], coefficient: 0.5).data == 12.5)
    }
  }

  @Test("with biases: λ · Σ p² over model.parameters, summed left to right")
  func withBiases() {
    Tape.scope {
      let model = makeModel()
      let lambda = 1e-4
      var total = 0.0
      for p in model.parameters { total += p.data * p.data }
      #expect(l2Penalty(model, coefficient: lambda).data == lambda * total)
      #expect(l2Penalty(model, coefficient: lambda).data
        == l2Penalty(model.parameters, coefficient: lambda).data)
    }
  }

  @Test("without biases (seed 004): the sum over the weights only")
  func withoutBiases() {
    Tape.scope {
      let model = makeModel()
      let lambda = 0.01
      var weights = 0.0
      var biases = 0.0
      for layer in model.layers {
        for neuron in layer.neurons {
          for w in neuron.weights { weights += w.data * w.data }
          biases += neuron.bias.data * neuron.bias.data
        }
      }
      #expect(biases > 0)
      let penalty = l2Penalty(model, coefficient: lambda, includeBiases: false)
      #expect(penalty.data == lambda * weights)
      expectClose(
        l2Penalty(model, coefficient: lambda).data, lambda * (weights + biases), tolerance: 1e-14)
    }
  }

  @Test(
    "gradient is 2λ·p, and 0 for the biases when they are left out",
    arguments: [true, false])
  func gradient(includeBiases: Bool) {
    Tape.scope {
      let model = makeModel()
      let lambda = 0.03
      model.zeroGrad()
      l2Penalty(model, coefficient: lambda, includeBiases: includeBiases)
        .backward(gradient: upstream)
      for layer in model.layers {
        for neuron in layer.neurons {
          for w in neuron.weights { expectClose(w.grad, upstream * 2 * lambda * w.data) }
          let b = neuron.bias
          #expect(b.grad == (includeBiases ? upstream * 2 * lambda * b.data : 0))
        }
      }
    }
  }

  @Test("seed 004's λΘ update comes from coefficient λ/2")
  func seed004Gradient() {
    Tape.scope {
      let model = makeModel()
      let lambda = 0.2
      l2Penalty(model, coefficient: lambda / 2, includeBiases: false).backward()
      for neuron in model.layers.flatMap(\.neurons) {
        for w in neuron.weights { expectClose(w.grad, lambda * w.data) }
        #expect(neuron.bias.grad == 0)
      }
    }
  }

  @Test("gradient passes the central-difference check")
  func gradientCheck() {
    var rng = SeededGenerator(seed: 8)
    let x = (0..<12).map { _ in rng.nextGaussian() }
    expectPassed(checkGradient(of: { l2Penalty($0, coefficient: 0.7) * 3 }, at: x))
  }

  @Test("a parameter listed twice is penalised twice")
  func repeatedParameter() {
    Tape.scope {
      let w = Value(1.5)
      let penalty = l2Penalty([w, w], coefficient: 1)
      penalty.backward()
      #expect(penalty.data == 4.5)
      #expect(w.grad == 6)
    }
  }

  @Test("no parameters: 0")
  func empty() {
    Tape.scope {
      #expect(l2Penalty([], coefficient: 0.1).data == 0)
    }
  }

  @Test("it is micrograd's reg_loss = alpha * sum(p*p for p in parameters) bit for bit")
  func micrograd() {
    Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu, seed: 1337)
      let alpha = 1e-4
      var total = 0.0  // Python's sum starts at 0
      for p in model.parameters { total = total + p.data * p.data }
      #expect(l2Penalty(model, coefficient: alpha).data == alpha * total)
    }
  }
}
