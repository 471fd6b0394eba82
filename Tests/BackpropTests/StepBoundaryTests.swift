// The automatic step rule (StepBoundary.swift): a loop written without
// scopes releases each step when the next one starts recording, after
// backward() and a write of a leaf's data.

import Backprop
import MicrogradFixtures
import Testing

/// micrograd's demo loop as its notebook writes it: no scope, sums with `+`,
/// literals, `p.data -= lr * p.grad`, the loss read after the update.
/// Returns the losses and the tape's node count after each step.
private func notebookLoop(steps: Int, scoped: Bool) throws -> (losses: [Double], counts: [Int]) {
  let tape = Tape()
  return try tape.withCurrent {
    let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
    try model.setParameterValues(MicrogradDemo.initialParameters)
    var losses: [Double] = []
    var counts: [Int] = []
    func step(_ k: Int) -> Value {
      let scores = MicrogradDemo.features.map { model($0)[0] }
      var dataLoss: Value = 0
      for (y, s) in zip(MicrogradDemo.labels, scores) { dataLoss = dataLoss + (1 + -y * s).relu() }
      dataLoss = dataLoss * (1.0 / Double(scores.count))
      var regLoss: Value = 0
      for p in model.parameters { regLoss = regLoss + p * p }
      let total = dataLoss + 1e-4 * regLoss
      model.zeroGrad()
      total.backward()
      let learningRate = 1.0 - 0.9 * Double(k) / 100
      for p in model.parameters { p.data -= learningRate * p.grad }
      return total
    }
    for k in 0..<steps {
      if scoped {
        losses.append(tape.scope { step(k).data })
      } else {
        let total = step(k)
        losses.append(total.data)  // read after the update, as the notebook prints it
      }
      counts.append(tape.count)
    }
    return (losses, counts)
  }
}

@Suite("The automatic step rule")
struct StepBoundaryTests {
  @Test func theNotebookLoopWithoutScopesHasFlatMemoryAndTheScopedLosses() throws {
    let natural = try notebookLoop(steps: 12, scoped: false)
    let scoped = try notebookLoop(steps: 12, scoped: true)
    #expect(natural.losses == scoped.losses)  // bit for bit
    // The first step's graph stays (it cannot be told from what came
    // before); every later step reuses the nodes of the step before.
    #expect(Set(natural.counts.dropFirst()).count == 1, "\(natural.counts)")
    #expect(natural.counts[1] == natural.counts[0] * 2 - scoped.counts[0])
    for (k, loss) in natural.losses.enumerated() {
      let reference = MicrogradDemo.referenceCurve[k].loss
      #expect(abs(loss - reference) <= 1e-9 * reference, "step \(k)")
    }
  }

