// MaxPool2D, AveragePool2D and Value.maximum(of:): shapes and their errors,
// gradients against central differences, PyTorch's ties and NaN, second derivatives.

import Testing

@testable import Backprop

@Suite("Pooling")
struct PoolingTests {
  // MARK: Shapes

  @Test(
    "the output is rounded down: ⌊(H − k)/s⌋ + 1",
    arguments: [
      (2, nil, 7, 7, 3, 3), (2, 1, 3, 4, 2, 3), (3, 2, 7, 8, 3, 3), (1, nil, 2, 3, 2, 3),
      (3, nil, 3, 5, 1, 1),
    ] as [(Int, Int?, Int, Int, Int, Int)])
  func outputShapes(
    size: Int, stride: Int?, height: Int, width: Int, outHeight: Int, outWidth: Int
  ) throws {
    let input = Shape(channels: 2, height: height, width: width)
    let expected = Shape(channels: 2, height: outHeight, width: outWidth)
    #expect(try MaxPool2D(size, stride: stride).outputShape(for: input) == expected)
    #expect(try AveragePool2D(size, stride: stride).outputShape(for: input) == expected)
    let x = Image(shape: input, pixels: seededNumbers(input.count, seed: 1))
    #expect(MaxPool2D(size, stride: stride)(x).shape == expected)
    #expect(AveragePool2D(size, stride: stride)(x).shape == expected)
  }

