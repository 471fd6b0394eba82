import Backprop
import Foundation
import MicrogradFixtures

/// `backprop demo`: micrograd's own demo, run by Backprop — an MLP
/// 2 → 16 relu → 16 relu → 1 on micrograd's 100 two-moons points, hinge loss
/// plus 1e-4·Σp², 100 full-batch steps of gradient descent with the learning
/// rate decaying from 1.0 to 0.1 — with a live progress line, the final
/// accuracy, and two SVG pictures.
enum Demo {
  static func run(outputDirectory: String) throws {
    let data = try Dataset(features: MicrogradDemo.features, labels: MicrogradDemo.labels)
    let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
    try model.setParameterValues(MicrogradDemo.initialParameters)
    var sgd = try SGD(
      parameters: model.parameters, learningRate: 1.0,
      schedule: .linearDecay(final: 0.1, steps: 100))

    print("Backprop demo: micrograd's two-moons demo, number for number")
    print("  model \(model), \(model.parameterCount) parameters")
    print("  data  \(data.count) points, labels −1/+1, hinge loss + 1e-4·Σp², full batch")
    print("  optimiser: gradient descent, learning rate 1.0 → 0.1 over 100 steps")
    let interactive = isatty(STDOUT_FILENO) != 0
    let clock = ContinuousClock()
    let start = clock.now
    let history = try train(
      model, on: data, loss: .hinge, optimizer: &sgd,
      options: TrainingOptions(epochs: 100, l2: 1e-4)
    ) { report in
      let line = String(
        format: "  epoch %3d/100  loss %.6f  accuracy %5.1f%%  lr %.3f", report.epoch,
        report.loss, 100 * (report.accuracy ?? 0), report.learningRate)
      if interactive {
        print("\r" + line, terminator: report.epoch == 100 ? "\n" : "")
        fflush(nil)  // all streams: `stdout` is a C global Swift 6 will not touch
      } else if report.epoch == 1 || report.epoch % 10 == 0 {
        print(line)
      }
    }
    let elapsed = clock.now - start
    guard let last = history.last else { return }
    let reference = MicrogradDemo.referenceCurve[99]
    print("")
    print(
      String(
        format: "final accuracy %.1f%%, loss %.12f (micrograd printed %.12f), trained in %@",
        100 * (last.accuracy ?? 0), last.loss, reference.loss, formatTime(seconds(elapsed))))

    let positive = data.labels.map { $0 > 0 }
    let boundary = SVGPlot.decisionBoundary(
      points: data.features, positive: positive, step: 0.1,
      title: "Decision boundary after 100 steps: \(model)"
    ) { model.predict($0)[0] }
    let curves = SVGPlot.curves(
      loss: history.map(\.loss), accuracy: history.map(\.accuracy),
      title: "Training: loss and accuracy per step")
    let boundaryPath = (outputDirectory as NSString).appendingPathComponent("demo-boundary.svg")
    let curvesPath = (outputDirectory as NSString).appendingPathComponent("demo-curves.svg")
    try SVGPlot.write(boundary, to: boundaryPath)
    try SVGPlot.write(curves, to: curvesPath)
    print("wrote \(boundaryPath) and \(curvesPath)")
  }
}
