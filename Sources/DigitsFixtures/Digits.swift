// The 8×8 handwritten digits as Swift data, for the library's
// `Dataset.digits()`, `backprop bench mlp` and the tests (provenance: README.md).

// The text of ../shared/fixtures/digits/digits.csv is compiled in
// (DigitsCSV.swift), so nothing outside the package is read at run time, and
// parsed once, the first time `features` or `labels` is used.

/// The UCI "Optical Recognition of Handwritten Digits" test set (E. Alpaydin
/// and C. Kaynak, 1998; CC BY 4.0) as scikit-learn's `load_digits` ships it:
/// 1,797 images of 8×8 pixels with grey levels 0…16, and their digits 0…9.
///
///     let x = Digits.features[0]  // 64 grey levels, row by row, top left first
///     let y = Digits.labels[0]    // 0
///
/// The rows are in the file's order (no shuffling).
public enum Digits {
  /// The number of images, 1,797.
  public static let count = 1_797
  /// The pixels of an image, 64.
  public static let featureCount = 64
  /// The number of classes, 10.
  public static let classCount = 10

  /// The images, one row of 64 grey levels (0…16) each: pixels `p0`…`p63`,
  /// row by row, top left first.
  ///
  ///     let scaled = Digits.features.map { $0.map { $0 / 16 } }
  public static let features: [[Double]] = table.features

  /// The digit each image shows, 0…9, in the order of ``features``.
  ///
  ///     let sevens = Digits.labels.filter { $0 == 7 }.count  // 179
  public static let labels: [Int] = table.labels

  /// The CSV text parsed: 64 numbers and a label a row, after the header.
  private static let table: (features: [[Double]], labels: [Int]) = parse(csv)

  /// Parses the embedded CSV; a malformed row is a broken fixture, which
  /// stops with the row's number.
  private static func parse(_ text: String) -> (features: [[Double]], labels: [Int]) {
    var features: [[Double]] = []
    var labels: [Int] = []
    features.reserveCapacity(count)
    labels.reserveCapacity(count)
    for (number, line) in text.split(separator: "\n").enumerated().dropFirst() {
      let fields = line.split(separator: ",")
      guard fields.count == featureCount + 1,
        let label = fields.last.flatMap({ Int($0) })
      else { brokenFixture(row: number) }
      var row: [Double] = []
      row.reserveCapacity(featureCount)
      for field in fields.dropLast() {
        guard let pixel = Double(field) else { brokenFixture(row: number) }
        row.append(pixel)
      }
      features.append(row)
      labels.append(label)
    }
    guard features.count == count else {
      fatalError("DigitsFixtures: the embedded digits.csv has \(features.count) rows, not \(count); regenerate DigitsCSV.swift")
    }
    return (features, labels)
  }

  /// Stops on line `row + 1` of the CSV text (row 0 is the header).
  private static func brokenFixture(row: Int) -> Never {
    fatalError("DigitsFixtures: line \(row + 1) of the embedded digits.csv is malformed; regenerate DigitsCSV.swift")
  }
}