  @Test func seed004sLoopWithAnOptimiserHasFlatMemory() throws {
    let tape = Tape()
    try tape.withCurrent {
      var rng = SeededGenerator(seed: 4)
      let net = MLP(inputSize: 3, layerSizes: [5, 2], activation: .tanh, using: &rng)
      var optimizer = try SGD(parameters: net.parameters, learningRate: 0.1)
      let inputs: [[Double]] = [[1, 0, -1], [0.5, 2, 0], [-1, -1, 1], [0, 0.3, 0.7]]
      let targets: [[Double]] = [[1, 0], [0, 1], [1, 0], [0, 1]]
      var counts: [Int] = []
      var losses: [Double] = []
      for _ in 0..<20 {
        optimizer.zeroGrad()
        let outputs = inputs.map { net($0) }
        let loss = Loss.softmaxCrossEntropy(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
        counts.append(tape.count)
      }
      #expect(Set(counts.dropFirst()).count == 1, "\(counts)")
      #expect(losses.last! < losses.first!)
    }
  }

  @Test func aValueOfThePreviousStepIsReadableUntilTheNextStepRecords() {
    Tape().withCurrent {
      let w = Value(2.0)
      var first: Value?
      for k in 0..<3 {
        let loss = (w * 3 - 1).pow(2)
        loss.backward()
        w.data -= 0.01 * w.grad
        w.zeroGrad()
        #expect(loss.isValid)  // after the update, before the next record
        if k == 1 { first = loss }
      }
      // Step 1's loss was released when step 2 recorded its first node.
      #expect(first?.isValid == false)
      #expect(w.isValid)
    }
  }

  @Test func aStepThatUsesTheStepBeforeReleasesNothing() {
    Tape().withCurrent {
      let w = Value(1.0)
      var previous = (w * w).relu()
      var counts: [Int] = []
      for _ in 0..<5 {
        previous.backward()
        w.data -= 0.1 * w.grad
        // The first node of this step reads the previous step's value. (With
        // a literal, `previous * 0.5`, the literal's leaf would be the first
        // node: the step before would be released and `*` would stop.)
        let half: Double = 0.5
        let next = previous * half + w
        #expect(previous.isValid)
        previous = next
        counts.append(Tape.current.count)
      }
      #expect(counts == counts.sorted() && Set(counts).count == counts.count, "\(counts)")
    }
  }

  @Test func aParameterCreatedInsideAStepSurvives() {
    Tape().withCurrent {
      let w = Value(1.0)
      var late: Value?
      var counts: [Int] = []
      for k in 0..<6 {
        let x = Value(Double(k))
        if k == 2 { late = Value(0.5) }  // a lazily made parameter
        var loss = (w * x - 1).pow(2)
        if let late { loss = loss + late * late }
        loss.backward()
        w.data -= 0.01 * w.grad
        late?.data -= 0.1 * late!.grad
        w.zeroGrad()
        late?.zeroGrad()
        counts.append(Tape.current.count)
      }
      #expect(late?.isValid == true)
      expectClose(late!.data, 0.5 * 0.8 * 0.8 * 0.8 * 0.8)
      #expect(counts[4] == counts[5], "\(counts)")
    }
  }

  @Test func nothingIsReleasedInsideAnExplicitScope() {
    Tape().withCurrent {
      let w = Value(1.0)
      Tape.scope {
        var losses: [Value] = []
        for _ in 0..<4 {
          let loss = (w - 3).pow(2)
          loss.backward()
          w.data -= 0.1 * w.grad
          w.zeroGrad()
          losses.append(loss)
        }
        #expect(losses.allSatisfy { $0.isValid })
      }
    }
  }

  @Test func nothingIsReleasedWhileARecordingIsAlive() {
    Tape().withCurrent {
      let w = Value(1.0)
      let recording = Recording { (w - 3).pow(2) }
      var extras: [Value] = []
      for _ in 0..<4 {
        let loss = recording.replay()
        loss.backward()
        w.data -= 0.1 * w.grad
        w.zeroGrad()
        extras.append(loss * 2)  // recorded each step
      }
      #expect(extras.allSatisfy { $0.isValid })
      #expect(recording.output.isValid)
    }
  }

  @Test func zeroingGradientsAloneIsNoBoundary() {
    Tape().withCurrent {
      let w = Value(1.0)
      var losses: [Value] = []
      for _ in 0..<4 {
        let loss = (w - 3).pow(2)
        loss.backward()
        w.zeroGrad()
        losses.append(loss)
      }
      #expect(losses.allSatisfy { $0.isValid })
    }
  }

  /// The first node of a step may carry operand and constant entries (a dot
  /// product with constants, a sum, `x * c`): they move down with the
  /// release, and the results equal a scoped loop's.
  @Test(arguments: ["dotConstant", "sum", "dot", "constant", "logSumExp"])
  func theFirstNodeOfAStepKeepsItsSideEntries(kind: String) {
    func loop(scoped: Bool) -> [Double] {
      let tape = Tape()
      return tape.withCurrent {
        let w = [Value(0.5), Value(-1.5), Value(2.0)]
        var out: [Double] = []
        func step(_ k: Int) -> Value {
          let c = [1.0 + Double(k), 2.0, -0.5 * Double(k)]
          let first: Value
          switch kind {
          case "dotConstant": first = Value.dot(w, c)
          case "sum": first = Value.sum(w)
          case "dot": first = Value.dot(w, w)
          case "logSumExp": first = Value.logSumExp(w)
          default: first = w[0] * c[0]
          }
          let loss = (first * Double(k + 1) + Value.dot(w, c)).pow(2) + w[1] * 0.25
          loss.backward()
          for p in w { p.data -= 0.01 * p.grad }
          for p in w { p.zeroGrad() }
          return loss
        }
        for k in 0..<6 {
          if scoped {
            out.append(tape.scope { step(k).data })
          } else {
            out.append(step(k).data)
          }
          out.append(contentsOf: w.map(\.data))
        }
        return out
      }
    }
    #expect(loop(scoped: false) == loop(scoped: true))
  }

  @Test func resetStartsTheRuleAfresh() {
    let tape = Tape()
    tape.withCurrent {
      for _ in 0..<3 {
        let w = Value(1.0)
        let loss = (w - 3).pow(2)
        loss.backward()
        w.data -= 0.1 * w.grad
        tape.removeAll(keepingCapacity: true)
      }
      let w = Value(1.0)
      for _ in 0..<3 {
        let loss = (w - 3).pow(2)
        loss.backward()
        w.data -= 0.1 * w.grad
        w.zeroGrad()
      }
      #expect(w.isValid)
      expectClose(w.data, 3 - 2 * 0.8 * 0.8 * 0.8)
    }
  }
}
