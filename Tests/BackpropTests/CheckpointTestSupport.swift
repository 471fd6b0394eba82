// Helpers shared by the checkpoint tests (CheckpointTests*.swift): a scratch directory, file
// bytes and text, a model with chosen parameters, an Adam state.

import Backprop
import Foundation
import Testing

extension CheckpointTests {
  /// A fresh directory under the system's temporary directory; call `remove()`
  /// when done.
  struct ScratchDirectory {
    let url: URL

    init() throws {
      url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "backprop-checkpoint-tests-\(UUID().uuidString)", isDirectory: true)
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The names in the directory, hidden ones (temporary files) included.
    var contents: [String] {
      ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
  }
}

func readBytes(_ path: String) throws -> Data {
  try Data(contentsOf: URL(fileURLWithPath: path))
}

func writeBytes(_ data: Data, _ path: String) throws {
  try data.write(to: URL(fileURLWithPath: path))
}

func writeText(_ text: String, _ path: String) throws {
  try writeBytes(Data(text.utf8), path)
}

/// A model of `layerSizes` with parameters set to `values` (or left as
/// drawn).
func makeMLP(
  inputSize: Int = 2, layerSizes: [Int] = [3, 1], activations: [Activation]? = nil,
  seed: UInt64 = 1, values: [Double]? = nil
) throws -> MLP {
  var rng = SeededGenerator(seed: seed)
  let model = MLP(
    inputSize: inputSize, layerSizes: layerSizes,
    activations: activations
      ?? Array(repeating: .tanh, count: layerSizes.count - 1) + [.linear],
    using: &rng)
  if let values { try model.setParameterValues(values) }
  return model
}

let adamState = OptimizerState(
  kind: "adam",
  hyperparameters: ["learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8],
  schedule: .linearDecay(final: 0.1, steps: 100), stepCount: 17,
  buffers: [
    "m": [
      0.1, -0.0, .leastNonzeroMagnitude, 1e-300, -2.5, 3, 0.30000000000000004, 1e22,
      -.leastNonzeroMagnitude * 141_421_356_237,
    ],
    "v": [0, 1, 2, 3, 4, 5, 6, 7, 8.000000000000002],
  ])
