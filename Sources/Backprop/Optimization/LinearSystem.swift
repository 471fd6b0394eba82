// Small dense linear systems, for Newton's method: Cholesky for symmetric
// positive-definite matrices, LU with partial pivoting for the rest.

// Both are the textbook algorithms (Golub and Van Loan, Matrix Computations,
// 4th ed., Algorithms 4.2.1 and 3.4.1), O(n³), for the small n of a Hessian.

/// Why a linear system could not be factored or solved.
///
///     do {
///       _ = try solveLinearSystem([[1, 2], [2, 4]], [1, 1])
///     } catch {
///       print(error)
///       // Prints "the matrix is singular to working precision (no usable pivot in column 1)"
///     }
public enum LinearSystemError: Error, Equatable, CustomStringConvertible {
  /// The matrix is not square, or the right-hand side does not have one
  /// entry per row.
  case sizeMismatch(what: String, expected: Int, actual: Int)
  /// NaN or ±inf in the matrix (at a row and a column) or in the
  /// right-hand side (column `nil`).
  case nonFinite(row: Int, column: Int?, value: Double)
  /// The matrix is not symmetric: entries (row, column) and (column, row)
  /// differ. Cholesky factorisation needs a symmetric matrix.
  case notSymmetric(row: Int, column: Int)
  /// Cholesky factorisation found a pivot (the part of a diagonal entry
  /// left after the columns before it) that is not safely positive: the
  /// matrix is not positive definite, to working precision.
  case notPositiveDefinite(column: Int, pivot: Double)
  /// LU factorisation found no pivot in a column larger than rounding
  /// error: the matrix is singular to working precision.
  case singular(column: Int)

  /// What went wrong and where.
  ///
  ///     print(LinearSystemError.singular(column: 2))
  ///     // Prints "the matrix is singular to working precision (no usable pivot in column 2)"
  public var description: String {
    switch self {
    case .sizeMismatch(let what, let expected, let actual):
      "size mismatch in \(what): expected \(expected), got \(actual)"
    case .nonFinite(let row, let column, let value):
      if let column {
        "matrix entry (\(row), \(column)) is \(value), not a finite number"
      } else {
        "right-hand side entry \(row) is \(value), not a finite number"
      }
    case .notSymmetric(let row, let column):
      "the matrix is not symmetric: entries (\(row), \(column)) and (\(column), \(row)) differ"
    case .notPositiveDefinite(let column, let pivot):
      "the matrix is not positive definite (Cholesky pivot \(pivot) in column \(column))"
    case .singular(let column):
      "the matrix is singular to working precision (no usable pivot in column \(column))"
    }
  }
}

/// The threshold below which a pivot counts as zero: n·ε·maxᵢⱼ|aᵢⱼ|, the
/// size of the rounding error an elimination step can leave in an entry.
func pivotTolerance(_ a: [[Double]]) -> Double {
  var largest = 0.0
  for row in a { for x in row { largest = Swift.max(largest, Swift.abs(x)) } }
  return Double(a.count) * Double.ulpOfOne * largest
}

/// Throws unless `a` is square and finite, and `b` (when given) has one
/// finite entry per row.
private func validate(_ a: [[Double]], _ b: [Double]?) throws {
  let n = a.count
  for (i, row) in a.enumerated() {
    guard row.count == n else {
      throw LinearSystemError.sizeMismatch(
        what: "row \(i) of a matrix with \(n) rows", expected: n, actual: row.count)
    }
    for (j, x) in row.enumerated() where !x.isFinite {
      throw LinearSystemError.nonFinite(row: i, column: j, value: x)
    }
  }
  if let b {
    guard b.count == n else {
      throw LinearSystemError.sizeMismatch(
        what: "the right-hand side of a system with \(n) rows", expected: n, actual: b.count)
    }
    for (i, x) in b.enumerated() where !x.isFinite {
      throw LinearSystemError.nonFinite(row: i, column: nil, value: x)
    }
  }
}

