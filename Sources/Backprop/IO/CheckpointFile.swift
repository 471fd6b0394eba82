// Saving and loading checkpoint files, and the MLP shorthands.

// The safe writing itself (checks, temporary file, rename, leftovers) is in
// AtomicFile.swift.

import Foundation

/// What ``Checkpoint/save(to:replacingReadOnly:)`` did besides writing.
///
///     let result = try checkpoint.save(to: "model.json")
///     for leftover in result.removedLeftovers {
///       print("removed leftover \(leftover)")
///     }
public struct CheckpointSaveResult: Sendable, Equatable {
  /// The file written: the path given, or the file a symbolic link at that
  /// path points to (the link itself is kept).
  public let path: String
  /// The temporary files of earlier saves to the same file that were
  /// interrupted (killed, or the machine stopped) before they could clean
  /// up, and that this save removed: their paths, sorted. See
  /// ``Checkpoint/leftoverTemporaryFiles(for:)`` for how they are told apart
  /// from a save in progress.
  public let removedLeftovers: [String]
}

// MARK: - Saving and loading

extension Checkpoint {

  /// Writes the checkpoint as pretty-printed JSON with sorted keys,
  /// atomically and without destroying anything.
  ///
  ///     let result = try Checkpoint(model: model).save(to: "model.json")
  ///     for leftover in result.removedLeftovers { print("removed leftover \(leftover)") }
  ///
  /// The destination is checked first, as
  /// ``checkDestination(_:replacingReadOnly:)`` does: it may be absent, a
  /// regular file, or a symbolic link to a regular file (the file it points
  /// to is replaced and the link kept); a folder, a FIFO, a socket, a device
  /// or a link to one is refused, and so is a read-only file unless
  /// `replacingReadOnly` is set. The bytes then go to a temporary file
  /// `.NAME.PID.UUID.tmp` in the same folder, which gets the replaced file's
  /// permission bits (and, as root, its owner), is flushed to the disk and
  /// renamed over the destination. On every failure that can be caught
  /// (encoding, writing, a full disk, flushing, renaming) the temporary file
  /// is removed and the previous file is left as it was.
  ///
  /// A save that was killed leaves its temporary file behind; the next
  /// successful save to the same file removes such leftovers and returns
  /// their paths in ``CheckpointSaveResult/removedLeftovers`` (see
  /// ``leftoverTemporaryFiles(for:)``).
  ///
  /// - Parameters:
  ///   - path: The file to write, absolute or relative to the current
  ///     directory; its folder must exist and be writable.
  ///   - replacingReadOnly: Whether a read-only file at `path` may be
  ///     replaced (it keeps its read-only permissions); `false` by default.
  /// - Returns: The file written and the leftovers removed.
  /// - Throws: ``CheckpointError/notAFile(path:kind:)``,
  ///   ``CheckpointError/readOnly(path:mode:)`` or
  ///   ``CheckpointError/unwritable(path:reason:)`` naming the cause.
  @discardableResult
  public func save(
    to path: String, replacingReadOnly: Bool = false
  ) throws -> CheckpointSaveResult {
    try Self.checkDestination(path, replacingReadOnly: replacingReadOnly)
    let data: Data
    do {
      data = try Self.makeEncoder().encode(self)
    } catch {
      throw CheckpointError.unwritable(path: path, reason: "cannot encode it: \(error)")
    }
    return try AtomicFile.write(data, to: path, replacingReadOnly: replacingReadOnly)
  }

