// The `backprop` command-line tool. Each command lives in its own file; this
// file only dispatches and turns usage errors into a message on stderr and a
// non-zero exit code.

import Backprop
import Foundation

let usage = """
  usage: backprop <command> [options]

  commands:
    demo            back-propagate through the worked example of the lecture
                    notes (seed 000, §5.1) and print every derivative
    bench engine    time the engine against hand-written derivatives
                    (build with -c release: swift run -c release backprop bench engine)
    bench phases    the 10^6-node chain's forward and backward timed apart
    help            print this message
  """

/// A mistake in the command line: printed with the usage, exit code 2.
struct UsageError: Error, CustomStringConvertible {
  var description: String
}

func runCommand(_ arguments: [String]) throws {
  guard let command = arguments.first else {
    print(usage)
    return
  }
  let rest = Array(arguments.dropFirst())
  switch command {
  case "help", "--help", "-h":
    print(usage)
  case "demo":
    guard rest.isEmpty else { throw UsageError(description: "demo takes no arguments") }
    WorkedExampleDemo.run()
  case "bench":
    guard let what = rest.first else {
      throw UsageError(description: "bench needs a workload: bench engine")
    }
    switch what {
    case "engine":
      let runs = try integerOption("--runs", in: Array(rest.dropFirst()), default: 7)
      guard runs >= 5 else { throw UsageError(description: "--runs must be at least 5") }
      EngineBenchmark.run(runs: runs)
    case "phases":
      EngineBenchmark.chainPhases()
    default:
      throw UsageError(description: "unknown benchmark '\(what)'; available: engine, phases")
    }
  default:
    throw UsageError(description: "unknown command '\(command)'")
  }
}

/// The integer after `name` in `arguments`, or `defaultValue` when absent.
func integerOption(_ name: String, in arguments: [String], default defaultValue: Int) throws -> Int {
  var i = 0
  var value = defaultValue
  while i < arguments.count {
    guard arguments[i] == name else {
      throw UsageError(description: "unknown option '\(arguments[i])'")
    }
    guard i + 1 < arguments.count, let n = Int(arguments[i + 1]) else {
      throw UsageError(description: "\(name) needs an integer")
    }
    value = n
    i += 2
  }
  return value
}

do {
  try runCommand(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
  FileHandle.standardError.write(Data("backprop: \(error)\n\n\(usage)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("backprop: \(error)\n".utf8))
  exit(1)
}
