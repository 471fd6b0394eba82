import Backprop
import Testing

@Suite("Dataset: validation when it is made")
struct DatasetTests {
  @Test func keepsRowsTargetsAndNames() throws {
    let data = try Dataset(
      features: [[0, 0], [0, 1], [1, 0], [1, 1]], labels: [0, 1, 1, 0],
      classNames: ["same", "different"])
    #expect(data.count == 4)
    #expect(data.featureCount == 2)
    #expect(data.targetCount == 1)
    #expect(data.labels == [0, 1, 1, 0])
    #expect(data.targets == [[0], [1], [1], [0]])
    #expect(data.features[2] == [1, 0])
    #expect(data.classNames == ["same", "different"])
  }

  @Test func vectorTargets() throws {
    let data = try Dataset(features: [[1], [2]], targets: [[1, 0, 0], [0, 0, 1]])
    #expect(data.targetCount == 3)
    #expect(data.labels == [1, 0])
    #expect(data.classNames == nil)
  }

  @Test func noRowsThrows() {
    #expect(throws: TrainingError.empty(what: "the data set")) {
      try Dataset(features: [], labels: [])
    }
  }

  @Test func noColumnsThrows() {
    #expect(throws: TrainingError.empty(what: "row 0's features")) {
      try Dataset(features: [[], []], labels: [0, 1])
    }
  }

  @Test func emptyTargetThrows() {
    #expect(throws: TrainingError.empty(what: "row 0's target")) {
      try Dataset(features: [[1], [2]], targets: [[], []])
    }
  }

  @Test(arguments: [0, 1, 3])
  func wrongNumberOfTargetsThrows(targetCount: Int) {
    let targets = [[Double]](repeating: [0], count: targetCount)
    #expect(
      throws: TrainingError.sizeMismatch(
        what: "targets (one per row)", expected: 2, actual: targetCount)
    ) {
      try Dataset(features: [[1], [2]], targets: targets)
    }
  }

  @Test(arguments: [1, 3])
  func raggedRowThrows(width: Int) {
    let row = [Double](repeating: 1, count: width)
    #expect(
      throws: TrainingError.sizeMismatch(what: "features of row 2", expected: 2, actual: width)
    ) {
      try Dataset(features: [[1, 2], [3, 4], row], labels: [0, 1, 0])
    }
  }

  @Test func raggedTargetThrows() {
    #expect(
      throws: TrainingError.sizeMismatch(what: "target of row 1", expected: 1, actual: 2)
    ) {
      try Dataset(features: [[1], [2]], targets: [[0], [0, 1]])
    }
  }

  @Test(arguments: [Double.nan, .infinity, -.infinity])
  func nonFiniteFeatureNamesRowAndColumn(bad: Double) throws {
    let error = try #require(throws: TrainingError.self) {
      try Dataset(features: [[1, 2, 3], [4, 5, bad]], labels: [0, 1])
    }
    guard case .nonFiniteInput(let row, let column, let value) = error else {
      Issue.record("expected nonFiniteInput, got \(error)")
      return
    }
    #expect(row == 1)
    #expect(column == 2)
    #expect(value.isNaN == bad.isNaN)
    if !bad.isNaN { #expect(value == bad) }
  }

  @Test(arguments: [Double.nan, .infinity])
  func nonFiniteTargetCountsColumnsAfterTheFeatures(bad: Double) throws {
    let error = try #require(throws: TrainingError.self) {
      try Dataset(features: [[1, 2], [3, 4], [5, 6]], targets: [[0, 0], [0, 0], [0, bad]])
    }
    guard case .nonFiniteInput(let row, let column, _) = error else {
      Issue.record("expected nonFiniteInput, got \(error)")
      return
    }
    #expect(row == 2)
    #expect(column == 3)  // 2 features, then target column 1
  }

  @Test func errorsDescribeThemselves() {
    #expect(
      TrainingError.nonFiniteInput(row: 3, column: 1, value: .infinity).description
        == "row 3, column 1 is inf, not a finite number")
    #expect(TrainingError.empty(what: "the data set").description == "the data set is empty")
  }

  @Test func rowsPicksInOrderWithRepeats() throws {
    let data = try Dataset(
      features: [[0], [10], [20], [30]], labels: [0, 1, 2, 3], classNames: ["a", "b", "c", "d"])
    let batch = data.rows([3, 1, 1])
    #expect(batch.features == [[30], [10], [10]])
    #expect(batch.labels == [3, 1, 1])
    #expect(batch.classNames == data.classNames)
    #expect(data.rows(0..<4) == data)
  }

  #if compiler(>=6.2)
    @Test func emptyBatchTraps() async {
      await #expect(processExitsWith: .failure) {
        _ = Dataset.seed002.rows([])
      }
    }
  #endif
}
