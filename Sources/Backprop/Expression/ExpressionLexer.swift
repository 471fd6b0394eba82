// The expression language's tokens: numbers, names, operators and line
// breaks, each with the line and column where it starts.

/// A place in the source: line and column, both counted from 1.
struct SourcePosition: Sendable, Hashable {
  var line: Int
  var column: Int
}

/// One token of the source.
struct Token: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case number(Double)
    case name(String)
    /// `+ - * / ^ ** ( ) [ ] , . = += -= *= /=`
    case symbol(String)
    /// A line break or `;`: the end of a statement.
    case end
    /// The end of the source.
    case endOfInput
  }
  var kind: Kind
  /// The token as typed.
  var text: String
  var position: SourcePosition

  /// The token as an error message names it.
  var described: String {
    switch kind {
    case .number: "the number \(text)"
    case .name(let n): "\"\(n)\""
    case .symbol(let s): "\"\(s)\""
    case .end: text == ";" ? "\";\"" : "end of line"
    case .endOfInput: "end of input"
    }
  }
}

/// Splits source text into tokens; `#` starts a comment that runs to the
/// end of the line.
struct ExpressionLexer {
  let lines: [String]

  init(_ source: String) {
    lines = source.split(separator: "\n", omittingEmptySubsequences: false).map {
      String($0.hasSuffix("\r") ? $0.dropLast() : $0)
    }
  }

  /// The text of line `n` (from 1), for error messages.
  func line(_ n: Int) -> String { n >= 1 && n <= lines.count ? lines[n - 1] : "" }

  func error(_ found: String, expected: String, at p: SourcePosition) -> ExpressionError {
    ExpressionError(
      kind: .syntax, line: p.line, column: p.column, found: found, expected: expected, sourceLine: line(p.line))
  }

  func tokens() throws(ExpressionError) -> [Token] {
    var result: [Token] = []
    for (k, text) in lines.enumerated() {
      let chars = Array(text)
      var i = 0
      func at(_ j: Int) -> Character? { j < chars.count ? chars[j] : nil }
      while i < chars.count {
        let c = chars[i]
        let p = SourcePosition(line: k + 1, column: i + 1)
        if c == " " || c == "\t" {
          i += 1
        } else if c == "#" {
          break
        } else if c == ";" {
          result.append(Token(kind: .end, text: ";", position: p))
          i += 1
        } else if c.isNumber && c.isASCII || (c == "." && (at(i + 1)?.isASCII ?? false) && (at(i + 1)?.isNumber ?? false)) {
          let start = i
          while let d = at(i), d.isASCII, d.isNumber { i += 1 }
          // A point belongs to the number unless a method name follows (`2.exp()`).
          if at(i) == ".", !(at(i + 1)?.isLetter ?? false) {
            i += 1
            while let d = at(i), d.isASCII, d.isNumber { i += 1 }
          }
          if at(i) == "e" || at(i) == "E" {
            var j = i + 1
            if at(j) == "+" || at(j) == "-" { j += 1 }
            if let d = at(j), d.isASCII, d.isNumber {
              i = j
              while let d = at(i), d.isASCII, d.isNumber { i += 1 }
            }
          }
          let literal = String(chars[start..<i])
          guard let x = Double(literal), x.isFinite else {
            throw error("\"\(literal)\"", expected: "a finite number", at: p)
          }
          result.append(Token(kind: .number(x), text: literal, position: p))
        } else if c.isLetter || c == "_" {
          let start = i
          while let d = at(i), d.isLetter || d.isNumber || d == "_" || d == "'" { i += 1 }
          let name = String(chars[start..<i])
          result.append(Token(kind: .name(name), text: name, position: p))
        } else {
          let two = at(i + 1).map { String([c, $0]) } ?? ""
          let symbol: String
          if ["**", "+=", "-=", "*=", "/="].contains(two) {
            symbol = two
          } else if "+-*/^()[],.=".contains(c) {
            symbol = String(c)
          } else {
            throw error("\"\(c)\"", expected: "a number, a name, an operator or a bracket", at: p)
          }
          result.append(Token(kind: .symbol(symbol), text: symbol, position: p))
          i += symbol.count
        }
      }
      result.append(Token(kind: .end, text: "\n", position: SourcePosition(line: k + 1, column: chars.count + 1)))
    }
    let last = lines.count
    result.append(
      Token(kind: .endOfInput, text: "", position: SourcePosition(line: last, column: line(last).count + 1)))
    return result
  }
}
