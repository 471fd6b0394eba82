// Programming-mistake stops that keep their message in release builds.
//
// Swift's `require(_:_:)` compiles its message out under `-O`: an app
// built with `swift build -c release` that makes an MLP of the wrong input
// size stops with a bare "precondition failure" and no hint of what was
// wrong. `fatalError(_:)` keeps its message at every optimisation level, so
// every stop of the library goes through these two helpers instead. The check
// itself is inlined (a compare and a branch predicted not taken); the message
// is an autoclosure built only on failure, and the failure path is a separate
// function that is never inlined, so the hot path carries no string code.

/// Stops the program with `message` unless `condition` holds, in debug and
/// release builds alike (unlike `precondition`, whose message `-O` drops).
@inlinable @inline(__always)
func require(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  if _slowPath(!condition()) { stop(message(), file: file, line: line) }
}

/// Stops the program with `message`, in debug and release builds alike.
@usableFromInline @inline(never)
func stop(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
  fatalError(message, file: file, line: line)
}
