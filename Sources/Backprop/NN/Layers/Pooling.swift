// Max and average pooling layers built from engine ops: each output pixel is
// one node over its window (`Value.maximum(of:)`, or a dot product with 1/k²).

/// The geometry both pooling layers share: a square window and a stride,
/// with no padding and the output rounded down (PyTorch's default).
struct PoolingWindow: Sendable, Hashable {
  let size: Int
  let stride: Int

  /// Stops unless `size` and `stride` are at least 1.
  init(size: Int, stride: Int?, layer: String) {
    let stride = stride ?? size
    require(
      size >= 1 && stride >= 1,
      "Backprop: a \(layer) needs a window size and a stride of at least 1, not \(size) and "
        + "\(stride)")
    self.size = size
    self.stride = stride
  }

  /// `2×2`, with ` stride 1` when the stride is not the size.
  var description: String { "\(size)×\(size)" + (stride == size ? "" : " stride \(stride)") }

  /// The input's channels × ⌊(H − size) / stride⌋ + 1 × ⌊(W − size) / stride⌋ + 1.
  func outputShape(for input: Shape, layer: String) throws(ShapeError) -> Shape {
    guard input.height >= size && input.width >= size else {
      throw ShapeError(
        layer: layer, input: input,
        reason: "needs an input of at least \(size)×\(size), not the "
          + "\(input.height)×\(input.width) of an input of shape \(input)")
    }
    return Shape(
      channels: input.channels, height: (input.height - size) / stride + 1,
      width: (input.width - size) / stride + 1)
  }

  /// The image of `reduce` applied to each window of `x`, its values in
  /// row-major window order, channel by channel, row by row.
  func apply(to x: Image, layer: String, _ reduce: ([Value]) -> Value) -> Image {
    let out: Shape
    do {
      out = try outputShape(for: x.shape, layer: layer)
    } catch {
      stop("Backprop: \(error)")
    }
    var values: [Value] = []
    values.reserveCapacity(out.count)
    var window: [Value] = []
    window.reserveCapacity(size * size)
    for c in 0..<out.channels {
      for oy in 0..<out.height {
        for ox in 0..<out.width {
          window.removeAll(keepingCapacity: true)
          for ky in 0..<size {
            for kx in 0..<size {
              window.append(x[c, oy * stride + ky, ox * stride + kx])
            }
          }
          values.append(reduce(window))
        }
      }
    }
    return Image(shape: out, values: values)
  }
}

/// Max pooling (PyTorch's `MaxPool2d` without padding): the largest value
/// of each `size` × `size` window, channel by channel.
///
///     let pool = MaxPool2D(2)
///     let image = Image(shape: Shape(channels: 1, height: 2, width: 2), pixels: [1, 4, 4, 2])
///     let y = pool(image)
///     y.values[0].backward()
///     print(y.values[0].data, image.values.map(\.grad))
///     // Prints "4.0 [0.0, 1.0, 0.0, 0.0]"
///
/// Each output is one ``Value/maximum(of:)`` node over its window in
/// row-major order, so, as in PyTorch, the whole gradient of a window goes
/// to its first maximal value (a tie is not split), and a NaN in the window
/// gives NaN, with the gradient to the first NaN. The winner is chosen from
/// the data whenever the node is computed, so a replayed ``Recording`` sends
/// the gradient to the new winner. The output is rounded down: a row or
/// column that no window covers fully is left out.
public struct MaxPool2D: SequentialLayer, Sendable, CustomStringConvertible {
  /// The side of each window.
  public var size: Int { window.size }
  /// How far the window moves between outputs.
  public var stride: Int { window.stride }
  let window: PoolingWindow

