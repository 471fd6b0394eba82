// Why a step of Newton's method was refused, with the message that says
// what to do about it.

/// Why a ``Newton`` step was refused. The parameters are unchanged.
///
/// ``Newton/Strategy/pure`` and ``Newton/Strategy/backtracking(_:)`` throw
/// ``indefiniteHessian`` where H has a negative eigenvalue (a saddle or a
/// maximum is near, and d need not go downhill) and ``singularHessian``
/// where H is singular to working precision (d is undefined or huge); every
/// strategy throws for a non-finite f, g or H at the current point and
/// ``noAcceptableStep(evaluations:)`` when no trial point is acceptable.
///
///     do {
///       try newton.step { (w[0] * w[1]) }   // a saddle: H = [[0, 1], [1, 0]]
///     } catch {
///       print(error)  // the Hessian is indefinite: it has a negative eigenvalue, …
///     }
public enum NewtonError: Error, Equatable, CustomStringConvertible {
  /// f is NaN or ±inf at the current point.
  case nonFiniteObjective(value: Double)
  /// An entry of the gradient is NaN or ±inf at the current point.
  case nonFiniteGradient(index: Int, value: Double)
  /// An entry of the Hessian is NaN or ±inf at the current point.
  case nonFiniteHessian(row: Int, column: Int, value: Double)
  /// The Hessian is singular to working precision: the Newton step is
  /// undefined (or would be huge).
  case singularHessian
  /// The Hessian has a negative eigenvalue (it is indefinite, or negative
  /// definite): the point is not near a minimum, and the Newton step need
  /// not go downhill.
  case indefiniteHessian
  /// No trial point was acceptable: f was not finite there (pure), or did
  /// not decrease enough (backtracking, Levenberg–Marquardt), at each of
  /// `evaluations` trial points. Also where f is too large for the decrease
  /// to be represented: f = 10³⁰ + (x − 1)² cannot be lowered by a step of
  /// a unit.
  case noAcceptableStep(evaluations: Int)

  /// What went wrong, and what to do about it.
  ///
  ///     print(NewtonError.noAcceptableStep(evaluations: 3))
  ///     // Prints "no acceptable step after 3 trial points; the parameters were not changed"
  public var description: String {
    switch self {
    case .nonFiniteObjective(let value):
      "the objective is \(value) at the current point; the parameters were not changed"
    case .nonFiniteGradient(let index, let value):
      "gradient entry \(index) is \(value), not a finite number; the parameters were not changed"
    case .nonFiniteHessian(let row, let column, let value):
      "Hessian entry (\(row), \(column)) is \(value), not a finite number; the parameters were not changed"
    case .singularHessian:
      "the Hessian is singular to working precision, so the Newton step is undefined; the parameters were not changed (use .levenbergMarquardt damping)"
    case .indefiniteHessian:
      "the Hessian is indefinite: it has a negative eigenvalue, so the point is not near a minimum and the Newton step need not go downhill; the parameters were not changed (use .levenbergMarquardt damping)"
    case .noAcceptableStep(let evaluations):
      "no acceptable step after \(evaluations) trial points; the parameters were not changed"
    }
  }
}
