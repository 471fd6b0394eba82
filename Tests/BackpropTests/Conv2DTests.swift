// Conv2D: shapes and their errors, parameters and their order, gradients
// against central differences, and against a hand-written convolution on [Double].

import Testing

@testable import Backprop

/// A convolution's sizes, as the parameterized tests take them.
struct ConvCase: Sendable, CustomTestStringConvertible {
  let inputChannels: Int
  let outputChannels: Int
  let kernelSize: Int
  let stride: Int
  let padding: Int
  let height: Int
  let width: Int

  var testDescription: String {
    "\(inputChannels) → \(outputChannels) \(kernelSize)×\(kernelSize) stride \(stride) "
      + "padding \(padding) on \(height)×\(width)"
  }

  var input: Shape { Shape(channels: inputChannels, height: height, width: width) }
  var kernelCount: Int { inputChannels * kernelSize * kernelSize }
  var parameterCount: Int { outputChannels * (kernelCount + 1) }
  var outputHeight: Int { (height + 2 * padding - kernelSize) / stride + 1 }
  var outputWidth: Int { (width + 2 * padding - kernelSize) / stride + 1 }

  static let all: [ConvCase] = [
    ConvCase(
      inputChannels: 1, outputChannels: 1, kernelSize: 2, stride: 1, padding: 0, height: 3, width: 3
    ),
    ConvCase(
      inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 0, height: 4, width: 5
    ),
    ConvCase(
      inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1, height: 5, width: 4
    ),
    ConvCase(
      inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, height: 4, width: 4
    ),
    ConvCase(
      inputChannels: 1, outputChannels: 4, kernelSize: 2, stride: 2, padding: 1, height: 5, width: 5
    ),
    ConvCase(
      inputChannels: 2, outputChannels: 1, kernelSize: 1, stride: 2, padding: 0, height: 3, width: 4
    ),
  ]
}

/// The oracle: a direct convolution on plain numbers, written from the
/// definition, with its backward pass for an upstream gradient `g`.
/// Kernels are `w[o][(c·k + ky)·k + kx]`, images CHW.
struct DirectConvolution {
  let shape: ConvCase

  func forward(x: [Double], w: [[Double]], b: [Double]) -> [Double] {
    let s = shape
    var y: [Double] = []
    for o in 0..<s.outputChannels {
      for oy in 0..<s.outputHeight {
        for ox in 0..<s.outputWidth {
          var total = 0.0
          for c in 0..<s.inputChannels {
            for ky in 0..<s.kernelSize {
              for kx in 0..<s.kernelSize {
                let iy = oy * s.stride - s.padding + ky
                let ix = ox * s.stride - s.padding + kx
                guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
                total +=
                  w[o][(c * s.kernelSize + ky) * s.kernelSize + kx]
                  * x[(c * s.height + iy) * s.width + ix]
              }
            }
          }
          y.append(total + b[o])
        }
      }
    }
    return y
  }

  /// ∂/∂x, ∂/∂w and ∂/∂b of Σ gᵢyᵢ.
  func backward(x: [Double], w: [[Double]], g: [Double]) -> (
    dx: [Double], dw: [[Double]], db: [Double]
  ) {
    let s = shape
    var dx = Array(repeating: 0.0, count: x.count)
    var dw = w.map { Array(repeating: 0.0, count: $0.count) }
    var db = Array(repeating: 0.0, count: s.outputChannels)
    for o in 0..<s.outputChannels {
      for oy in 0..<s.outputHeight {
        for ox in 0..<s.outputWidth {
          let go = g[(o * s.outputHeight + oy) * s.outputWidth + ox]
          db[o] += go
          for c in 0..<s.inputChannels {
            for ky in 0..<s.kernelSize {
              for kx in 0..<s.kernelSize {
                let iy = oy * s.stride - s.padding + ky
                let ix = ox * s.stride - s.padding + kx
                guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
                let wi = (c * s.kernelSize + ky) * s.kernelSize + kx
                let xi = (c * s.height + iy) * s.width + ix
                dw[o][wi] += go * x[xi]
                dx[xi] += go * w[o][wi]
              }
            }
          }
        }
      }
    }
    return (dx, dw, db)
  }
}

