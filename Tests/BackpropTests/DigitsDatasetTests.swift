// Dataset.digits(): the built-in 8×8 digits match the reference file (count,
// shape, class counts, first row, checksum), raw and scaled, from any task.

import Backprop
import DigitsFixtures
import Testing

@Suite("Data sets: the built-in 8×8 digits")
struct DigitsDatasetTests {
  /// The class counts of digits.csv, digits 0 to 9 (scikit-learn's
  /// `load_digits`), copied from the reference file.
  static let classCounts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]

  /// Row 0 of digits.csv, a 0.
  static let firstRow: [Double] = [
    0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0,
    0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0,
    0, 6, 13, 10, 0, 0, 0,
  ]

  @Test func sizesAndClasses() {
    let digits = Dataset.digits()
    #expect(digits.count == 1_797)
    #expect(digits.featureCount == 64)
    #expect(digits.features.allSatisfy { $0.count == 64 })
    #expect(digits.targetCount == 1)
    #expect(digits.classCount == 10)
    #expect(digits.classNames == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    #expect(digits.targetTyping == nil)
    #expect(Dataset.digitsImageShape == Shape(channels: 1, height: 8, width: 8))
    #expect(Dataset.digitsImageShape.count == digits.featureCount)
  }

  @Test func labelHistogramIsTheReferences() {
    var counts = [Int](repeating: 0, count: 10)
    for label in Dataset.digits().labels {
      #expect(label == label.rounded() && (0...9).contains(label))
      counts[Int(label)] += 1
    }
    #expect(counts == Self.classCounts)
  }

  @Test func firstAndLastRowsAreTheFiles() {
    let digits = Dataset.digits()
    #expect(digits.features[0] == Self.firstRow)
    #expect(digits.labels.prefix(4) == [0, 1, 2, 3])
    #expect(digits.features[1].prefix(6) == [0, 0, 0, 12, 13, 5])
    #expect(digits.features.last?.suffix(4) == [14, 12, 1, 0])
    #expect(digits.labels.last == 8)
  }

  @Test func pixelsAreRawWholeGreyLevels() {
    let pixels = Dataset.digits().features.joined()
    #expect(pixels.allSatisfy { (0...16).contains($0) && $0 == $0.rounded() })
    #expect(pixels.contains(0) && pixels.contains(16))
    // The sum of every grey level of the file: a checksum of all 115,008.
    #expect(pixels.reduce(0, +) == 561_718)
  }

  @Test func scaledDividesBySixteen() {
    let raw = Dataset.digits()
    let scaled = Dataset.digits(scaled: true)
    #expect(scaled.count == raw.count)
    #expect(scaled.targets == raw.targets)
    #expect(scaled.classNames == raw.classNames)
    #expect(scaled.features == raw.features.map { $0.map { $0 / 16 } })
    #expect(scaled.features[0][3] == 0.8125)
    #expect(scaled.features.joined().allSatisfy { (0...1).contains($0) })
    #expect(Dataset.digits(scaled: false) == raw)
  }

  @Test func sameTableAsTheFixtureTarget() {
    let digits = Dataset.digits()
    #expect(digits.features == Digits.features)
    #expect(digits.labels == Digits.labels.map(Double.init))
  }

  @Test func sameDataFromConcurrentTasks() async {
    let reference = Dataset.digits(scaled: true)
    let results = await withTaskGroup(of: Dataset.self) { group in
      for i in 0..<8 {
        group.addTask { Dataset.digits(scaled: i % 2 == 0) }
      }
      var all: [Dataset] = []
      for await data in group { all.append(data) }
      return all
    }
    #expect(results.count == 8)
    #expect(results.filter { $0 == reference }.count == 4)
    #expect(results.filter { $0 == Dataset.digits() }.count == 4)
  }

  @Test func upscaledToThirtyTwoByThirtyTwo() throws {
    let digits = Dataset.digits()
    let large = try digits.upscaled(from: Dataset.digitsImageShape, by: 4)
    let big = Shape(channels: 1, height: 32, width: 32)
    #expect(large.count == 1_797)
    #expect(large.featureCount == big.count)
    #expect(large.targets == digits.targets)
    #expect(large.classNames == digits.classNames)
    let small = Dataset.digitsImageShape
    for (original, row) in zip(digits.features, large.features) {
      for y in 0..<32 {
        for x in 0..<32 {
          let expected = original[small.offset(channel: 0, row: y / 4, column: x / 4)]
          guard row[big.offset(channel: 0, row: y, column: x)] == expected else {
            Issue.record("pixel (0, \(y), \(x)) differs from the original's (\(y / 4), \(x / 4))")
            return
          }
        }
      }
    }
  }
}
