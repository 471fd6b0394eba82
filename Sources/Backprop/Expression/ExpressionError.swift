// The one error of the expression language: where (line and column), what
// was found there and what was expected, shown under the source line.

/// A mistake in the text of an ``Formula``, or a name it cannot give a
/// value to, with its place in the source.
///
/// Its description is three lines: the place and the problem, the source
/// line, and a caret `^` under the column:
///
///     do {
///       _ = try Formula("a + * b")
///     } catch {
///       print(error)
///     }
///     // Prints:
///     // line 1, column 5: expected an operand (a number, a name, a call or "("), found "*"
///     //   a + * b
///     //       ^
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong.
  ///
  ///     if case .unknownFunction(let name) = error.kind { print(name) }
  public enum Kind: Sendable, Equatable {
    /// The text does not follow the grammar: see ``ExpressionError/found``
    /// and ``ExpressionError/expected``.
    case syntax
    /// A call of a function the language does not have.
    case unknownFunction(String)
    /// A name that is never defined and was given no value.
    case unknownName(String)
    /// A name used on a line before the line that first defines it.
    case noValueYet(String, definedOnLine: Int)
    /// A call with arguments the function does not take (too few, too
    /// many, or a value where a plain number is needed).
    case badArguments(String)
    /// `softmax(…)[i]` with `i` outside the list.
    case indexOutOfRange(Int, count: Int)
  }

  /// What went wrong.
  public let kind: Kind
  /// The line, counted from 1.
  public let line: Int
  /// The column, counted from 1 in characters of the line.
  public let column: Int
  /// What was found at that place, as the message shows it (`"*"`, `end of
  /// line`, `z`).
  public let found: String
  /// What the grammar or the evaluation expected there.
  public let expected: String
  /// The source line, for the caret display.
  public let sourceLine: String

  /// Creates an error; the parser and the evaluator make them.
  ///
  ///     let e = ExpressionError(
  ///       kind: .syntax, line: 1, column: 3, found: "end of input",
  ///       expected: "an operand", sourceLine: "a +")
  ///
  /// - Parameters:
  ///   - kind: What went wrong.
  ///   - line: The line, from 1.
  ///   - column: The column, from 1.
  ///   - found: What is at that place.
  ///   - expected: What should have been there.
  ///   - sourceLine: The text of the line.
  public init(kind: Kind, line: Int, column: Int, found: String, expected: String, sourceLine: String) {
    self.kind = kind
    self.line = line
    self.column = column
    self.found = found
    self.expected = expected
    self.sourceLine = sourceLine
  }

  /// The problem in words, without the place: `expected …, found …`, or
  /// what is wrong with the name.
  ///
  ///     print(error.message)  // unknown name "z": …
  public var message: String {
    switch kind {
    case .syntax:
      return "expected \(expected), found \(found)"
    case .unknownFunction(let name):
      return "unknown function \"\(name)\"; expected \(expected)"
    case .unknownName(let name):
      return "unknown name \"\(name)\": it has no value (\(expected))"
    case .noValueYet(let name, let definedOnLine):
      return "\"\(name)\" has no value yet: it is first defined on line \(definedOnLine)"
    case .badArguments(let name):
      return "\(name): expected \(expected), found \(found)"
    case .indexOutOfRange(let index, let count):
      return "index \(index) is outside the \(count) values of softmax (counted from 0)"
    }
  }

  /// The caret display: the line, then spaces (tabs where the line has
  /// them) up to the column, and `^`.
  ///
  ///     print(error.caret)
  ///     //   a + * b
  ///     //       ^
  public var caret: String {
    let before = sourceLine.prefix(Swift.max(0, column - 1))
    let padding = String(before.map { $0 == "\t" ? "\t" : " " })
    return "  \(sourceLine)\n  \(padding)^"
  }

  /// `line L, column C: message`, the source line and the caret.
  public var description: String {
    "line \(line), column \(column): \(message)\n\(caret)"
  }
}
