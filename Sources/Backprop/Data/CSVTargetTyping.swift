// Whether a CSV file's target column holds classes or regression targets: the
// rule, the reason given for each choice, and classes encoded as 0…K−1.

/// What to read a CSV file's target column as.
///
///     let data = try Dataset.loadCSV(from: "diabetes.csv", target: .last, task: .regression)
///
/// ``automatic``'s rule:
///
/// - **Names**: if any target is not a number, every distinct target text
///   is a class, indexed 0, 1, … in order of first appearance, and
///   ``Dataset/classNames`` lists them.
/// - **Labels**: numbers are classes when they look like labels: whole
///   numbers, the smallest 0 or 1, at most
///   ``TargetTyping/maximumClassCount`` (50) distinct values, covering more
///   than half of smallest…largest (so 0…K−1 or 1…K, a few missing at most:
///   0, 1, 3 are classes, 1 and 4 are not). Labels from 0 are the class
///   indices as they are (``Dataset/classNames`` is `nil`); labels from 1
///   become indices 0…K−1 (value − 1) and ``Dataset/classNames`` is
///   `["1", "2", …, "K"]`, so a prediction of class i prints as the file's
///   label `classNames[i]`.
/// - **Regression** otherwise: the numbers as they are. Whole numbers that
///   measure something (25…346, prices up to 55,320) are regression
///   targets, as are negative labels and labels that start at 3.
public enum TargetTask: Sendable, Equatable {
  /// Classes for names and for numbers that look like labels, regression
  /// targets otherwise (the rule above).
  case automatic
  /// Classes, whatever the numbers: each distinct value is a class. Labels
  /// from 0 or 1 are read as by ``automatic``, other numbers as indices in
  /// increasing order of value, with their text as ``Dataset/classNames``
  /// (3, 4, 5 → 0, 1, 2 named "3", "4", "5").
  case classification
  /// Numbers to predict, as they are; a name in the column is an error.
  case regression
}

/// How a CSV file's target column was read, and why: a value callers can
/// show (``Dataset/targetTyping``).
///
///     let data = try Dataset.parseCSV("x,y\n1,0\n2,1\n3,2\n", target: .last)
///     print(data.targetTyping?.reason ?? "")
///     // Prints "target 'y': classes — 3 distinct whole numbers from 0 to 2, used as class indices 0…2"
public struct TargetTyping: Sendable, Equatable, CustomStringConvertible {
  /// Classes or regression targets.
  public enum Kind: Sendable, Equatable {
    /// Class indices 0…K−1 (with ``Dataset/classNames`` for names and for
    /// numbers that did not start at 0).
    case classification
    /// Numbers to predict, as they were in the file.
    case regression
  }

  /// What the column was read as.
  public let kind: Kind
  /// The column: `'name'` from the header, or `column 3` (counted from 1).
  public let column: String
  /// Whether the caller chose the kind (``TargetTask/classification`` or
  /// ``TargetTask/regression``) rather than the rule.
  public let wasAsked: Bool
  /// One line: the column, the choice and what it rests on, such as
  /// `target 'progression': regression — 214 distinct whole numbers from 25
  /// to 346; classes need …`.
  public let reason: String

  /// The most distinct numbers the automatic rule reads as classes.
  public static let maximumClassCount = 50

  /// What the rule asks of numbers read as classes, as the reasons say it.
  static let rule =
    "classes need whole numbers starting at 0 or 1, at most \(maximumClassCount) distinct, "
    + "covering more than half of smallest…largest"

  /// The ``reason``.
  public var description: String { reason }

  init(kind: Kind, column: String, wasAsked: Bool, detail: String) {
    self.kind = kind
    self.column = column
    self.wasAsked = wasAsked
    let what = kind == .classification ? "classes" : "regression"
    reason = "target \(column): \(what)\(wasAsked ? " (asked for)" : "") — \(detail)"
  }
}

/// Numeric targets typed and encoded.
struct TypedTargets {
  var typing: TargetTyping
  var targets: [[Double]]
  var classNames: [String]?

