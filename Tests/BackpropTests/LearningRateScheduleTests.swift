import Backprop
import Foundation
import Testing

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
  @Test("constant: γₖ = γ₀", arguments: [0, 1, 7, 1_000_000])
  func constant(step k: Int) {
    #expect(LearningRateSchedule.constant.rate(base: 0.05, step: k) == 0.05)
  }

  @Test("1/(k+1): seed 002's γₖ = γ₀/(k + 1)")
  func inverseTime() {
    for k in 0..<100 {
      #expect(LearningRateSchedule.inverseTime.rate(base: 1, step: k) == 1 / Double(k + 1))
      #expect(LearningRateSchedule.inverseTime.rate(base: 0.3, step: k) == 0.3 / Double(k + 1))
    }
    // Σγₖ diverges while Σγₖ² converges (to π²/6 for γ₀ = 1).
    let squares = (0..<100_000).reduce(0.0) {
      let g = LearningRateSchedule.inverseTime.rate(base: 1, step: $1)
      return $0 + g * g
    }
    #expect(abs(squares - Double.pi * Double.pi / 6) < 1e-4)
  }

  @Test("linear decay reproduces micrograd's 1.0 - 0.9*k/100 bit for bit")
  func micrograd_linearDecay() {
    let schedule = LearningRateSchedule.linearDecay(final: 0.1, steps: 100)
    for k in 0..<100 {
      #expect(schedule.rate(base: 1.0, step: k) == 1.0 - 0.9 * Double(k) / 100)
    }
    #expect(schedule.rate(base: 1.0, step: 50) == 0.55)
  }

  @Test("linear decay holds the final rate from k = steps on", arguments: [100, 101, 500])
  func linearDecayEnd(step k: Int) {
    #expect(LearningRateSchedule.linearDecay(final: 0.1, steps: 100).rate(base: 1, step: k) == 0.1)
  }

  @Test("linear decay by hand for another base")
  func linearDecayOtherBase() {
    let schedule = LearningRateSchedule.linearDecay(final: 0.02, steps: 4)
    let rates = (0..<6).map { schedule.rate(base: 0.1, step: $0) }
    let expected = [0.1, 0.1 - 0.08 / 4, 0.1 - 0.08 * 2 / 4, 0.1 - 0.08 * 3 / 4, 0.02, 0.02]
    for (rate, e) in zip(rates, expected) { expectClose(rate, e, tolerance: 1e-15) }
    #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
  }

  @Test("step decay: γ₀·factor^⌊k/every⌋")
  func stepDecay() {
    let schedule = LearningRateSchedule.stepDecay(factor: 0.5, every: 10)
    for k in 0..<10 { #expect(schedule.rate(base: 0.8, step: k) == 0.8) }
    for k in 10..<20 { #expect(schedule.rate(base: 0.8, step: k) == 0.4) }
    for k in 20..<30 { #expect(schedule.rate(base: 0.8, step: k) == 0.2) }
    #expect(schedule.rate(base: 0.8, step: 95) == 0.8 / 512)
    let third = LearningRateSchedule.stepDecay(factor: 0.1, every: 1)
    expectClose(third.rate(base: 1, step: 3), 1e-3, tolerance: 1e-15)
    #expect(LearningRateSchedule.stepDecay(factor: 1, every: 3).rate(base: 2, step: 99) == 2)
  }

  @Test("an optimiser's learning rate follows its schedule step by step")
  func optimiserFollowsSchedule() throws {
    try Tape().withCurrent {
      let schedule = LearningRateSchedule.stepDecay(factor: 0.5, every: 2)
      var sgd = try SGD(parameters: [Value(1.0)], learningRate: 0.4, schedule: schedule)
      var rates: [Double] = []
      for _ in 0..<6 {
        rates.append(sgd.currentLearningRate)
        sgd.step()
      }
      #expect(rates == [0.4, 0.4, 0.2, 0.2, 0.1, 0.1])
    }
  }

  @Test(
    "valid schedules pass validation",
    arguments: [
      LearningRateSchedule.constant, .inverseTime, .linearDecay(final: 0.1, steps: 100),
      .linearDecay(final: 1e-6, steps: 1), .stepDecay(factor: 1, every: 1),
      .stepDecay(factor: 0.5, every: 10),
    ])
  func validSchedules(_ schedule: LearningRateSchedule) throws {
    try schedule.validate()
  }

  @Test(
    "invalid schedules throw, naming the setting",
    arguments: [
      (LearningRateSchedule.linearDecay(final: 0, steps: 100), "final learning rate"),
      (.linearDecay(final: -0.1, steps: 100), "final learning rate"),
      (.linearDecay(final: .nan, steps: 100), "final learning rate"),
      (.linearDecay(final: .infinity, steps: 100), "final learning rate"),
      (.linearDecay(final: 0.1, steps: 0), "decay steps"),
      (.linearDecay(final: 0.1, steps: -5), "decay steps"),
      (.stepDecay(factor: 0, every: 10), "decay factor"),
      (.stepDecay(factor: 1.01, every: 10), "decay factor"),
      (.stepDecay(factor: .nan, every: 10), "decay factor"),
      (.stepDecay(factor: 0.5, every: 0), "decay interval"),
      (.stepDecay(factor: 0.5, every: -1), "decay interval"),
    ])
  func invalidSchedules(_ schedule: LearningRateSchedule, name: String) {
    expectInvalidHyperparameter(name) { try schedule.validate() }
  }

  @Test("descriptions")
  func descriptions() {
    #expect(LearningRateSchedule.constant.description == "constant")
    #expect(LearningRateSchedule.inverseTime.description == "1/(k+1)")
    #expect(
      LearningRateSchedule.linearDecay(final: 0.1, steps: 100).description
        == "linear to 0.1 over 100 steps")
    #expect(
      LearningRateSchedule.stepDecay(factor: 0.5, every: 10).description
        == "×0.5 every 10 steps")
  }

  @Test(
    "JSON round trip, inside an optimiser state too",
    arguments: [
      LearningRateSchedule.constant, .inverseTime, .linearDecay(final: 0.1, steps: 100),
      .stepDecay(factor: 0.3, every: 7),
    ])
  func codable(_ schedule: LearningRateSchedule) throws {
    let decoded = try JSONDecoder().decode(
      LearningRateSchedule.self, from: JSONEncoder().encode(schedule))
    #expect(decoded == schedule)
    let state = OptimizerState(
      kind: "sgd", hyperparameters: ["learningRate": 0.1], schedule: schedule, stepCount: 3,
      buffers: ["velocity": [0.1, -0.2]])
    let decodedState = try JSONDecoder().decode(
      OptimizerState.self, from: JSONEncoder().encode(state))
    #expect(decodedState == state)
  }
}
