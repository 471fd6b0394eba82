// Why a checkpoint could not be made, saved, loaded or applied: the errors
// and their messages.

import Foundation

// MARK: - Errors

/// Why a checkpoint could not be made, saved, loaded or applied. Nothing is
/// changed when one is thrown: an existing file stays as it was, and so does
/// the model.
///
///     do {
///       let model = try MLP.load(from: "model.json")
///     } catch {
///       print(error)
///       // Prints "cannot read checkpoint model.json: no such file"
///     }
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
  /// The file could not be opened or read (missing, a directory, no
  /// permission).
  case unreadable(path: String, reason: String)
  /// The file was read but is not a valid checkpoint: not JSON (with the
  /// byte offset, line and column of the syntax error), truncated, a field
  /// missing or of the wrong type, sizes that do not fit together, or a
  /// checksum that does not match the contents.
  case corrupted(path: String, reason: String)
  /// The file is a checkpoint of a format version this library cannot read.
  case unsupportedVersion(path: String, found: Int)
  /// The file could not be written (no such folder, a folder without write
  /// permission, the disk full); any previous file at the path is intact.
  case unwritable(path: String, reason: String)
  /// The path names something a save must never replace: a folder, a FIFO,
  /// a socket, a device, a symbolic link to one of them or to nothing.
  /// `kind` says what it is ("a FIFO (named pipe)"). Nothing was written.
  case notAFile(path: String, kind: String)
  /// The file to replace is read-only (no write permission bit, or not
  /// writable by this user); `mode` is its permission bits. Pass
  /// `replacingReadOnly: true` (the command line's `--force`) to replace it
  /// anyway. Nothing was written.
  case readOnly(path: String, mode: Int)
  /// The checkpoint's architecture (input size, layer sizes, activations)
  /// differs from the model it is applied to.
  case architectureMismatch(reason: String)
  /// A parameter is NaN or ±inf; `index` is its position in
  /// ``Module/parameters`` order.
  case nonFiniteParameter(index: Int, value: Double)
  /// Another number (an optimiser buffer or hyperparameter, a feature mean)
  /// is NaN or ±inf.
  case nonFiniteValue(what: String, index: Int, value: Double)
  /// The parts of an in-memory checkpoint do not fit together (sizes below
  /// 1, a parameter count that differs from the architecture's, optimiser
  /// buffers of the wrong length).
  case invalidContents(reason: String)
  /// Layer `layer` uses ``Activation/custom(_:)`` with the function `name`:
  /// a function is code, not data, so a checkpoint cannot hold it. Save
  /// the parameters (``Module/parameterValues``) and rebuild the model with
  /// the function, or train with a built-in activation.
  case customActivation(layer: Int, name: String)
  /// Layer `layer` of a ``Sequential`` is a layer of your own, `name`,
  /// whose kind and settings a checkpoint cannot describe
  /// (``SequentialLayer/architecture`` is nil). Save the model's parameters
  /// with ``Checkpoint/init(parametersOf:optimizer:metadata:)`` and restore
  /// them with ``Checkpoint/apply(toModel:)``.
  case unsavableLayer(layer: Int, name: String)

  /// What went wrong and where.
  public var description: String {
    switch self {
    case .unreadable(let path, let reason):
      "cannot read checkpoint \(path): \(reason)"
    case .corrupted(let path, let reason):
      "checkpoint \(path) is corrupted: \(reason)"
    case .unsupportedVersion(let path, let found):
      "checkpoint \(path) has format version \(found); this version of Backprop reads "
        + "versions \(Checkpoint.readableFormatVersions.lowerBound) to "
        + "\(Checkpoint.readableFormatVersions.upperBound)"
    case .unwritable(let path, let reason):
      "cannot write checkpoint \(path): \(reason)"
    case .notAFile(let path, let kind):
      "cannot save a checkpoint to \(path): it is \(kind), not a regular file; nothing was "
        + "written (choose a file path)"
    case .readOnly(let path, let mode):
      "cannot save a checkpoint to \(path): the file is read-only (mode "
        + "\(String(format: "%04o", mode))); nothing was written (replace it with "
        + "replacingReadOnly: true, --force on the command line, or choose another path)"
    case .architectureMismatch(let reason):
      "the checkpoint does not fit the model: \(reason)"
    case .nonFiniteParameter(let index, let value):
      "parameter \(index) is \(value), not a finite number: a checkpoint holds finite "
        + "parameters only"
    case .nonFiniteValue(let what, let index, let value):
      "\(what) \(index) is \(value), not a finite number"
    case .invalidContents(let reason):
      "invalid checkpoint: \(reason)"
    case .unsavableLayer(let layer, let name):
      "cannot store layer \(layer), \(name), in a checkpoint: it is a layer of your own, whose "
        + "settings a checkpoint cannot describe (save the parameters with "
        + "Checkpoint(parametersOf:) and restore them with apply(toModel:))"
    case .customActivation(let layer, let name):
      "cannot store layer \(layer)'s custom activation '\(name)' in a checkpoint: a function "
        + "is code, not data (save parameterValues and rebuild the model with the function, "
        + "or use a built-in activation)"
    }
  }
}
