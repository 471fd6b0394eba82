// `backprop demo`: micrograd's own demo run by Backprop, with a progress
// line, the final accuracy and two SVG pictures.

import Backprop
import Foundation
import MicrogradFixtures

/// `backprop demo`: micrograd's own demo, run by Backprop — an MLP
/// 2 → 16 relu → 16 relu → 1 on micrograd's 100 two-moons points, hinge loss
/// plus 1e-4·Σp², 100 full-batch steps of gradient descent with the learning
/// rate decaying from 1.0 to 0.1 — with a live progress line, the final
/// accuracy, and two SVG pictures in `demo-output/` (or `--output-dir DIR`);
/// with `--html`, also the training page `demo.html` there (see
/// ``TrainingPage``): every step's boundary, curves, gradient norms and
/// each point's loss graph.
///
/// The output folder is checked before training starts: a folder that does
/// not exist and cannot be created, a file in its place, or a folder that is
/// not writable ends the command at once with one line on stderr and exit
/// code 1.
enum Demo {
  /// Where the pictures go without `--output-dir`: a folder in the current
  /// directory, created when missing (and ignored by git in this repository).
  static let defaultOutputDirectory = "demo-output"

  /// The pictures' file names inside the output folder.
  static let fileNames = (boundary: "demo-boundary.svg", curves: "demo-curves.svg")

  static func run(outputDirectory: String, html: Bool = false) throws {
    let folder = try prepareOutputFolder(outputDirectory)
    let boundaryPath = (folder as NSString).appendingPathComponent(fileNames.boundary)
    let curvesPath = (folder as NSString).appendingPathComponent(fileNames.curves)
    let pagePath = (folder as NSString).appendingPathComponent(TrainingPage.demoFileName)
    for path in [boundaryPath, curvesPath] + (html ? [pagePath] : []) {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw OutputError(
          description: "cannot write \(path): a folder of that name is in the way (the demo replaces only files)")
      }
    }

    let data = try Dataset(features: MicrogradDemo.features, labels: MicrogradDemo.labels)
    let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
    try model.setParameterValues(MicrogradDemo.initialParameters)
    var sgd = try SGD(
      parameters: model.parameters, learningRate: 1.0,
      schedule: .linearDecay(final: 0.1, steps: 100))

    say("Backprop demo: micrograd's two-moons demo, number for number")
    say("  model \(model), \(model.parameterCount) parameters")
    say("  data  \(data.count) points, labels −1/+1, hinge loss + 1e-4·Σp², full batch")
    say("  optimiser: gradient descent, learning rate 1.0 → 0.1 over 100 steps")
    let clock = ContinuousClock()
    let start = clock.now
    // The parameters at the start of every step, for the page.
    var recorder = TrainingPageRecorder(firstEpoch: 1, lastEpoch: html ? 100 : 0)
    recorder.willStart(epoch: 1, parameters: model.parameterValues)
    let history = try train(
      model, on: data, loss: .hinge, optimizer: &sgd,
      options: TrainingOptions(epochs: 100, l2: 1e-4)
    ) { report in
      recorder.willStart(epoch: report.epoch + 1, parameters: model.parameterValues)
      let line = String(
        format: "  epoch %3d/100  loss %.6f  accuracy %5.1f%%  lr %.3f", report.epoch,
        report.loss, 100 * (report.accuracy ?? 0), report.learningRate)
      if stdoutIsTerminal {
        sayLive(line, done: report.epoch == 100)
      } else if report.epoch == 1 || report.epoch % 10 == 0 {
        say(line)
      }
    }
    let elapsed = clock.now - start
    guard let last = history.last else { return }
    let reference = MicrogradDemo.referenceCurve[99]
    say("")
    say(
      String(
        format: "final accuracy %.1f%%, loss %.12f (micrograd printed %.12f), trained in %@",
        100 * (last.accuracy ?? 0), last.loss, reference.loss, formatTime(seconds(elapsed))))

    let positive = data.labels.map { $0 > 0 }
    let boundary = SVGPlot.decisionBoundary(
      points: data.features, positive: positive, classNames: ("class +1", "class −1"), step: 0.1,
      title: "Decision boundary after 100 steps: \(model)"
    ) { model.predict($0)[0] }
    let curves = SVGPlot.curves(
      loss: history.map(\.loss), accuracy: history.map(\.accuracy),
      title: "Training: loss and accuracy after each step",
      epochLabel: "step (epoch: one full-batch gradient step)", lossLabel: "loss (hinge + 1e-4·Σp²)")
    try SVGPlot.write(boundary, to: boundaryPath)
    try SVGPlot.write(curves, to: curvesPath)
    say("wrote \(boundaryPath) and \(curvesPath)")
    guard html else { return }
    let run = TrainingPageRun(
      title: "micrograd's demo, step by step",
      description: [
        "micrograd's own demo run by Backprop: an \(model) with \(model.parameterCount) parameters on "
          + "micrograd's \(data.count) two-moons points (labels −1 and +1), trained by 100 full-batch steps "
          + "of gradient descent, the learning rate decaying from 1.0 to 0.1. The loss is the mean over the "
          + "points of the hinge loss max(0, 1 − y·score), plus 1e-4·Σp² over the parameters.",
        String(
          format: "After 100 steps: accuracy %.1f%%, loss %.6f (micrograd printed %.6f for its last step).",
          100 * (last.accuracy ?? 0), last.loss, reference.loss),
      ],
      stepName: "step", lossLabel: "loss (hinge + 1e-4·Σp²)", frames: recorder.frames(history),
      totalEpochs: 100, lossText: { String(format: "%.6f", $0) }, loss: .hinge,
      layerNames: TrainingPageRun.layerNames(of: model), network: model, features: data.features,
      targets: data.targets, classNames: ["class −1", "class +1"])
    let size = try TrainingPage.write(run, to: pagePath)
    say("wrote \(pagePath) (\(TrainingPage.formatSize(size))): open it in a browser")
  }

  /// Makes sure `path` can take the pictures before any training is done:
  /// it is a writable folder, or it is missing and its parent is a folder it
  /// can be created in (it is then created; its parents never are). Returns
  /// `path`; throws an ``OutputError`` that names `path` and the problem.
  static func prepareOutputFolder(_ path: String) throws(OutputError) -> String {
    func problem(_ what: String) -> OutputError {
      OutputError(description: "cannot use \(path) as the output folder: \(what)")
    }
    func reason() -> String { String(cString: strerror(errno)) }
    guard !path.isEmpty else {
      throw OutputError(description: "cannot use an empty name as the output folder")
    }
    let files = FileManager.default
    var isDirectory: ObjCBool = false
    if files.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw problem("it is a file, not a folder") }
    } else {
      let parent = (path as NSString).deletingLastPathComponent
      let parentShown = parent.isEmpty ? "." : parent
      var parentIsDirectory: ObjCBool = false
      guard files.fileExists(atPath: parentShown, isDirectory: &parentIsDirectory) else {
        throw problem("its parent folder \(parentShown) does not exist")
      }
      guard parentIsDirectory.boolValue else { throw problem("\(parentShown) is a file, not a folder") }
      guard mkdir(path, 0o777) == 0 else { throw problem("it cannot be created: \(reason())") }
    }
    guard access(path, W_OK | X_OK) == 0 else { throw problem("the folder is not writable: \(reason())") }
    return path
  }
}
