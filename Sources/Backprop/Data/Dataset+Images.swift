// Rows as images: a data set whose rows are images of a given shape, made
// larger by repeating each pixel (8×8 digits → 32×32 for a LeNet).

extension Dataset {
  /// The data set with each row, read as an image of `shape`, enlarged
  /// `factor` times across and down by repeating every pixel `factor` ×
  /// `factor` times (nearest-neighbour upscaling).
  ///
  /// A row of c × h × w numbers in CHW order (channel by channel, row by
  /// row, as ``Image`` stores them) becomes a row of c × (h·f) × (w·f):
  ///
  ///     upscaled(c, y, x) = original(c, ⌊y/f⌋, ⌊x/f⌋)
  ///
  /// The targets, ``classNames`` and ``targetTyping`` are kept. This is how
  /// the 8×8 digits feed a network made for 32×32 images, such as seed
  /// 004's LeNet:
  ///
  ///     let shape = Dataset.digitsImageShape  // 1×8×8
  ///     let large = try Dataset.digits(scaled: true).upscaled(from: shape, by: 4)
  ///     print(large.featureCount)
  ///     // Prints "1024"
  ///     let image = Image(shape: Shape(channels: 1, height: 32, width: 32),
  ///                       pixels: large.features[0])  // leaves on the current tape
  ///
  /// The data set stays numeric: it does not remember the shape; pass the
  /// enlarged shape to the network (``Sequential``'s input shape) or to
  /// ``Image/init(shape:pixels:)``.
  ///
  /// - Parameters:
  ///   - shape: The shape of each row's image; `shape.count` must equal
  ///     ``featureCount``.
  ///   - factor: How many times each pixel is repeated across and down, at
  ///     least 1 (1 returns the data set unchanged).
  /// - Returns: The rows enlarged to c × (h·`factor`) × (w·`factor`)
  ///   features each, in the same order.
  /// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when
  ///   the rows do not have `shape.count` features (the shape and both
  ///   counts are in the error);
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   (named `factor`) for a factor below 1, or one so large that a row's
  ///   size overflows `Int`.
  /// - Complexity: O(*n*·c·h·w·f²) for *n* rows: the size of the result.
  public func upscaled(from shape: Shape, by factor: Int) throws -> Dataset {
    guard factor >= 1 else {
      throw TrainingError.invalidHyperparameter(
        name: "factor", value: Double(factor),
        requirement: "must be at least 1 (how many times each pixel is repeated across and down)")
    }
    guard featureCount == shape.count else {
      let product = "\(shape.channels)·\(shape.height)·\(shape.width)"
      throw TrainingError.sizeMismatch(
        what: "features per row for an image of shape \(shape) (\(product))",
        expected: shape.count, actual: featureCount)
    }
    let (square, overflow) = factor.multipliedReportingOverflow(by: factor)
    let (size, overflowAgain) = shape.count.multipliedReportingOverflow(by: square)
    guard !overflow, !overflowAgain else {
      throw TrainingError.invalidHyperparameter(
        name: "factor", value: Double(factor),
        requirement: "makes an image of shape \(shape) larger than Int.max numbers")
    }
    guard factor > 1 else { return self }
    let enlarged = features.map { Self.upscale($0, shape, by: factor, size: size) }
    return Dataset(unchecked: enlarged, targets, classNames, targetTyping: targetTyping)
  }

  /// One row enlarged: each line of pixels is widened once (every pixel
  /// repeated `factor` times), then appended `factor` times.
  private static func upscale(
    _ row: [Double], _ shape: Shape, by factor: Int, size: Int
  ) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(size)
    var line: [Double] = []
    line.reserveCapacity(shape.width * factor)
    for c in 0..<shape.channels {
      for y in 0..<shape.height {
        line.removeAll(keepingCapacity: true)
        let start = shape.offset(channel: c, row: y, column: 0)
        for pixel in row[start..<start + shape.width] {
          line.append(contentsOf: repeatElement(pixel, count: factor))
        }
        for _ in 0..<factor { result.append(contentsOf: line) }
      }
    }
    return result
  }
}