  /// Checks, without writing anything, that a checkpoint could be saved to
  /// `path`: call it before a long training run so that a wrong path fails
  /// at once rather than after the run.
  ///
  ///     try Checkpoint.checkDestination("runs/model.json")
  ///     // ... train for an hour ...
  ///     try model.save(to: "runs/model.json")
  ///
  /// The path must not end in `/`; its folder must exist, be a folder and be
  /// writable; the path itself must be absent, a regular file, or a symbolic
  /// link to a regular file; an existing file must be writable (it has a
  /// write permission bit and this user may write it) unless
  /// `replacingReadOnly` is set. As root every permission check but the
  /// write bits passes, as the system grants root everything.
  ///
  /// - Parameters:
  ///   - path: The file a save would write.
  ///   - replacingReadOnly: Whether a read-only file may be replaced;
  ///     `false` by default.
  /// - Throws: ``CheckpointError/notAFile(path:kind:)`` for a folder, FIFO,
  ///   socket, device or a symbolic link to one or to nothing;
  ///   ``CheckpointError/readOnly(path:mode:)`` for a read-only file;
  ///   ``CheckpointError/unwritable(path:reason:)`` for a folder that is
  ///   missing, not a folder or not writable.
  public static func checkDestination(
    _ path: String, replacingReadOnly: Bool = false
  ) throws {
    _ = try AtomicFile.check(path, replacingReadOnly: replacingReadOnly)
  }

  /// The temporary files that interrupted saves to `path` left behind, which
  /// the next successful ``save(to:replacingReadOnly:)`` removes: the
  /// regular files `.NAME.PID.UUID.tmp` beside the file (the symbolic
  /// link's target for a link) whose process `PID` no longer runs, or that
  /// were not modified for an hour, and the older form `.NAME.UUID.tmp`
  /// when not modified for a minute. A save in progress, in this process or
  /// another, is never counted.
  ///
  ///     for leftover in Checkpoint.leftoverTemporaryFiles(for: "model.json") {
  ///       print("leftover \(leftover)")
  ///     }
  ///
  /// - Parameter path: The checkpoint file.
  /// - Returns: The leftovers' paths, sorted; empty when there are none.
  public static func leftoverTemporaryFiles(for path: String) -> [String] {
    var target = path
    if let resolved = realpath(path, nil) {
      target = String(cString: resolved)
      free(resolved)
    }
    return AtomicFile.leftovers(for: target)
  }

