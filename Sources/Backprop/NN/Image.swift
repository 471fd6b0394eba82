// Images for convolutional layers: a shape (channels × height × width) and
// values stored channel by channel, row by row (PyTorch's CHW order).

/// The shape of an image: channels × height × width. A vector of n numbers
/// is the shape n × 1 × 1.
///
///     let shape = Shape(channels: 1, height: 8, width: 8)
///     print(shape, shape.count)
///     // Prints "1×8×8 64"
public struct Shape: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Channels (1 for a grey image, 3 for RGB, a convolution's filters).
  public let channels: Int
  /// Rows.
  public let height: Int
  /// Columns.
  public let width: Int

  /// A shape of `channels` × `height` × `width`.
  ///
  /// - Precondition: Every size is at least 1.
  public init(channels: Int, height: Int, width: Int) {
    require(
      channels >= 1 && height >= 1 && width >= 1,
      "Backprop: an image shape needs sizes of at least 1, not \(channels)×\(height)×\(width)")
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// The shape of a vector of `count` numbers: `count` × 1 × 1.
  ///
  ///     Shape(vector: 10)  // 10×1×1
  public init(vector count: Int) { self.init(channels: count, height: 1, width: 1) }

  /// channels · height · width.
  public var count: Int { channels * height * width }

  /// Where pixel (c, y, x) is in the values: (c · height + y) · width + x.
  @inline(__always)
  public func offset(channel c: Int, row y: Int, column x: Int) -> Int {
    (c * height + y) * width + x
  }

  /// `3×32×32`.
  public var description: String { "\(channels)×\(height)×\(width)" }

  /// Reads `1x8x8`, `1×8×8` or `3,32,32`: the CLI's `--image`.
  ///
  ///     Shape(parsing: "1x8x8")  // 1×8×8
  public init?(parsing text: String) {
    let parts = text.split(whereSeparator: { "x×X,".contains($0) }).map { Int($0) }
    guard parts.count == 3, let c = parts[0], let h = parts[1], let w = parts[2],
      c >= 1, h >= 1, w >= 1
    else { return nil }
    self.init(channels: c, height: h, width: w)
  }
}

/// An image of values: a ``Shape`` and one value per pixel and channel, in
/// CHW order, what `Conv2D`, `MaxPool2D` and the other layers of a
/// ``Sequential`` pass on.
///
///     let pixels = (0..<64).map { Double($0) / 64 }
///     let image = Image(shape: Shape(channels: 1, height: 8, width: 8), pixels: pixels)
///     print(image.shape, image.values.count)
///     // Prints "1×8×8 64"
public struct Image {
  /// The shape.
  public let shape: Shape
  /// The values, channel by channel, each channel row by row.
  public let values: [Value]

  /// An image of existing values.
  ///
  /// - Precondition: `values.count == shape.count`.
  public init(shape: Shape, values: [Value]) {
    require(
      values.count == shape.count,
      "Backprop: an image of shape \(shape) holds \(shape.count) values, not \(values.count)")
    self.shape = shape
    self.values = values
  }

  /// An image of numbers (a CSV row, a data set's features), recorded as
  /// leaves on the current tape.
  ///
  /// - Precondition: `pixels.count == shape.count`.
  public init(shape: Shape, pixels: [Double]) {
    self.init(shape: shape, values: pixels.map { Value($0) })
  }

  /// The value at channel `c`, row `y`, column `x`.
  public subscript(c: Int, y: Int, x: Int) -> Value {
    values[shape.offset(channel: c, row: y, column: x)]
  }
}
