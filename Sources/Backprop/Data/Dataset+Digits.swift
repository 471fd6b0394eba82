// The 8×8 handwritten digits as a built-in data set: 1,797 images of 64 grey
// levels and their digits, parsed once from the text compiled in.

internal import DigitsFixtures

extension Dataset {
  /// The 8×8 handwritten digits: 1,797 images of 64 pixels and the digit
  /// 0–9 each shows, the data set of scikit-learn's `load_digits`.
  ///
  /// Each row holds the 64 grey levels of an image of shape
  /// ``digitsImageShape`` (1×8×8), row by row, top left first (CHW order,
  /// as ``Image`` and ``Sequential`` read them). Its target is one number,
  /// the digit as a class index 0…9; ``classNames`` is `["0", …, "9"]`, so a
  /// subset that lacks a digit still one-hot encodes to 10 classes. The
  /// rows are in the file's order, not shuffled: split them with
  /// ``split(testFraction:using:)``.
  ///
  /// A grey level is the number of set pixels in a 4×4 block of a 32×32
  /// bitmap, so it is a whole number from 0 to 16. By default the levels
  /// are returned as they are (raw, like scikit-learn); `scaled: true`
  /// divides them by 16 into [0, 1]. Either way, a network trains best on
  /// standardized features (``Standardizer``) or on the scaled ones.
  ///
  ///     let digits = Dataset.digits()
  ///     print(digits.count, digits.featureCount, digits.classCount ?? 0)
  ///     // Prints "1797 64 10"
  ///     print(digits.features[0].prefix(5), digits.labels[0])
  ///     // Prints "[0.0, 0.0, 5.0, 13.0, 9.0] 0.0"
  ///     print(Dataset.digits(scaled: true).features[0][3])
  ///     // Prints "0.8125"
  ///
  /// For a network made for 32×32 images (seed 004's), repeat each pixel
  /// 4×4 times with ``upscaled(from:by:)``:
  ///
  ///     let large = try Dataset.digits(scaled: true)
  ///       .upscaled(from: Dataset.digitsImageShape, by: 4)  // 1,024 features
  ///
  /// The data is the test set of the UCI "Optical Recognition of Handwritten
  /// Digits" (E. Alpaydin and C. Kaynak, 1998), licensed CC BY 4.0, as
  /// scikit-learn 1.9.1 ships it; the source, the licence and the
  /// attribution are in `Sources/DigitsFixtures/README.md`.
  ///
  /// - Parameter scaled: Whether to divide the grey levels by 16, into
  ///   [0, 1]; `false` (raw levels 0…16) by default.
  /// - Returns: 1,797 rows of 64 features, labels 0…9 (178, 182, 177, 183,
  ///   181, 182, 181, 179, 174 and 180 of each digit).
  /// - Complexity: The text is parsed once, at the first call (about 2 MB
  ///   of memory for both versions); every call after that returns the same
  ///   arrays, shared copy-on-write, in O(1). Safe to call from any thread
  ///   or task: the first use is initialised exactly once.
  public static func digits(scaled: Bool = false) -> Dataset {
    scaled ? DigitsCache.scaled : DigitsCache.raw
  }

  /// The shape of an image of ``digits(scaled:)``: one channel of 8 rows of
  /// 8 pixels, 1×8×8.
  ///
  ///     print(Dataset.digitsImageShape, Dataset.digitsImageShape.count)
  ///     // Prints "1×8×8 64"
  public static let digitsImageShape = Shape(channels: 1, height: 8, width: 8)
}

/// The two versions of the digits, each built at its first use. Static
/// stored properties are initialised lazily and exactly once, under a lock
/// the runtime holds (`swift_once`), so concurrent first calls are safe;
/// `Dataset` is `Sendable`, so sharing the result is too.
private enum DigitsCache {
  /// The digits' names, "0"…"9".
  static let classNames = (0..<Digits.classCount).map { String($0) }

  /// Grey levels 0…16, as the file holds them.
  static let raw = Dataset(
    unchecked: Digits.features, Digits.labels.map { [Double($0)] }, classNames)

  /// Grey levels divided by 16, in [0, 1].
  static let scaled = Dataset(
    unchecked: raw.features.map { row in row.map { $0 / 16 } }, raw.targets, classNames)
}
