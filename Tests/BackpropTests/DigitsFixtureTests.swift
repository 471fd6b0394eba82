import DigitsFixtures
import Testing

/// The embedded 8×8 digits parse into the table the CSV holds: 1,797 rows of
/// 64 grey levels in 0…16 and a digit 0…9, with scikit-learn's class counts.
@Suite("Fixtures: the 8×8 digits")
struct DigitsFixtureTests {
  @Test func rowsFeaturesAndLabelsHaveTheCSVsShape() {
    #expect(Digits.features.count == 1_797)
    #expect(Digits.labels.count == 1_797)
    #expect(Digits.features.allSatisfy { $0.count == 64 })
    #expect(Digits.features.allSatisfy { row in row.allSatisfy { (0...16).contains($0) } })
    #expect(Digits.labels.allSatisfy { (0...9).contains($0) })
  }

  @Test func classCountsAreScikitLearns() {
    var counts = [Int](repeating: 0, count: Digits.classCount)
    for label in Digits.labels { counts[label] += 1 }
    #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
  }

  @Test func firstAndLastRowsAreTheFilesFirstAndLast() {
    #expect(Digits.labels.first == 0)
    #expect(Digits.labels.last == 8)
    #expect(Digits.features.first?.prefix(5) == [0, 0, 5, 13, 9])
    #expect(Digits.features.last?.suffix(4) == [14, 12, 1, 0])
    // Grey levels are whole numbers, and both ends of the range occur.
    #expect(Digits.features.joined().allSatisfy { $0 == $0.rounded() })
    #expect(Digits.features.joined().contains(16))
  }
}
