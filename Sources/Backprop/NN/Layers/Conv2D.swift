// A 2-D convolution layer built from engine ops: each output pixel is one
// dot-product node over its patch plus one bias addition; no derivative of its own.

/// A 2-D convolution (PyTorch's `Conv2d`, a cross-correlation): a bank of
/// `outputChannels` kernels of `inputChannels` × `kernelSize` × `kernelSize`
/// weights, each with a bias, slid over the image with a stride and zero
/// padding.
///
///     var rng = SeededGenerator(seed: 0)
///     let conv = Conv2D(inputChannels: 1, outputChannels: 6, kernelSize: 3, using: &rng)
///     let image = Image(shape: Shape(channels: 1, height: 8, width: 8),
///                       pixels: Array(repeating: 0.5, count: 64))
///     print(conv, conv(image).shape)
///     // Prints "conv 1 → 6 3×3 6×6×6"
///
/// Output pixel (o, y, x) is `Value.dot(patchWeights, patchInputs) + bias[o]`:
/// one dot-product node over the patch at (y·stride − padding,
/// x·stride − padding) and one addition, so `backward()`, replay (four
/// output channels at a time), the trace and the recorded sweep apply as to
/// a dense layer. The zero padding is not recorded: a patch that crosses the
/// border leaves its out-of-bounds terms out of the dot product.
///
/// The parameters are leaves in a fixed order, consecutive on the tape:
/// for each output channel, its kernel's weights in (input channel, row,
/// column) order, then its bias.
public struct Conv2D: SequentialLayer, CustomStringConvertible {
  /// Channels of the input.
  public let inputChannels: Int
  /// Channels of the output: the number of kernels.
  public let outputChannels: Int
  /// The side of each square kernel.
  public let kernelSize: Int
  /// How far the kernel moves between output pixels.
  public let stride: Int
  /// Zeros added on every side of the input, not recorded.
  public let padding: Int
  /// Kernel `o` is `kernels[o]`: its `inputChannels · kernelSize²` weights
  /// in (input channel, row, column) order.
  public let kernels: [[Value]]
  /// One bias per output channel.
  public let biases: [Value]