/// The Cholesky factorisation A = LLᵀ of a symmetric positive-definite
/// matrix, L lower triangular with a positive diagonal.
///
///     let a: [[Double]] = [[4, 2], [2, 3]]
///     let cholesky = try CholeskyFactorization(a)
///     print(cholesky.lower)
///     // Prints "[[2.0, 0.0], [1.0, 1.4142135623730951]]"
///     print(try cholesky.solve([2, 1]))
///     // Prints "[0.5, 0.0]"
///
/// It succeeds exactly when A is positive definite to working precision
/// (every pivot above n·ε·maxᵢⱼ|aᵢⱼ|), which makes it the test Newton's
/// method uses for a Hessian: a minimum's Hessian is positive definite.
/// Cholesky needs no pivoting to be stable on such matrices.
public struct CholeskyFactorization: Sendable, Equatable {
  /// L, as rows (zero above the diagonal).
  ///
  ///     print(try CholeskyFactorization([[4, 2], [2, 3]]).lower[1])
  ///     // Prints "[1.0, 1.4142135623730951]"
  public let lower: [[Double]]

  /// Factors `a`.
  ///
  ///     let cholesky = try CholeskyFactorization([[4, 2], [2, 3]])
  ///
  /// - Parameter a: A symmetric matrix, as rows.
  /// - Throws: ``LinearSystemError/sizeMismatch(what:expected:actual:)``,
  ///   ``LinearSystemError/nonFinite(row:column:value:)`` or
  ///   ``LinearSystemError/notSymmetric(row:column:)`` for a matrix that is
  ///   not square, finite and symmetric;
  ///   ``LinearSystemError/notPositiveDefinite(column:pivot:)`` for one
  ///   that is not positive definite.
  /// - Complexity: O(n³) for an n × n matrix.
  public init(_ a: [[Double]]) throws {
    try validate(a, nil)
    let n = a.count
    for i in 0..<n {
      for j in 0..<i where a[i][j] != a[j][i] {
        throw LinearSystemError.notSymmetric(row: i, column: j)
      }
    }
    let tolerance = pivotTolerance(a)
    var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for j in 0..<n {
      var pivot = a[j][j]
      for k in 0..<j { pivot -= l[j][k] * l[j][k] }
      guard pivot > tolerance else {
        throw LinearSystemError.notPositiveDefinite(column: j, pivot: pivot)
      }
      let d = pivot.squareRoot()
      l[j][j] = d
      for i in (j + 1)..<Swift.max(j + 1, n) {
        var s = a[i][j]
        for k in 0..<j { s -= l[i][k] * l[j][k] }
        l[i][j] = s / d
      }
    }
    lower = l
  }