  @Test("a window larger than the input throws a ShapeError naming the layer")
  func shapeErrors() throws {
    let input = Shape(channels: 3, height: 1, width: 4)
    do {
      _ = try MaxPool2D(2).outputShape(for: input)
      Issue.record("a 1×4 input fits a 2×2 window")
    } catch {
      #expect(error.layer == "max-pool 2×2")
      #expect(
        "\(error)"
          == "max-pool 2×2 needs an input of at least 2×2, not the 1×4 of an input of shape 3×1×4")
    }
    do {
      _ = try AveragePool2D(3, stride: 1).outputShape(for: input)
      Issue.record("a 1×4 input fits a 3×3 window")
    } catch {
      #expect(error.layer == "average-pool 3×3 stride 1")
    }
    #expect(MaxPool2D(2).stride == 2)
    #expect(MaxPool2D(3, stride: 2).description == "max-pool 3×3 stride 2")
    #expect(AveragePool2D(2).description == "average-pool 2×2")
  }

  @Test("one node per output, and no parameters")
  func onePerOutput() {
    let input = Shape(channels: 2, height: 4, width: 4)
    let pixels = seededNumbers(input.count, seed: 3)
    for pool in [MaxPool2D(2) as any SequentialLayer, AveragePool2D(2, stride: 1)] {
      let out = try? pool.outputShape(for: input)
      let nodes = nodesRecorded { _ = pool(Image(shape: input, pixels: pixels)) }
      #expect(nodes == input.count + (out?.count ?? -1))
      #expect(pool.parameterGroups.isEmpty)
    }
  }

  // MARK: Gradients

  @Test(
    "gradients against central differences",
    arguments: [(2, nil), (2, 1), (3, 2)] as [(Int, Int?)])
  func centralDifferences(size: Int, stride: Int?) {
    let input = Shape(channels: 2, height: 5, width: 6)
    let point = seededNumbers(input.count, seed: 5)  // distinct: no ties
    for pool in [
      MaxPool2D(size, stride: stride) as any SequentialLayer, AveragePool2D(size, stride: stride),
    ] {
      let out = (try? pool.outputShape(for: input))?.count ?? 0
      let weights = seededNumbers(out, seed: 6)
      let report = checkGradient(
        of: { v in
          let s = Value.dot(pool(Image(shape: input, values: v)).values, weights)
          return s * s + s * 1.5
        }, at: point)
      expectPassed(report)
    }
  }

  @Test("average pooling: the mean of each window, each input's derivative 1/k² per window")
  func averageValues() {
    Tape().withCurrent {
      let x = Image(
        shape: Shape(channels: 1, height: 3, width: 3), pixels: (1...9).map(Double.init))
      let y = AveragePool2D(2, stride: 1)(x)
      #expect(y.values.map(\.data) == [3, 4, 6, 7])
      Value.sum(y.values).backward(gradient: 2)
      #expect(x.values.map(\.grad) == [0.5, 1, 0.5, 1, 2, 1, 0.5, 1, 0.5])
    }
  }

  // MARK: PyTorch's max-pool conventions

  @Test("a 3-way tie sends the whole gradient to the first maximal value of the window")
  func tiesGoToTheFirst() {
    Tape().withCurrent {
      // Window in row-major order: 1, 3, 3, 3.
      let x = Image(shape: Shape(channels: 1, height: 2, width: 2), pixels: [1, 3, 3, 3])
      let y = MaxPool2D(2)(x)
      #expect(y.values[0].data == 3)
      y.values[0].backward(gradient: 2.5)
      #expect(x.values.map(\.grad) == [0, 2.5, 0, 0])
      // Pairwise maxima would split it: ¼, ¼, ½.
      for v in x.values { v.zeroGrad() }
      Value.maximum(Value.maximum(x.values[1], x.values[2]), x.values[3]).backward()
      #expect(x.values.map(\.grad) == [0, 0.25, 0.25, 0.5])
    }
  }

  @Test("overlapping windows: each sends its gradient to its own first maximum")
  func overlappingWindows() {
    Tape().withCurrent {
      let x = Image(
        shape: Shape(channels: 1, height: 2, width: 3), pixels: [5, 5, 5, 0, 5, 1])
      let y = MaxPool2D(2, stride: 1)(x)
      #expect(y.values.map(\.data) == [5, 5])
      Value.sum(y.values).backward()
      #expect(x.values.map(\.grad) == [1, 1, 0, 0, 0, 0])
    }
  }

  @Test("NaN in a window gives NaN, and the gradient goes to the first NaN")
  func nanPropagates() {
    Tape().withCurrent {
      let x = Image(
        shape: Shape(channels: 1, height: 2, width: 4),
        pixels: [1, .nan, 7, 2, 9, .nan, 3, 4])
      let y = MaxPool2D(2)(x)
      #expect(y.values[0].data.isNaN)
      #expect(y.values[1].data == 7)
      Value.sum(y.values).backward(gradient: 3)
      #expect(x.values.map(\.grad) == [0, 3, 3, 0, 0, 0, 0, 0])
    }
  }

  @Test("Value.maximum(of:): ±0, infinities and a single value")
  func maximumEdgeCases() {
    Tape().withCurrent {
      let zeros = [Value(-0.0), Value(0.0)]
      let z = Value.maximum(of: zeros)
      #expect(z.data == 0 && z.data.sign == .minus)  // the first of equal values
      z.backward()
      #expect(zeros.map(\.grad) == [1, 0])
      let infinite = [Value(-Double.infinity), Value(Double.infinity), Value(Double.infinity)]
      let i = Value.maximum(of: infinite)
      i.backward()
      #expect(i.data == .infinity)
      #expect(infinite.map(\.grad) == [0, 1, 0])
      // Through a NaN upstream the losers get 0, as PyTorch scatters it.
      let pair = [Value(1.0), Value(2.0)]
      Value.maximum(of: pair).backward(gradient: .nan)
      #expect(pair[0].grad == 0 && pair[1].grad.isNaN)
      let one = Value(2.0)
      let m = Value.maximum(of: [one])
      m.backward(gradient: 4)
      #expect(m.data == 2 && one.grad == 4)
    }
  }

  @Test("second derivatives through the maximum are 0, first derivatives as backward()'s")
  func higherOrder() {
    Tape().withCurrent {
      let x = [Value(0.5), Value(1.5), Value(1.5), Value(-1.0)]
      let y = Value.maximum(of: x.map { $0 * $0 })  // x₁² and x₂² tie: x₁ wins
      let g = Value.gradients(of: y, withRespectTo: x)
      #expect(g.map(\.data) == [0, 3, 0, 0])
      let h = Value.gradients(of: g[1], withRespectTo: x)
      #expect(h.map(\.data) == [0, 2, 0, 0])
      let flat = Value.gradients(of: Value.maximum(of: x), withRespectTo: x)
      #expect(flat.map(\.data) == [0, 1, 0, 0])
      let second = Value.gradients(of: Value.sum(flat), withRespectTo: x)
      #expect(second.map(\.data) == [0, 0, 0, 0])
    }
  }
}
