// + - * / and prefix -, with a Value or a Double on either side, and the
// compound assignments. Each records one node; its forward formula and local
// derivatives are in the op table (`Ops/Formulas.swift`).
//
// A Double operand is stored as a constant of the node, not as a leaf, so
// `x * c` with `let c: Double` is one node. A *literal* operand, as in
// `x * 0.5`, becomes a leaf: Swift's type checker favours the operator whose
// parameter types match the other operand (Value, Value), and
// `@_disfavoredOverload` does not change that (tried). Both give the same
// values and gradients; the leaf costs one node.
//
// The Value-with-Double overloads ARE marked `@_disfavoredOverload`: without
// it, `let s = 1 + 1e-7` in a file that imports Backprop is ambiguous
// (Double + Double, or Value + Double with `1` as a Value literal), and plain
// arithmetic must never depend on whether Backprop is imported. With a Double
// variable on one side they are still the only candidates, so `x * c` is one
// node.

extension Value {
  /// The sum of two values.
  ///
  ///     let c = a + b  // ∂c/∂a = 1, ∂c/∂b = 1
  @inlinable @inline(__always)
  public static func + (lhs: Value, rhs: Value) -> Value {
    record(.add, lhs, rhs)
  }

  /// The difference of two values.
  ///
  ///     let c = a - b  // ∂c/∂a = 1, ∂c/∂b = −1
  @inlinable @inline(__always)
  public static func - (lhs: Value, rhs: Value) -> Value {
    record(.subtract, lhs, rhs)
  }

  /// The product of two values.
  ///
  ///     let c = a * b  // ∂c/∂a = b, ∂c/∂b = a
  @inlinable @inline(__always)
  public static func * (lhs: Value, rhs: Value) -> Value {
    record(.multiply, lhs, rhs)
  }

  /// The quotient of two values. Division by zero gives ±inf or NaN, as IEEE
  /// arithmetic does; it does not trap.
  ///
  ///     let c = a / b  // ∂c/∂a = 1/b, ∂c/∂b = −a/b²
  @inlinable @inline(__always)
  public static func / (lhs: Value, rhs: Value) -> Value {
    record(.divide, lhs, rhs)
  }

  /// The negation of a value.
  ///
  ///     let c = -a  // ∂c/∂a = −1
  @inlinable @inline(__always)
  public static prefix func - (operand: Value) -> Value {
    operand.record(.negate)
  }

  /// Records a node of op `code` with constant `c` on this value, its
  /// value from the op table's forward formula.
  @inlinable @inline(__always)
  func record(_ code: OpCode, constant c: Double) -> Value {
    let s = storage
    let x = s.data[node]
    let k = s.appendConstant(c)
    return s.record(code, index, k, code.forward(x, c))
  }

  /// Records a node of binary op `code` on `a` and `b`, its value from the
  /// op table's forward formula.
  @inlinable @inline(__always)
  static func record(_ code: OpCode, _ a: Value, _ b: Value) -> Value {
    let s = Value.storage(a, b)
    return s.record(code, a.index, b.index, code.forward(s.data[Int(a.index)], s.data[Int(b.index)]))
  }

  // MARK: With a Double

  /// `x + c`; `∂/∂x = 1`.
  ///
  ///     let c = 0.5
  ///     let y = x + c  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func + (lhs: Value, rhs: Double) -> Value {
    lhs.record(.addConstant, constant: rhs)
  }

  /// `c + x`; `∂/∂x = 1`.
  ///
  ///     let c = 0.5
  ///     let y = c + x  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func + (lhs: Double, rhs: Value) -> Value {
    rhs.record(.addConstant, constant: lhs)
  }

  /// `x - c`, recorded as `x + (−c)`, which IEEE arithmetic makes identical;
  /// `∂/∂x = 1`.
  ///
  ///     let c = 0.5
  ///     let y = x - c  // one node, with −c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func - (lhs: Value, rhs: Double) -> Value {
    lhs.record(.addConstant, constant: -rhs)
  }

  /// `c - x`; `∂/∂x = −1`.
  ///
  ///     let c = 1.0
  ///     let y = c - x  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func - (lhs: Double, rhs: Value) -> Value {
    rhs.record(.constantMinus, constant: lhs)
  }

  /// `x * c`; `∂/∂x = c`.
  ///
  ///     let c = 0.5
  ///     let y = x * c  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func * (lhs: Value, rhs: Double) -> Value {
    lhs.record(.multiplyConstant, constant: rhs)
  }

  /// `c * x`; `∂/∂x = c`.
  ///
  ///     let c = 0.5
  ///     let y = c * x  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func * (lhs: Double, rhs: Value) -> Value {
    rhs.record(.multiplyConstant, constant: lhs)
  }

  /// `x / c`; `∂/∂x = 1/c`.
  ///
  ///     let c = 4.0
  ///     let y = x / c  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func / (lhs: Value, rhs: Double) -> Value {
    lhs.record(.divideConstant, constant: rhs)
  }

  /// `c / x`; `∂/∂x = −c/x²`.
  ///
  ///     let c = 1.0
  ///     let y = c / x  // one node, with c as a constant
  @inlinable @inline(__always) @_disfavoredOverload
  public static func / (lhs: Double, rhs: Value) -> Value {
    rhs.record(.constantDivide, constant: lhs)
  }

  // MARK: Compound assignment

  // The Value-with-Value forms are disfavoured so that `y *= 2` is not
  // ambiguous: a literal right-hand side is taken as a Double constant.

  /// `lhs = lhs + rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var total = Value(0.0)
  ///     for x in [Value(1.0), Value(2.0)] { total += x }
  @inlinable @_disfavoredOverload
  public static func += (lhs: inout Value, rhs: Value) { lhs = lhs + rhs }
  /// `lhs = lhs - rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var y = Value(5.0)
  ///     y -= x  // y is now the node 5 − x
  @inlinable @_disfavoredOverload
  public static func -= (lhs: inout Value, rhs: Value) { lhs = lhs - rhs }
  /// `lhs = lhs * rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var product = Value(1.0)
  ///     for x in [Value(2.0), Value(3.0)] { product *= x }
  @inlinable @_disfavoredOverload
  public static func *= (lhs: inout Value, rhs: Value) { lhs = lhs * rhs }
  /// `lhs = lhs / rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var y = Value(6.0)
  ///     y /= x  // y is now the node 6 / x
  @inlinable @_disfavoredOverload
  public static func /= (lhs: inout Value, rhs: Value) { lhs = lhs / rhs }
  /// `lhs = lhs + rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var y = Value(2.0)
  ///     y += 1  // a literal is taken as a Double constant
  @inlinable public static func += (lhs: inout Value, rhs: Double) { lhs = lhs + rhs }
  /// `lhs = lhs - rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var y = Value(2.0)
  ///     y -= 1  // a literal is taken as a Double constant
  @inlinable public static func -= (lhs: inout Value, rhs: Double) { lhs = lhs - rhs }
  /// `lhs = lhs * rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var y = Value(2.0)
  ///     y *= 3  // a literal is taken as a Double constant
  @inlinable public static func *= (lhs: inout Value, rhs: Double) { lhs = lhs * rhs }
  /// `lhs = lhs / rhs`: records a node and rebinds `lhs` to it.
  ///
  ///     var y = Value(2.0)
  ///     y /= 4  // a literal is taken as a Double constant
  @inlinable public static func /= (lhs: inout Value, rhs: Double) { lhs = lhs / rhs }
}
