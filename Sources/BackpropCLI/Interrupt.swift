// Ctrl-C during training: the first one asks training to stop after the
// epoch under way (and, with --save, to save it); a second one stops at once.

import Dispatch
import Foundation
import Synchronization

/// Set when the user pressed Ctrl-C (SIGINT) once.
let interruptRequested = Atomic<Bool>(false)

/// The dispatch source that watches SIGINT while training runs.
nonisolated(unsafe) private var interruptSource: (any DispatchSourceSignal)?

/// Catches Ctrl-C: the first sets ``interruptRequested`` and prints what will
/// happen; a second exits with 130 (the shell's code for SIGINT).
func catchInterrupts(message: String) {
  signal(SIGINT, SIG_IGN)
  let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
  source.setEventHandler {
    if interruptRequested.exchange(true, ordering: .relaxed) {
      writeError("backprop: interrupted again; stopping now")
      exit(130)
    }
    writeError("\nbackprop: \(message) (Ctrl-C again to stop at once)")
  }
  source.resume()
  interruptSource = source
}