  /// A convolution with weights drawn by `initialization` and biases
  /// `bias`, as leaves on the current tape.
  ///
  ///     var rng = SeededGenerator(seed: 3)
  ///     let conv = Conv2D(inputChannels: 3, outputChannels: 16, kernelSize: 3,
  ///                       stride: 2, padding: 1, using: &rng)
  ///
  /// The fan-in is `inputChannels · kernelSize²` and the fan-out
  /// `outputChannels · kernelSize²`, as PyTorch counts them. Weights are
  /// drawn in parameter order (kernel by kernel, each in (input channel,
  /// row, column) order).
  ///
  /// - Parameters:
  ///   - inputChannels: Channels of the input.
  ///   - outputChannels: Channels of the output.
  ///   - kernelSize: The side of each kernel.
  ///   - stride: The step between patches; 1 by default.
  ///   - padding: Zeros on every side; 0 by default.
  ///   - initialization: How weights are drawn; He by default.
  ///   - bias: Every initial bias; 0 by default.
  ///   - generator: The source of randomness: any `RandomNumberGenerator`;
  ///     a ``SeededGenerator`` gives the same draws on every platform.
  /// - Precondition: Channels, kernel size and stride are at least 1, and
  ///   `0 ≤ padding < kernelSize`.
  public init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    initialization: WeightInitialization = .he, bias: Double = 0,
    using generator: inout some RandomNumberGenerator
  ) {
    Self.check(inputChannels, outputChannels, kernelSize, stride, padding)
    let size = inputChannels * kernelSize * kernelSize
    let fanOut = outputChannels * kernelSize * kernelSize
    var kernels: [[Value]] = []
    var biases: [Value] = []
    kernels.reserveCapacity(outputChannels)
    biases.reserveCapacity(outputChannels)
    for _ in 0..<outputChannels {
      kernels.append(
        (0..<size).map { _ in
          Value(initialization.sample(fanIn: size, fanOut: fanOut, using: &generator))
        })
      biases.append(Value(bias))
    }
    self.init(
      kernels: kernels, biases: biases, inputChannels: inputChannels, kernelSize: kernelSize,
      stride: stride, padding: padding)
  }

  /// A convolution with weights drawn from a ``SeededGenerator`` of `seed`.
  ///
  ///     let conv = Conv2D(inputChannels: 1, outputChannels: 6, kernelSize: 3, seed: 7)
  ///
  /// - Parameters:
  ///   - inputChannels: Channels of the input.
  ///   - outputChannels: Channels of the output.
  ///   - kernelSize: The side of each kernel.
  ///   - stride: The step between patches; 1 by default.
  ///   - padding: Zeros on every side; 0 by default.
  ///   - initialization: How weights are drawn; He by default.
  ///   - bias: Every initial bias; 0 by default.
  ///   - seed: The seed of the weights; 0 by default.
  /// - Precondition: As for the initialiser that takes a generator.
  public init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    initialization: WeightInitialization = .he, bias: Double = 0, seed: UInt64 = 0
  ) {
    var generator = SeededGenerator(seed: seed)
    self.init(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      stride: stride, padding: padding, initialization: initialization, bias: bias,
      using: &generator)
  }

  /// A convolution of existing kernels and biases (the tests build one
  /// over a gradient check's inputs).
  init(
    kernels: [[Value]], biases: [Value], inputChannels: Int, kernelSize: Int, stride: Int,
    padding: Int
  ) {
    require(
      kernels.count == biases.count
        && kernels.allSatisfy { $0.count == inputChannels * kernelSize * kernelSize },
      "Backprop: a Conv2D needs one bias and \(inputChannels)·\(kernelSize)² weights per kernel")
    Self.check(inputChannels, kernels.count, kernelSize, stride, padding)
    self.inputChannels = inputChannels
    outputChannels = kernels.count
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.kernels = kernels
    self.biases = biases
  }

  /// Stops unless the sizes make a convolution.
  private static func check(
    _ inputChannels: Int, _ outputChannels: Int, _ kernelSize: Int, _ stride: Int, _ padding: Int
  ) {
    require(
      inputChannels >= 1 && outputChannels >= 1,
      "Backprop: a Conv2D needs at least 1 input and 1 output channel, not \(inputChannels) "
        + "and \(outputChannels)")
    require(
      kernelSize >= 1 && stride >= 1,
      "Backprop: a Conv2D needs a kernel size and a stride of at least 1, not \(kernelSize) "
        + "and \(stride)")
    require(
      padding >= 0 && padding < kernelSize,
      "Backprop: a Conv2D's padding must be at least 0 and less than the kernel size "
        + "\(kernelSize) (so that every patch touches the image), not \(padding)")
  }

  /// `conv 1 → 6 3×3`, with `stride 2` and `padding 1` when they are not 1
  /// and 0: the parameter group's name.
  public var description: String {
    Self.describe(inputChannels, outputChannels, kernelSize, stride, padding)
  }

  /// The description of a convolution of these settings.
  static func describe(
    _ inputChannels: Int, _ outputChannels: Int, _ kernelSize: Int, _ stride: Int, _ padding: Int
  ) -> String {
    "conv \(inputChannels) → \(outputChannels) \(kernelSize)×\(kernelSize)"
      + (stride == 1 ? "" : " stride \(stride)") + (padding == 0 ? "" : " padding \(padding)")
  }

  /// One group named as ``description``: each kernel's weights (role
  /// ``ParameterRole/weight``) then its bias (``ParameterRole/bias``).
  ///
  ///     let conv = Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 2)
  ///     print(conv.parameterGroups[0].parameters.count)
  ///     // Prints "10"
  public var parameterGroups: [ParameterGroup] {
    var parameters: [Value] = []
    var roles: [ParameterRole] = []
    let size = inputChannels * kernelSize * kernelSize
    parameters.reserveCapacity(outputChannels * (size + 1))
    roles.reserveCapacity(outputChannels * (size + 1))
    for (kernel, bias) in zip(kernels, biases) {
      parameters.append(contentsOf: kernel)
      parameters.append(bias)
      roles.append(contentsOf: repeatElement(.weight, count: size))
      roles.append(.bias)
    }
    return [ParameterGroup(name: description, parameters: parameters, roles: roles)]
  }

  /// The same convolution with its parameters as new leaves on the current
  /// tape, with the same values, recorded in parameter order.
  ///
  ///     let replica = Tape().withCurrent { conv.copy() }
  public func copy() -> Conv2D {
    var kernels: [[Value]] = []
    var biases: [Value] = []
    for (kernel, bias) in zip(self.kernels, self.biases) {
      kernels.append(kernel.map { Value($0.data) })
      biases.append(Value(bias.data))
    }
    return Conv2D(
      kernels: kernels, biases: biases, inputChannels: inputChannels, kernelSize: kernelSize,
      stride: stride, padding: padding)
  }

  /// `outputChannels` × ⌊(H + 2·padding − kernelSize) / stride⌋ + 1 ×
  /// ⌊(W + 2·padding − kernelSize) / stride⌋ + 1.
  ///
  ///     let conv = Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3,
  ///                       stride: 2, padding: 1)
  ///     print(try conv.outputShape(for: Shape(channels: 1, height: 8, width: 8)))
  ///     // Prints "4×4×4"
  ///
  /// - Throws: ``ShapeError`` when the input has other than
  ///   ``inputChannels`` channels or the padded input is smaller than the
  ///   kernel.
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape {
    try Self.outputShape(
      for: input, inputChannels, outputChannels, kernelSize, stride, padding, layer: description)
  }

  /// ``outputShape(for:)`` of a convolution of these settings, without one
  /// (a checkpoint checks its layers' shapes before making them).
  static func outputShape(
    for input: Shape, _ inputChannels: Int, _ outputChannels: Int, _ kernelSize: Int,
    _ stride: Int, _ padding: Int, layer description: String
  ) throws(ShapeError) -> Shape {
    guard input.channels == inputChannels else {
      throw ShapeError(
        layer: description, input: input,
        reason: "takes \(inputChannels) channels, not the \(input.channels) of an input of "
          + "shape \(input)")
    }
    let height = input.height + 2 * padding
    let width = input.width + 2 * padding
    guard height >= kernelSize && width >= kernelSize else {
      throw ShapeError(
        layer: description, input: input,
        reason: "needs an input of at least \(kernelSize)×\(kernelSize) with padding "
          + "\(padding), not the \(input.height)×\(input.width) of an input of shape \(input)")
    }
    return Shape(
      channels: outputChannels, height: (height - kernelSize) / stride + 1,
      width: (width - kernelSize) / stride + 1)
  }

  /// The convolution of `x`, channel by channel, row by row: two nodes per
  /// output pixel (the patch's dot product and the bias addition).
  ///
  ///     let y = conv(image)  // shape: conv.outputShape(for: image.shape)
  ///
  /// - Precondition: `x`'s shape fits (``outputShape(for:)`` does not
  ///   throw), and its values are on the parameters' tape.
  public func callAsFunction(_ x: Image) -> Image {
    let out: Shape
    do {
      out = try outputShape(for: x.shape)
    } catch {
      stop("Backprop: \(error)")
    }
    if let y = recordQuietly(x, out) { return y }
    let k = kernelSize
    let input = x.shape
    var values: [Value] = []
    values.reserveCapacity(out.count)
    var weights: [Value] = []
    var inputs: [Value] = []
    weights.reserveCapacity(inputChannels * k * k)
    inputs.reserveCapacity(inputChannels * k * k)
    for o in 0..<outputChannels {
      let kernel = kernels[o]
      for oy in 0..<out.height {
        let (top, rows) = window(oy, input.height)
        for ox in 0..<out.width {
          let (left, columns) = window(ox, input.width)
          weights.removeAll(keepingCapacity: true)
          inputs.removeAll(keepingCapacity: true)
          for c in 0..<inputChannels {
            for ky in rows {
              for kx in columns {
                weights.append(kernel[(c * k + ky) * k + kx])
                inputs.append(x.values[input.offset(channel: c, row: top + ky, column: left + kx)])
              }
            }
          }
          values.append(Value.dot(weights, inputs) + biases[o])
        }
      }
    }
    return Image(shape: out, values: values)
  }

  /// Where output row (or column) `o`'s patch starts in an input `extent`
  /// rows (columns) long, padding included, and the kernel rows (columns)
  /// that fall inside the image: the zero padding contributes no term.
  @inline(__always)
  private func window(_ o: Int, _ extent: Int) -> (start: Int, inside: Range<Int>) {
    let start = o * stride - padding
    return (start, Swift.max(0, -start)..<Swift.min(kernelSize, extent - start))
  }

  /// The same nodes as the general path, written without building arrays
  /// of handles per patch: the image's and the parameters' indices are
  /// gathered (and checked) once, each patch's (weight, input) operand pairs
  /// written straight into the operand table. Nil, and nothing recorded,
  /// unless every value is live on one tape and all the nodes fit below its
  /// record limit (so no record leaves the fast path: no step boundary, no
  /// growth of the node columns).
  private func recordQuietly(_ x: Image, _ out: Shape) -> Image? {
    guard let s = biases.first?.storage,
      s.pointee.count + 2 * out.count < s.pointee.recordLimit
    else { return nil }
    let k = kernelSize
    let input = x.shape
    let perKernel = inputChannels * k * k
    let n = x.values.count
    let entries = n + outputChannels * (perKernel + 1)
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: entries) { buffer -> Image? in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: entries) { numbers -> Image? in
        guard let xi = buffer.baseAddress, let xd = numbers.baseAddress else { return nil }
        let wi = xi + n
        let wd = xd + n
        guard Value.gather(x.values, of: s, into: xi, step: 1) else { return nil }
        for o in 0..<outputChannels {
          let w = wi + o * (perKernel + 1)
          guard Value.gather(kernels[o], of: s, into: w, step: 1),
            Value.gather([biases[o]], of: s, into: w + perKernel, step: 1)
          else { return nil }
        }
        // The numbers too, read once: each patch's dot product is summed as
        // its operand pairs are written, in their order, from 0 (the bits of
        // `NaryForward.dot` over the same pairs).
        let data = s.data
        for j in 0..<entries { xd[j] = data[Int(xi[j])] }
        let values = [Value](unsafeUninitializedCapacity: out.count) { values, count in
          count = 0
          guard let base = values.baseAddress else { return }
          var q = 0
          for o in 0..<outputChannels {
            let w = wi + o * (perKernel + 1)
            let bias = w[perKernel]
            for oy in 0..<out.height {
              let (top, rows) = window(oy, input.height)
              for ox in 0..<out.width {
                let (left, columns) = window(ox, input.width)
                let terms = inputChannels * rows.count * columns.count
                let start = s.reserveOperands(2 * terms)
                var pair = s.operands + start
                var total = 0.0
                for c in 0..<inputChannels {
                  for ky in rows {
                    let offset = input.offset(channel: c, row: top + ky, column: left)
                    let image = xi + offset
                    let imageData = xd + offset
                    let kernel = w + (c * k + ky) * k
                    let kernelData = wd + o * (perKernel + 1) + (c * k + ky) * k
                    for kx in columns {
                      pair[0] = kernel[kx]
                      pair[1] = image[kx]
                      total += kernelData[kx] * imageData[kx]
                      pair += 2
                    }
                  }
                }
                let dot = s.record(
                  .dot, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: terms), total)
                // `dot + bias`, as the operator records it.
                (base + q).initialize(
                  to: s.record(.add, dot.index, bias, total + s.data[Int(bias)]))
                q += 1
              }
            }
          }
          count = q
        }
        return Image(shape: out, values: values)
      }
    }
  }
}