  /// Solves A x = b by forward and back substitution.
  ///
  ///     let x = try cholesky.solve([2, 1])
  ///
  /// - Parameter b: The right-hand side, one entry per row.
  /// - Returns: x.
  /// - Throws: ``LinearSystemError/sizeMismatch(what:expected:actual:)`` or
  ///   ``LinearSystemError/nonFinite(row:column:value:)`` for a right-hand
  ///   side of the wrong length or with NaN or ±inf.
  /// - Complexity: O(n²).
  public func solve(_ b: [Double]) throws -> [Double] {
    try validate(lower, b)
    let n = b.count
    var y = b
    for i in 0..<n {  // L y = b
      for k in 0..<i { y[i] -= lower[i][k] * y[k] }
      y[i] /= lower[i][i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {  // Lᵀ x = y
      for k in (i + 1)..<Swift.max(i + 1, n) { y[i] -= lower[k][i] * y[k] }
      y[i] /= lower[i][i]
    }
    return y
  }
}

/// The LU factorisation PA = LU with partial pivoting: L unit lower
/// triangular, U upper triangular, P a row permutation.
///
///     let lu = try LUFactorization([[0, 1], [1, 0]])   // needs a row swap
///     print(try lu.solve([2, 3]))
///     // Prints "[3.0, 2.0]"
///
/// Each column's pivot is its largest entry on or below the diagonal, so
/// every multiplier is at most 1 in size: backward stable in practice for
/// any non-singular matrix, symmetric or not.
public struct LUFactorization: Sendable, Equatable {
  /// L below the diagonal (its unit diagonal not stored) and U on and above
  /// it, as rows.
  ///
  ///     print(try LUFactorization([[2, 1], [4, 3]]).factors)
  ///     // Prints "[[4.0, 3.0], [0.5, -0.5]]"
  public let factors: [[Double]]
  /// Row i of PA is row `permutation[i]` of A.
  ///
  ///     print(try LUFactorization([[2, 1], [4, 3]]).permutation)
  ///     // Prints "[1, 0]"
  public let permutation: [Int]

  /// Factors `a`.
  ///
  ///     let lu = try LUFactorization([[2, 1], [4, 3]])
  ///
  /// - Parameter a: A square matrix, as rows.
  /// - Throws: ``LinearSystemError/sizeMismatch(what:expected:actual:)`` or
  ///   ``LinearSystemError/nonFinite(row:column:value:)`` for a matrix that
  ///   is not square and finite; ``LinearSystemError/singular(column:)``
  ///   when a column has no pivot above n·ε·maxᵢⱼ|aᵢⱼ|.
  /// - Complexity: O(n³) for an n × n matrix.
  public init(_ a: [[Double]]) throws {
    try validate(a, nil)
    let n = a.count
    let tolerance = pivotTolerance(a)
    var m = a
    var p = Array(0..<n)
    for j in 0..<n {
      var best = j
      for i in (j + 1)..<Swift.max(j + 1, n) where Swift.abs(m[i][j]) > Swift.abs(m[best][j]) {
        best = i
      }
      guard Swift.abs(m[best][j]) > tolerance else { throw LinearSystemError.singular(column: j) }
      if best != j {
        m.swapAt(best, j)
        p.swapAt(best, j)
      }
      for i in (j + 1)..<Swift.max(j + 1, n) {
        let factor = m[i][j] / m[j][j]
        m[i][j] = factor
        for k in (j + 1)..<n { m[i][k] -= factor * m[j][k] }
      }
    }
    factors = m
    permutation = p
  }

  /// Solves A x = b.
  ///
  ///     let x = try lu.solve([1, 2])
  ///
  /// - Parameter b: The right-hand side, one entry per row.
  /// - Returns: x.
  /// - Throws: ``LinearSystemError/sizeMismatch(what:expected:actual:)`` or
  ///   ``LinearSystemError/nonFinite(row:column:value:)`` for a right-hand
  ///   side of the wrong length or with NaN or ±inf.
  /// - Complexity: O(n²).
  public func solve(_ b: [Double]) throws -> [Double] {
    try validate(factors, b)
    let n = b.count
    var y = permutation.map { b[$0] }
    for i in 0..<n {
      for k in 0..<i { y[i] -= factors[i][k] * y[k] }
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<Swift.max(i + 1, n) { y[i] -= factors[i][k] * y[k] }
      y[i] /= factors[i][i]
    }
    return y
  }
}

/// Solves the square system A x = b: by Cholesky factorisation when A is
/// symmetric positive definite, otherwise by LU factorisation with partial
/// pivoting.
///
///     let x = try solveLinearSystem([[4, 2], [2, 3]], [2, 1])
///     print(x)
///     // Prints "[0.5, 0.0]"
///
/// - Parameters:
///   - a: The matrix, as rows.
///   - b: The right-hand side, one entry per row.
/// - Returns: x.
/// - Throws: ``LinearSystemError/sizeMismatch(what:expected:actual:)`` or
///   ``LinearSystemError/nonFinite(row:column:value:)`` for a system that is
///   not square and finite; ``LinearSystemError/singular(column:)`` when A
///   is singular to working precision.
/// - Complexity: O(n³) for n unknowns.
public func solveLinearSystem(_ a: [[Double]], _ b: [Double]) throws -> [Double] {
  try validate(a, b)
  if let cholesky = try? CholeskyFactorization(a) { return try cholesky.solve(b) }
  return try LUFactorization(a).solve(b)
}