  /// Class names `names` in order of first appearance, `indices` one per
  /// row.
  static func names(
    _ names: [String], indices: [Double], column: String, task: TargetTask
  ) -> TypedTargets {
    let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
    let detail = "\(names.count) \(names.count == 1 ? "name" : "names") (\(shown))"
    let typing = TargetTyping(
      kind: .classification, column: column, wasAsked: task == .classification, detail: detail)
    return TypedTargets(
      typing: typing, targets: shared(indices, classCount: names.count), classNames: names)
  }

  /// Numbers, typed by the rule or by `task`.
  static func numbers(_ values: [Double], column: String, task: TargetTask) -> TypedTargets {
    var distinct = values.sorted()
    var kept = 0
    for x in distinct where kept == 0 || x != distinct[kept - 1] {
      distinct[kept] = x
      kept += 1
    }
    distinct.removeLast(distinct.count - kept)
    let k = distinct.count
    let smallest = distinct.first ?? 0
    let largest = distinct.last ?? 0
    let whole = distinct.allSatisfy { $0.rounded() == $0 && abs($0) < 0x1p53 }
    // Whole numbers from 0 or 1 with fewer than half of smallest…largest missing.
    let indexLike = whole && (smallest == 0 || smallest == 1) && 2 * k > Int(largest - smallest) + 1
    let labelLike = indexLike && k <= TargetTyping.maximumClassCount

    var stats: String
    if k == 1 {
      stats = "a single value, \(format(smallest))"
    } else {
      stats = "\(k) distinct \(whole ? "whole numbers" : "numbers") from \(format(smallest)) to \(format(largest))"
      if !whole && distinct.contains(where: { $0.rounded() == $0 }) { stats += ", not all whole" }
    }

    let classes = task == .classification || (task == .automatic && labelLike)
    guard classes else {
      let detail = task == .regression ? stats : "\(stats); \(TargetTyping.rule)"
      return TypedTargets(
        typing: TargetTyping(
          kind: .regression, column: column, wasAsked: task == .regression, detail: detail),
        targets: values.map { [$0] }, classNames: nil)
    }
    let asked = task == .classification
    if indexLike && smallest == 0 {
      let top = Int(largest)
      let detail = "\(stats), used as class indices 0…\(top)"
      return TypedTargets(
        typing: TargetTyping(kind: .classification, column: column, wasAsked: asked, detail: detail),
        targets: shared(values, classCount: top + 1), classNames: nil)
    }
    if indexLike {
      // 1…K: class index = value − 1, named by the value.
      let top = Int(largest)
      let names = (1...top).map(String.init)
      let detail =
        "\(stats), read as class indices 0…\(top - 1) (value − 1; class names \(quoted(names)))"
      return TypedTargets(
        typing: TargetTyping(kind: .classification, column: column, wasAsked: asked, detail: detail),
        targets: shared(values.map { $0 - 1 }, classCount: top), classNames: names)
    }
    // Any other numbers: class i is the i-th smallest value.
    let names = distinct.map(format)
    let indices = values.map { x -> Double in
      var low = 0
      var high = distinct.count - 1
      while low < high {
        let mid = (low + high) / 2
        if distinct[mid] < x { low = mid + 1 } else { high = mid }
      }
      return Double(low)
    }
    let detail =
      "\(stats), read as class indices 0…\(k - 1) in increasing order (class names \(quoted(names)))"
    return TypedTargets(
      typing: TargetTyping(kind: .classification, column: column, wasAsked: asked, detail: detail),
      targets: shared(indices, classCount: k), classNames: names)
  }

  /// One target vector per row, the rows of one class sharing one array.
  static func shared(_ indices: [Double], classCount: Int) -> [[Double]] {
    let vectors = (0..<classCount).map { [Double($0)] }
    return indices.map { vectors[Int($0)] }
  }

  /// A whole number without a decimal point; others as Swift prints them.
  static func format(_ x: Double) -> String {
    x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
  }

  /// `"1", "2", "3"`, or `"1"…"60"` for more than five.
  static func quoted(_ names: [String]) -> String {
    guard names.count > 5, let first = names.first, let last = names.last else {
      return names.map { "\"\($0)\"" }.joined(separator: ", ")
    }
    return "\"\(first)\"…\"\(last)\""
  }
}