/// Seeded numbers in [−1, 1).
func seededNumbers(_ count: Int, seed: UInt64) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<count).map { _ in rng.nextUniform(in: -1, 1) }
}

@Suite("Conv2D")
struct Conv2DTests {
  @Test("the output shape is ⌊(H + 2p − k)/s⌋ + 1 by ⌊(W + 2p − k)/s⌋ + 1", arguments: ConvCase.all)
  func outputShape(_ c: ConvCase) throws {
    let conv = Conv2D(
      inputChannels: c.inputChannels, outputChannels: c.outputChannels, kernelSize: c.kernelSize,
      stride: c.stride, padding: c.padding, seed: 1)
    let expected = Shape(channels: c.outputChannels, height: c.outputHeight, width: c.outputWidth)
    #expect(try conv.outputShape(for: c.input) == expected)
    let pixels = seededNumbers(c.input.count, seed: 2)
    #expect(conv(Image(shape: c.input, pixels: pixels)).shape == expected)
    // Two nodes per output pixel: the dot product and the bias addition.
    let nodes = nodesRecorded { _ = conv.copy()(Image(shape: c.input, pixels: pixels)) }
    #expect(nodes == c.parameterCount + c.input.count + 2 * expected.count)
  }

  @Test("a wrong channel count or a kernel that does not fit throws a ShapeError naming the layer")
  func shapeErrors() throws {
    let conv = Conv2D(inputChannels: 3, outputChannels: 6, kernelSize: 3, seed: 0)
    #expect(throws: ShapeError.self) {
      try conv.outputShape(for: Shape(channels: 1, height: 8, width: 8))
    }
    do {
      _ = try conv.outputShape(for: Shape(channels: 1, height: 8, width: 8))
    } catch {
      #expect(error.layer == "conv 3 → 6 3×3")
      #expect("\(error)" == "conv 3 → 6 3×3 takes 3 channels, not the 1 of an input of shape 1×8×8")
    }
    do {
      _ = try conv.outputShape(for: Shape(channels: 3, height: 2, width: 9))
      Issue.record("a 2×9 input fits a 3×3 kernel")
    } catch {
      #expect(
        "\(error)"
          == "conv 3 → 6 3×3 needs an input of at least 3×3 with padding 0, not the 2×9 of an "
          + "input of shape 3×2×9")
    }
    let padded = Conv2D(inputChannels: 3, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1)
    #expect(
      try padded.outputShape(for: Shape(channels: 3, height: 1, width: 1))
        == Shape(channels: 6, height: 1, width: 1))
    #expect(padded.description == "conv 3 → 6 3×3 stride 2 padding 1")
  }

  @Test(
    "parameters: kernel by kernel, weights in (channel, row, column) order then the bias, consecutive"
  )
  func parameterOrder() {
    Tape().withCurrent {
      var rng = SeededGenerator(seed: 9)
      let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 2, bias: 0.25, using: &rng)
      let group = conv.parameterGroups
      #expect(group.count == 1)
      #expect(group[0].name == "conv 2 → 3 2×2")
      let expectedRoles = (0..<3).flatMap { _ in
        Array(repeating: ParameterRole.weight, count: 8) + [.bias]
      }
      #expect(group[0].roles == expectedRoles)
      let parameters = group[0].parameters
      #expect(parameters.count == 27)
      let first = parameters[0].index
      #expect(parameters.enumerated().allSatisfy { $1.index == first + UInt32($0) })
      #expect(
        parameters.map(\.data)
          == conv.kernels.indices.flatMap { conv.kernels[$0].map(\.data) + [0.25] })
      // The same draws, in parameter order, with He's fan-in 2·2·2 = 8.
      var again = SeededGenerator(seed: 9)
      let draws = (0..<24).map { _ in
        WeightInitialization.he.sample(fanIn: 8, fanOut: 12, using: &again)
      }
      #expect(conv.kernels.flatMap { $0.map(\.data) } == draws)
      #expect(
        Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 2, seed: 9).kernels.flatMap {
          $0.map(\.data)
        } == draws)
    }
  }

  @Test("Glorot's fan-out is outputChannels · k²")
  func glorotFanOut() {
    var rng = SeededGenerator(seed: 4)
    let conv = Conv2D(
      inputChannels: 3, outputChannels: 2, kernelSize: 3, initialization: .glorot, using: &rng)
    var again = SeededGenerator(seed: 4)
    let first = WeightInitialization.glorot.sample(fanIn: 27, fanOut: 18, using: &again)
    #expect(conv.kernels[0][0].data == first)
  }

  @Test("copy() makes new leaves with the same values on the current tape")
  func copyMakesNewLeaves() {
    let conv = Conv2D(
      inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1, seed: 3)
    let tape = Tape()
    let replica = tape.withCurrent { conv.copy() }
    let original = conv.parameterGroups[0].parameters
    let copied = replica.parameterGroups[0].parameters
    #expect(copied.map(\.data) == original.map(\.data))
    #expect(copied.allSatisfy { $0.storage == copied[0].storage })
    #expect(!(copied[0].storage == original[0].storage))
    #expect(replica.description == conv.description)
  }

  @Test("gradients of inputs and parameters against central differences", arguments: ConvCase.all)
  func centralDifferences(_ c: ConvCase) {
    let n = c.input.count
    let upstream = seededNumbers(c.outputChannels * c.outputHeight * c.outputWidth, seed: 11)
    let point = seededNumbers(n + c.parameterCount, seed: 12)
    let report = checkGradient(
      of: { v in
        let conv = Self.conv(c, parameters: Array(v[n...]))
        let y = conv(Image(shape: c.input, values: Array(v[..<n])))
        // A weighted sum (upstream gradients other than 1), then reused.
        let s = Value.dot(y.values, upstream)
        return s * s + s * 1.5
      }, at: point)
    expectPassed(report)
  }

  @Test(
    "the engine's forward and gradients equal a hand-written direct convolution's",
    arguments: ConvCase.all)
  func againstDirectConvolution(_ c: ConvCase) {
    Tape().withCurrent {
      let n = c.input.count
      let xs = seededNumbers(n, seed: 21)
      let g = seededNumbers(c.outputChannels * c.outputHeight * c.outputWidth, seed: 22)
      var rng = SeededGenerator(seed: 23)
      let conv = Conv2D(
        inputChannels: c.inputChannels, outputChannels: c.outputChannels, kernelSize: c.kernelSize,
        stride: c.stride, padding: c.padding, bias: 0, using: &rng)
      for (k, b) in conv.biases.enumerated() { b.data = 0.1 * Double(k) - 0.2 }
      let x = Image(shape: c.input, pixels: xs)
      let y = conv(x)
      Value.dot(y.values, g).backward()

      let oracle = DirectConvolution(shape: c)
      let w = conv.kernels.map { $0.map(\.data) }
      let b = conv.biases.map(\.data)
      // The same sums in the same order: the forward is bit for bit.
      #expect(y.values.map(\.data) == oracle.forward(x: xs, w: w, b: b))
      let (dx, dw, db) = oracle.backward(x: xs, w: w, g: g)
      for (value, expected) in zip(x.values, dx) { expectClose(value.grad, expected) }
      for (kernel, expected) in zip(conv.kernels, dw) {
        for (value, e) in zip(kernel, expected) { expectClose(value.grad, e) }
      }
      for (value, expected) in zip(conv.biases, db) { expectClose(value.grad, expected) }
    }
  }

  /// A convolution of `c`'s sizes whose parameters are `p`, in parameter order.
  static func conv(_ c: ConvCase, parameters p: [Value]) -> Conv2D {
    let size = c.kernelCount
    let kernels = (0..<c.outputChannels).map { o in
      Array(p[(o * (size + 1))..<(o * (size + 1) + size)])
    }
    let biases = (0..<c.outputChannels).map { o in p[o * (size + 1) + size] }
    return Conv2D(
      kernels: kernels, biases: biases, inputChannels: c.inputChannels, kernelSize: c.kernelSize,
      stride: c.stride, padding: c.padding)
  }
}
