import Backprop
import Testing

// The small dense solvers behind Newton's method: Cholesky and LU with
// partial pivoting, on known systems, random ones (residuals and the
// factorisations themselves), singular and indefinite ones, and bad input.

private func multiply(_ a: [[Double]], _ x: [Double]) -> [Double] {
  a.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
}

/// max |Ax − b| / (max|A|·max|x| + max|b|): the relative residual.
private func residual(_ a: [[Double]], _ x: [Double], _ b: [Double]) -> Double {
  let r = zip(multiply(a, x), b).map { Swift.abs($0 - $1) }.max() ?? 0
  let scaleA = a.flatMap { $0 }.map(Swift.abs).max() ?? 0
  let scaleX = x.map(Swift.abs).max() ?? 0
  let scaleB = b.map(Swift.abs).max() ?? 0
  let scale = scaleA * scaleX + scaleB
  return scale == 0 ? 0 : r / scale
}

private func expectThrows(
  _ expected: LinearSystemError, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as LinearSystemError {
    #expect(error == expected, sourceLocation: sourceLocation)
  } catch {
    Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
  }
}

@Suite("Linear systems: Cholesky, LU with partial pivoting")
struct LinearSystemTests {
  static func random(_ n: Int, _ rng: inout SeededGenerator) -> [[Double]] {
    (0..<n).map { _ in (0..<n).map { _ in rng.nextUniform(in: -1, 1) } }
  }

  /// BᵀB + I: symmetric positive definite.
  static func randomSPD(_ n: Int, _ rng: inout SeededGenerator) -> [[Double]] {
    let b = random(n, &rng)
    return (0..<n).map { i in
      (0..<n).map { j in (0..<n).reduce(i == j ? 1.0 : 0.0) { $0 + b[$1][i] * b[$1][j] } }
    }
  }

  @Test("known systems, solved exactly")
  func knownSystems() throws {
    // 2x + y = 3, x + 3y = 5 → (0.8, 1.4); SPD, so Cholesky.
    let x = try solveLinearSystem([[2, 1], [1, 3]], [3, 5])
    #expect(Swift.abs(x[0] - 0.8) < 1e-15 && Swift.abs(x[1] - 1.4) < 1e-15)
    // A row swap is needed: the first pivot is 0.
    #expect(try LUFactorization([[0, 2], [3, 1]]).solve([4, 5]) == [1, 2])
    // Upper triangular, integer solution.
    #expect(try solveLinearSystem([[1, 2, 3], [0, 1, 4], [0, 0, 1]], [14, 14, 3]) == [1, 2, 3])
    #expect(try CholeskyFactorization([[4, 2], [2, 3]]).lower == [[2, 0], [1, 2.0.squareRoot()]])
    #expect(try solveLinearSystem([], []) == [])
    // Tiny but well-conditioned: the tolerance scales with the matrix…
    #expect(try solveLinearSystem([[0x1p-600, 0], [0, 0x1p-602]], [0x1p-599, 0x1p-602]) == [2, 1])
    // …so a pivot below n·ε times the largest entry is zero, however the
    // matrix is scaled (a condition number above about 10¹⁶).
    expectThrows(.singular(column: 1)) { _ = try solveLinearSystem([[1, 0], [0, 1e-17]], [1, 1]) }
  }