  /// Reads and checks a checkpoint written by ``save(to:replacingReadOnly:)`` (or by hand).
  ///
  ///     let checkpoint = try Checkpoint.load(from: "model.json")
  ///     print(checkpoint.layerSizes, checkpoint.metadata["loss"] ?? "")
  ///
  /// Everything is checked before anything is returned: the JSON syntax, the
  /// format version, that the layer sizes are ≥ 1, that there is one
  /// activation per layer, that the parameter count is the architecture's,
  /// that every number is finite, that optimiser buffers have one entry per
  /// parameter, that a scaling has one feature per input and positive
  /// standard deviations, and the checksum when there is one.
  ///
  /// - Parameter path: The file to read.
  /// - Returns: The checkpoint.
  /// - Throws: ``CheckpointError/unreadable(path:reason:)`` when the file
  ///   cannot be read, ``CheckpointError/unsupportedVersion(path:found:)``
  ///   for another format version, ``CheckpointError/corrupted(path:reason:)``
  ///   naming what is wrong and where (the byte offset, line and column of a
  ///   JSON syntax error; the key path of a missing or mistyped field),
  ///   ``CheckpointError/nonFiniteParameter(index:value:)`` or
  ///   ``CheckpointError/nonFiniteValue(what:index:value:)``.
  public static func load(from path: String) throws -> Checkpoint {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw CheckpointError.unreadable(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else {
      throw CheckpointError.unreadable(path: path, reason: "it is a directory, not a file")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw CheckpointError.unreadable(path: path, reason: describeFileError(error))
    }
    return try decode(data, path: path)
  }

  /// Decodes and checks the bytes of a checkpoint file.
  static func decode(_ data: Data, path: String) throws(CheckpointError) -> Checkpoint {
    guard !data.isEmpty else {
      throw .corrupted(path: path, reason: "the file is empty")
    }
    let decoder = JSONDecoder()
    // The version first, so that a newer format is reported as such rather
    // than as a missing or mistyped field.
    let probe: VersionProbe
    do {
      probe = try decoder.decode(VersionProbe.self, from: data)
    } catch {
      throw .corrupted(path: path, reason: describeDecodingFailure(error, data: data))
    }
    guard let version = probe.formatVersion else {
      throw .corrupted(
        path: path, reason: "there is no \"formatVersion\": this is not a Backprop checkpoint")
    }
    guard readableFormatVersions.contains(version) else {
      throw .unsupportedVersion(path: path, found: version)
    }
    do {
      return try decoder.decode(Checkpoint.self, from: data)
    } catch {
      // The checks of `init(from:)` travel inside a `DecodingError`.
      if case .dataCorrupted(let context) = error as? DecodingError,
        let inner = context.underlyingError as? CheckpointError
      {
        switch inner {
        case .nonFiniteParameter, .nonFiniteValue: throw inner
        case .invalidContents(let reason): throw .corrupted(path: path, reason: reason)
        default: throw .corrupted(path: path, reason: inner.description)
        }
      }
      throw .corrupted(path: path, reason: describeDecodingFailure(error, data: data))
    }
  }

  /// The encoder of the file format: pretty, sorted keys, numbers in their
  /// shortest round-trip form.
  static func makeEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

}

// MARK: - Convenience on MLP

extension MLP {
  /// Saves the model, and optionally its optimiser's state, metadata,
  /// scaling and column names, to a checkpoint file: shorthand for
  /// ``Checkpoint/init(model:optimizer:metadata:scaling:featureNames:classNames:targetName:)-(MLP,_,_,_,_,_,_)``
  /// then ``Checkpoint/save(to:replacingReadOnly:)``.
  ///
  ///     let scaler = Standardizer(fitting: train)
  ///     // ... train on scaler(train) ...
  ///     try model.save(to: "model.json", optimizer: optimizer.state,
  ///                    metadata: ["loss": "cross-entropy"], scaling: scaler,
  ///                    featureNames: ["petal_length", "petal_width"],
  ///                    classNames: ["setosa", "versicolor", "virginica"],
  ///                    targetName: "species")
  ///
  /// - Parameters:
  ///   - path: The file to write atomically; its folder must exist.
  ///   - optimizer: The optimiser's state to save with the model; `nil` by
  ///     default.
  ///   - metadata: Free text; empty by default.
  ///   - scaling: The ``Standardizer`` the model's inputs were
  ///     standardised with, one feature per input; `nil` by default.
  ///   - featureNames: The names of the inputs; `nil` by default.
  ///   - classNames: The class names; `nil` by default.
  ///   - targetName: The name of the predicted column; `nil` by default.
  ///   - replacingReadOnly: Whether a read-only file at `path` may be
  ///     replaced; `false` by default.
  /// - Returns: The file written and the leftover temporary files removed.
  /// - Throws: ``CheckpointError/nonFiniteParameter(index:value:)`` when a
  ///   parameter is NaN or ±inf (nothing is written), the errors of
  ///   ``Checkpoint/save(to:replacingReadOnly:)`` and of
  ///   ``Checkpoint/init(model:optimizer:metadata:scaling:featureNames:classNames:targetName:)-(MLP,_,_,_,_,_,_)``.
  ///   A previous file at `path` is left intact on every failure.
  @discardableResult
  public func save(
    to path: String, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil, featureNames: [String]? = nil, classNames: [String]? = nil,
    targetName: String? = nil, replacingReadOnly: Bool = false
  ) throws -> CheckpointSaveResult {
    try Checkpoint(
      model: self, optimizer: optimizer, metadata: metadata, scaling: scaling,
      featureNames: featureNames, classNames: classNames, targetName: targetName
    ).save(to: path, replacingReadOnly: replacingReadOnly)
  }

  /// Loads a model saved by
  /// ``save(to:optimizer:metadata:scaling:featureNames:classNames:targetName:replacingReadOnly:)``
  /// or ``Checkpoint/save(to:replacingReadOnly:)``, with its parameters recorded on the current
  /// tape.
  ///
  ///     let model = try MLP.load(from: "model.json")
  ///
  /// To read the optimiser state or the metadata too, use
  /// ``Checkpoint/load(from:)`` and ``Checkpoint/makeModel()``.
  ///
  /// - Parameter path: The file to read.
  /// - Returns: A new model with the saved architecture and parameters.
  /// - Throws: The errors of ``Checkpoint/load(from:)``.
  public static func load(from path: String) throws -> MLP {
    try Checkpoint.load(from: path).makeModel()
  }
}