  /// Max pooling over `size` × `size` windows, `stride` apart (`size` by
  /// default: windows that do not overlap).
  ///
  ///     let overlapping = MaxPool2D(3, stride: 2)
  ///
  /// - Parameters:
  ///   - size: The side of each window.
  ///   - stride: The step between windows; `size` by default.
  /// - Precondition: `size` and `stride` are at least 1.
  public init(_ size: Int, stride: Int? = nil) {
    window = PoolingWindow(size: size, stride: stride, layer: "MaxPool2D")
  }

  /// `max-pool 2×2` (with ` stride s` when the stride is not the size).
  public var description: String { "max-pool \(window.description)" }

  /// The input's channels × ⌊(H − size) / stride⌋ + 1 × ⌊(W − size) / stride⌋ + 1.
  ///
  ///     print(try MaxPool2D(2).outputShape(for: Shape(channels: 6, height: 7, width: 7)))
  ///     // Prints "6×3×3"
  ///
  /// - Throws: ``ShapeError`` when the input is smaller than a window.
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape {
    try window.outputShape(for: input, layer: description)
  }

  /// The maximum of each window, one node each.
  ///
  ///     let y = MaxPool2D(2)(image)
  ///
  /// - Precondition: `x`'s shape fits (``outputShape(for:)`` does not throw).
  public func callAsFunction(_ x: Image) -> Image {
    window.apply(to: x, layer: description) { Value.maximum(of: $0) }
  }

  /// None.
  public var parameterGroups: [ParameterGroup] { [] }

  /// Itself: it has no parameters.
  public func copy() -> MaxPool2D { self }
}

/// Average pooling (PyTorch's `AvgPool2d` without padding): the mean of
/// each `size` × `size` window, channel by channel.
///
///     let pool = AveragePool2D(2)
///     let image = Image(shape: Shape(channels: 1, height: 2, width: 2), pixels: [1, 4, 4, 3])
///     print(pool(image).values[0].data)
///     // Prints "3.0"
///
/// Each output is one node, `Value.dot(window, [1/k², …])` with k the
/// window's side (a dot product with constants, so each input's derivative
/// is exactly 1/k²), summed in row-major window order. The output is
/// rounded down as for ``MaxPool2D``.
public struct AveragePool2D: SequentialLayer, Sendable, CustomStringConvertible {
  /// The side of each window.
  public var size: Int { window.size }
  /// How far the window moves between outputs.
  public var stride: Int { window.stride }
  let window: PoolingWindow

  /// Average pooling over `size` × `size` windows, `stride` apart (`size`
  /// by default).
  ///
  ///     let pool = AveragePool2D(2, stride: 1)
  ///
  /// - Parameters:
  ///   - size: The side of each window.
  ///   - stride: The step between windows; `size` by default.
  /// - Precondition: `size` and `stride` are at least 1.
  public init(_ size: Int, stride: Int? = nil) {
    window = PoolingWindow(size: size, stride: stride, layer: "AveragePool2D")
  }

  /// `average-pool 2×2` (with ` stride s` when the stride is not the size).
  public var description: String { "average-pool \(window.description)" }

  /// The input's channels × ⌊(H − size) / stride⌋ + 1 × ⌊(W − size) / stride⌋ + 1.
  ///
  ///     print(try AveragePool2D(2).outputShape(for: Shape(channels: 1, height: 4, width: 5)))
  ///     // Prints "1×2×2"
  ///
  /// - Throws: ``ShapeError`` when the input is smaller than a window.
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape {
    try window.outputShape(for: input, layer: description)
  }

  /// The mean of each window, one node each.
  ///
  ///     let y = AveragePool2D(2)(image)
  ///
  /// - Precondition: `x`'s shape fits (``outputShape(for:)`` does not throw).
  public func callAsFunction(_ x: Image) -> Image {
    let weights = Array(repeating: 1 / Double(size * size), count: size * size)
    return window.apply(to: x, layer: description) { Value.dot($0, weights) }
  }

  /// None.
  public var parameterGroups: [ParameterGroup] { [] }

  /// Itself: it has no parameters.
  public func copy() -> AveragePool2D { self }
}