  @Test("random SPD systems: LLᵀ = A and a tiny residual", arguments: [1, 2, 3, 5, 8])
  func choleskyOnRandomSystems(n: Int) throws {
    var rng = SeededGenerator(seed: UInt64(10 + n))
    let a = Self.randomSPD(n, &rng)
    let cholesky = try CholeskyFactorization(a)
    let l = cholesky.lower
    for i in 0..<n {
      for j in 0..<n {
        let llt = (0..<n).reduce(0.0) { $0 + l[i][$1] * l[j][$1] }
        #expect(Swift.abs(llt - a[i][j]) <= 1e-14 * Swift.max(1, Swift.abs(a[i][j])))
        if j > i { #expect(l[i][j] == 0) }
      }
      #expect(l[i][i] > 0)
    }
    let b = (0..<n).map { _ in rng.nextUniform(in: -5, 5) }
    #expect(residual(a, try cholesky.solve(b), b) < 1e-15)
    #expect(residual(a, try solveLinearSystem(a, b), b) < 1e-15)
  }

  @Test("random general systems: PA = LU and a tiny residual", arguments: [1, 2, 3, 5, 8])
  func luOnRandomSystems(n: Int) throws {
    var rng = SeededGenerator(seed: UInt64(20 + n))
    let a = Self.random(n, &rng)
    let lu = try LUFactorization(a)
    let f = lu.factors
    for i in 0..<n {
      for j in 0..<n {
        // (LU)ᵢⱼ = Σₖ Lᵢₖ Uₖⱼ with L's unit diagonal.
        var s = 0.0
        for k in 0...Swift.min(i, j) { s += (k == i ? 1 : f[i][k]) * f[k][j] }
        #expect(Swift.abs(s - a[lu.permutation[i]][j]) <= 1e-14)
        if j < i { #expect(Swift.abs(f[i][j]) <= 1) }  // partial pivoting bounds the multipliers
      }
    }
    #expect(lu.permutation.sorted() == Array(0..<n))
    let b = (0..<n).map { _ in rng.nextUniform(in: -5, 5) }
    #expect(residual(a, try lu.solve(b), b) < 1e-14)
    #expect(residual(a, try solveLinearSystem(a, b), b) < 1e-14)
  }

  @Test("singular matrices: Cholesky and LU both refuse, naming the column")
  func singular() {
    expectThrows(.singular(column: 1)) { _ = try LUFactorization([[1, 2], [2, 4]]) }
    expectThrows(.notPositiveDefinite(column: 1, pivot: 0)) {
      _ = try CholeskyFactorization([[1, 2], [2, 4]])
    }
    expectThrows(.singular(column: 1)) { _ = try solveLinearSystem([[1, 2], [2, 4]], [1, 1]) }
    expectThrows(.singular(column: 0)) { _ = try solveLinearSystem([[0, 0], [0, 0]], [1, 1]) }
    // Rank 2 of 3, with rounding: the third pivot is rounding error, below
    // n·ε·max|aᵢⱼ|.
    let rank2: [[Double]] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    expectThrows(.singular(column: 2)) { _ = try LUFactorization(rank2) }
  }

  @Test("an indefinite matrix: Cholesky refuses with a negative pivot, LU solves it")
  func indefinite() throws {
    let a: [[Double]] = [[1, 2], [2, 1]]  // eigenvalues 3 and −1
    expectThrows(.notPositiveDefinite(column: 1, pivot: -3)) { _ = try CholeskyFactorization(a) }
    let x = try solveLinearSystem(a, [3, 3])
    #expect(x == [1, 1])
    expectThrows(.notPositiveDefinite(column: 0, pivot: 0)) {
      _ = try CholeskyFactorization([[0, 1], [1, 0]])
    }
    #expect(try solveLinearSystem([[0, 1], [1, 0]], [2, 3]) == [3, 2])
  }

  @Test("bad input: typed errors naming the entry")
  func badInput() {
    expectThrows(.sizeMismatch(what: "row 1 of a matrix with 2 rows", expected: 2, actual: 1)) {
      _ = try solveLinearSystem([[1, 2], [3]], [1, 2])
    }
    expectThrows(.sizeMismatch(what: "the right-hand side of a system with 2 rows", expected: 2, actual: 3)) {
      _ = try solveLinearSystem([[1, 0], [0, 1]], [1, 2, 3])
    }
    expectThrows(.nonFinite(row: 1, column: 0, value: .infinity)) {
      _ = try LUFactorization([[1, 0], [.infinity, 1]])
    }
    expectThrows(.nonFinite(row: 0, column: nil, value: -.infinity)) {
      _ = try CholeskyFactorization([[1, 0], [0, 1]]).solve([-.infinity, 0])
    }
    expectThrows(.notSymmetric(row: 1, column: 0)) {
      _ = try CholeskyFactorization([[2, 1], [0, 2]])
    }
    do {
      _ = try solveLinearSystem([[.nan]], [1])
      Issue.record("NaN accepted")
    } catch let error as LinearSystemError {
      guard case .nonFinite(0, 0, let value) = error, value.isNaN else {
        Issue.record("\(error)")
        return
      }
    } catch {
      Issue.record("\(error)")
    }
    #expect(
      LinearSystemError.singular(column: 1).description
        == "the matrix is singular to working precision (no usable pivot in column 1)")
  }
}
