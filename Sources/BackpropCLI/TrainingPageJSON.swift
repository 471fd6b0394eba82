// The JSON text of the training page's data: a small writer with two number
// formats (exact, and three significant digits) and strings safe inside a
// <script> element.

import Backprop
import Foundation

/// A JSON text written piece by piece, for the data block of the training
/// page (`TrainingPageHTML.swift`).
///
/// Numbers come in two formats: ``exact(_:)`` (Swift's shortest text that
/// reads back as the same `Double`: the losses the page shows and the tests
/// compare) and ``short(_:)`` (three significant digits, like a Float16, for
/// the many activations and gradients of the point graphs, to keep the page
/// small). A number that is not finite is written `null`. Strings are escaped
/// so that the text can sit inside a `<script>` element (`<` is `\u003c`).
///
///     var json = JSONText()
///     json.object { o in
///       o.key("loss"); o.exact(0.25)
///     }
///     // json.text == #"{"loss":0.25}"#
struct JSONText {
  /// The text written so far.
  private(set) var text = ""

  /// An exact number: the shortest decimal text that reads back as `x`.
  mutating func exact(_ x: Double) {
    guard x.isFinite else { return text += "null" }
    text += "\(x)"
  }

  /// A number rounded to three significant digits, with a short exponent:
  /// `0.0123`, `-1.5`, `1.23e-5`, `0`.
  mutating func short(_ x: Double) {
    text += Self.shortText(x)
  }

  /// ``short(_:)``'s text for `x`: the `Double` nearest to `x` rounded to
  /// three significant digits, in Swift's shortest form, with a short
  /// exponent (`1.23e-5`) and no `.0` tail.
  static func shortText(_ x: Double) -> String {
    guard x.isFinite else { return "null" }
    if x == 0 { return "0" }
    let e = Int(log10(abs(x)).rounded(.down))
    // Dividing or multiplying a whole number by an exact power of ten
    // (10^k is exact for k ≤ 22) gives the double nearest the rounded decimal.
    let rounded: Double
    if e <= 2 {
      let k = 2 - e
      rounded = k <= 22 ? (x * pow(10, Double(k))).rounded() / pow(10, Double(k)) : x
    } else {
      let k = Double(e - 2)
      rounded = (x / pow(10, k)).rounded() * pow(10, k)
    }
    var s = "\(rounded)"
    if s.hasSuffix(".0") { s.removeLast(2) }
    // "1.23e-05" → "1.23e-5": still JSON, shorter.
    if let at = s.firstIndex(of: "e") {
      let mantissa = s[..<at]
      var exponent = s[s.index(after: at)...]
      var sign = ""
      if exponent.first == "-" { sign = "-" }
      if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
      let digits = exponent.drop { $0 == "0" }
      s = mantissa + "e" + sign + (digits.isEmpty ? "0" : digits)
    }
    return s
  }

  /// A whole number.
  mutating func integer(_ n: Int) { text += String(n) }

  /// `true` or `false`.
  mutating func bool(_ b: Bool) { text += b ? "true" : "false" }

  /// `null`.
  mutating func null() { text += "null" }

  /// A string, escaped for JSON and for a `<script>` element.
  mutating func string(_ s: String) { text += jsonStringLiteral(s) }

  /// An array whose elements `body` writes, one `element()` call before each.
  mutating func array(_ body: (inout Elements) throws -> Void) rethrows {
    text += "["
    var elements = Elements()
    try body(&elements)
    text += elements.text + "]"
  }

  /// An array of numbers in one of the two formats.
  mutating func numbers(_ xs: [Double], exact isExact: Bool) {
    text += "["
    for (i, x) in xs.enumerated() {
      if i > 0 { text += "," }
      if isExact { exact(x) } else { short(x) }
    }
    text += "]"
  }

  /// An array of whole numbers.
  mutating func integers(_ ns: [Int]) {
    text += "[" + ns.map(String.init).joined(separator: ",") + "]"
  }

  /// An array of strings.
  mutating func strings(_ ss: [String]) {
    text += "["
    for (i, s) in ss.enumerated() {
      if i > 0 { text += "," }
      string(s)
    }
    text += "]"
  }

  /// Writes `{`, then `members` (which calls ``key(_:)`` before each value),
  /// then `}`.
  mutating func object(_ members: (inout JSONText) throws -> Void) rethrows {
    text += "{"
    var inner = JSONText()
    try members(&inner)
    text += inner.text + "}"
  }

  /// Whether a member has been written (for the commas).
  private var hasMember = false

  /// A member's name: a comma first unless it is the first member.
  mutating func key(_ name: String) {
    if hasMember { text += "," }
    hasMember = true
    string(name)
    text += ":"
  }

  /// The elements of an array: each ``add(_:)`` writes one.
  struct Elements {
    fileprivate(set) var text = ""
    private var count = 0

    /// Writes the next element with `write` (a comma first unless it is
    /// the first).
    mutating func add(_ write: (inout JSONText) throws -> Void) rethrows {
      if count > 0 { text += "," }
      count += 1
      var element = JSONText()
      try write(&element)
      text += element.text
    }
  }
}
