// Dataset.upscaled(from:by:): every pixel repeated factor × factor times in
// CHW order, the rest of the data set kept, and typed errors for bad input.

import Backprop
import Testing

@Suite("Data sets: rows as images, upscaled")
struct DatasetImagesTests {
  @Test func twoChannelsWrittenOut() throws {
    // Two channels of 2×3: channel 0 is 1…6, channel 1 is 10…60.
    let shape = Shape(channels: 2, height: 2, width: 3)
    let data = try Dataset(features: [[1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]], labels: [1])
    let large = try data.upscaled(from: shape, by: 2)
    #expect(
      large.features == [
        [
          1, 1, 2, 2, 3, 3,
          1, 1, 2, 2, 3, 3,
          4, 4, 5, 5, 6, 6,
          4, 4, 5, 5, 6, 6,
          10, 10, 20, 20, 30, 30,
          10, 10, 20, 20, 30, 30,
          40, 40, 50, 50, 60, 60,
          40, 40, 50, 50, 60, 60,
        ]
      ])
    #expect(large.labels == [1])
  }

  @Test(arguments: [
    (Shape(channels: 1, height: 1, width: 1), 3),
    (Shape(channels: 1, height: 3, width: 2), 4),
    (Shape(channels: 3, height: 2, width: 5), 3),
    (Shape(channels: 2, height: 4, width: 1), 2),
  ])
  func everyPixelComesFromItsBlock(shape: Shape, factor: Int) throws {
    // Every number distinct: row r, pixel i holds 1000·r + i.
    let rows = (0..<5).map { r in (0..<shape.count).map { Double(1000 * r + $0) } }
    let data = try Dataset(features: rows, labels: [0, 1, 2, 1, 0])
    let large = try data.upscaled(from: shape, by: factor)
    let big = Shape(
      channels: shape.channels, height: shape.height * factor, width: shape.width * factor)
    #expect(large.featureCount == big.count)
    for (original, row) in zip(rows, large.features) {
      for c in 0..<big.channels {
        for y in 0..<big.height {
          for x in 0..<big.width {
            let source = original[shape.offset(channel: c, row: y / factor, column: x / factor)]
            #expect(row[big.offset(channel: c, row: y, column: x)] == source)
          }
        }
      }
    }
  }

  @Test func factorOneIsTheSameDataSet() throws {
    let data = try Dataset(features: [[1, 2, 3, 4]], labels: [0])
    #expect(try data.upscaled(from: Shape(channels: 1, height: 2, width: 2), by: 1) == data)
  }

  @Test func keepsTargetsNamesAndTyping() throws {
    let data = try Dataset.parseCSV("a,b,c,d,y\n1,2,3,4,cat\n5,6,7,8,dog\n", target: .last)
    let large = try data.upscaled(from: Shape(channels: 1, height: 2, width: 2), by: 3)
    #expect(large.featureCount == 36)
    #expect(large.targets == data.targets)
    #expect(large.classNames == ["cat", "dog"])
    #expect(large.targetTyping == data.targetTyping)
  }

  @Test func wrongRowWidthSaysTheShapeAndCounts() throws {
    let data = try Dataset(features: [[1, 2, 3]], labels: [0])
    let shape = Shape(channels: 1, height: 2, width: 2)
    let error = try #require(throws: TrainingError.self) {
      try data.upscaled(from: shape, by: 2)
    }
    guard case .sizeMismatch(let what, let expected, let actual) = error else {
      Issue.record("expected sizeMismatch, got \(error)")
      return
    }
    #expect(expected == 4)
    #expect(actual == 3)
    #expect(what.contains("1×2×2"))
    #expect(
      error.description
        == "size mismatch in features per row for an image of shape 1×2×2 (1·2·2): "
        + "expected 4, got 3")
  }

  @Test(arguments: [0, -1, Int.min])
  func factorBelowOneIsRejected(factor: Int) throws {
    let data = try Dataset(features: [[1]], labels: [0])
    let error = try #require(throws: TrainingError.self) {
      try data.upscaled(from: Shape(channels: 1, height: 1, width: 1), by: factor)
    }
    guard case .invalidHyperparameter(let name, let value, _) = error else {
      Issue.record("expected invalidHyperparameter, got \(error)")
      return
    }
    #expect(name == "factor")
    #expect(value == Double(factor))
  }

  @Test func factorThatOverflowsIsRejected() throws {
    let data = try Dataset(features: [[1, 2]], labels: [0])
    let shape = Shape(channels: 1, height: 1, width: 2)
    for factor in [Int.max, 1 << 32, 1 << 31] {
      let error = try #require(throws: TrainingError.self) {
        try data.upscaled(from: shape, by: factor)
      }
      guard case .invalidHyperparameter(let name, _, let requirement) = error else {
        Issue.record("expected invalidHyperparameter, got \(error)")
        return
      }
      #expect(name == "factor")
      #expect(requirement.contains("Int.max"))
    }
  }
}
