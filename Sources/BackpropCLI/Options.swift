// Reading a command's options: `--name value` or `--name=value`, each at most
// once, every value checked before any file is read.

// A mistake is one line that names the option, the value as typed and what
// is allowed, and exits with code 2.

import Foundation

/// A mistake in the command line: one line on stderr, exit code 2.
struct UsageError: Error, CustomStringConvertible {
  var description: String
  /// Whether the usage text follows the line (for an unknown command).
  var showsUsage = false
}

/// A problem with the data or a file (not with the command line): exit code 1.
struct DataProblem: Error, CustomStringConvertible {
  var description: String
}

/// The options of one command, as typed.
struct Options {
  /// The command, for messages (`train`, `predict`, …).
  let command: String
  private(set) var values: [String: String] = [:]

  /// Reads `arguments`: every name must be in `allowed` (which take a value)
  /// or in `flags` (which take none), and appear at most once.
  ///
  ///     let options = try Options(
  ///       ["--epochs=5", "--force"], command: "train", allowed: ["--epochs"], flags: ["--force"])
  ///     // options["--epochs"] == "5", options.isSet("--force")
  init(
    _ arguments: [String], command: String, allowed: Set<String>, flags: Set<String> = []
  ) throws {
    self.command = command
    var i = 0
    while i < arguments.count {
      let argument = arguments[i]
      var name = argument
      var inline: String? = nil
      if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        inline = String(argument[argument.index(after: equals)...])
      }
      guard argument.hasPrefix("--") else {
        throw UsageError(description: "\(command): unexpected argument '\(argument)'; options start with --")
      }
      guard allowed.contains(name) || flags.contains(name) else {
        let known = (allowed.union(flags)).sorted().joined(separator: " ")
        throw UsageError(description: "\(command): unknown option '\(name)'; known: \(known)")
      }
      guard values[name] == nil else {
        throw UsageError(description: "\(command): \(name) is given twice")
      }
      if flags.contains(name) {
        guard inline == nil else {
          throw UsageError(description: "\(command): \(name) takes no value, not '\(inline ?? "")'")
        }
        values[name] = ""
        i += 1
        continue
      }
      if let inline {
        values[name] = inline
        i += 1
      } else {
        guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") else {
          throw UsageError(description: "\(command): \(name) needs a value")
        }
        values[name] = arguments[i + 1]
        i += 2
      }
    }
  }

  subscript(name: String) -> String? { values[name] }

  /// Whether the flag `name` was given.
  func isSet(_ name: String) -> Bool { values[name] != nil }

  /// The mistake "`name` `text`: `allowed`", as one line.
  func mistake(_ name: String, _ text: String, _ allowed: String) -> UsageError {
    UsageError(description: "\(command): \(name) '\(text)' is not allowed: \(allowed)")
  }

  /// The value of `name`, which must be there.
  func required(_ name: String, _ what: String) throws -> String {
    guard let text = values[name] else {
      throw UsageError(description: "\(command) needs \(name) \(what)")
    }
    guard !text.isEmpty else { throw mistake(name, text, "give \(what)") }
    return text
  }

  /// A whole number in `range`, or `defaultValue` when absent.
  func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
    guard let text = values[name] else { return defaultValue }
    let allowed =
      range.upperBound == Int.max
      ? "a whole number ≥ \(range.lowerBound)"
      : "a whole number from \(range.lowerBound) to \(range.upperBound)"
    guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
      throw mistake(name, text, allowed)
    }
    return n
  }

  /// A whole number from 0 to 2⁶⁴ − 1 (a seed), or `defaultValue`.
  func seed(_ name: String, default defaultValue: UInt64) throws -> UInt64 {
    guard let text = values[name] else { return defaultValue }
    guard let n = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
      throw mistake(name, text, "a whole number from 0 to \(UInt64.max)")
    }
    return n
  }

  /// A finite number that passes `isAllowed` (described by `allowed`), or
  /// `defaultValue` when absent.
  func number(
    _ name: String, default defaultValue: Double, _ allowed: String,
    _ isAllowed: (Double) -> Bool
  ) throws -> Double {
    guard let text = values[name] else { return defaultValue }
    guard let x = Double(text.trimmingCharacters(in: .whitespaces)), x.isFinite, isAllowed(x)
    else { throw mistake(name, text, allowed) }
    return x
  }

  /// `yes`/`no` (also `true`/`false`, `on`/`off`), or `defaultValue`.
  func yesOrNo(_ name: String, default defaultValue: Bool) throws -> Bool {
    guard let text = values[name] else { return defaultValue }
    switch text.lowercased() {
    case "yes", "true", "on": return true
    case "no", "false", "off": return false
    default: throw mistake(name, text, "yes or no")
    }
  }

  /// One of `choices`, or `defaultValue` when absent.
  func choice(_ name: String, default defaultValue: String?, from choices: [String]) throws -> String? {
    guard let text = values[name] else { return defaultValue }
    guard choices.contains(text.lowercased()) else {
      throw mistake(name, text, "one of \(choices.joined(separator: ", "))")
    }
    return text.lowercased()
  }

  /// Widths separated by commas, each from 1 to `largest` (`none` or an
  /// empty text for no hidden layer).
  func widths(_ name: String, default defaultValue: [Int], largest: Int) throws -> [Int] {
    guard let text = values[name] else { return defaultValue }
    if text == "none" { return [] }
    let allowed = "widths from 1 to \(largest) separated by commas, like 16,16, or none"
    let fields = text.split(separator: ",", omittingEmptySubsequences: false)
    var widths: [Int] = []
    for field in fields {
      guard let n = Int(field.trimmingCharacters(in: .whitespaces)), n >= 1, n <= largest else {
        throw mistake(name, text, allowed)
      }
      widths.append(n)
    }
    return widths
  }
}

/// `--name value` pairs; every name must be in `allowed`, and each needs a
/// value (``Options`` with no flags, as a dictionary).
func parseOptions(_ arguments: [String], allowed: Set<String>, command: String = "backprop")
  throws -> [String: String]
{
  try Options(arguments, command: command, allowed: allowed).values
}

/// The integer after `name` in `arguments`, or `defaultValue` when absent.
func integerOption(_ name: String, in arguments: [String], default defaultValue: Int) throws -> Int {
  try Options(arguments, command: "bench", allowed: [name])
    .integer(name, default: defaultValue, in: 1...Int.max)
}

/// A number for people: six significant digits (`%.6g`), so that 1e300 is
/// `1e+300`, not 301 digits.
func formatNumber(_ x: Double) -> String { String(format: "%.6g", x) }
