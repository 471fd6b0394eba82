// The data and gradients of a fixed list of parameters, as two plain buffers,
// for the loops that touch every parameter at every step: optimiser updates,
// zeroing, gradient norms, the reduction of parallel training.

/// A fixed list of leaves whose data and gradients are read and written as
/// buffers.
///
/// The parameters of a model made in one go (an ``MLP``, a ``Layer``) are
/// consecutive leaves of one tape, so their data and gradients are
/// consecutive entries of the tape's columns: then ``withBuffers(_:)`` hands
/// out pointers into the columns themselves, and an update is one tight loop
/// with no per-parameter handle check. Checking the whole block costs O(1):
/// a scope or reset only ever releases a suffix of the tape, so if the last
/// parameter is still the node it was, so is every one before it. Any other
/// list is gathered into buffers and written back, with the checks of
/// ``Value/data`` and ``Value/grad``; the results are the same either way.
struct ParameterBlock {
  /// The parameters, in order.
  let parameters: [Value]
  /// For consecutive leaves of one tape: the storage, the first index and
  /// the last parameter (whose liveness vouches for the rest).
  private let span: (storage: UnsafeMutablePointer<TapeStorage>, first: Int, last: Value)?

  /// Makes a block of `parameters`, finding out once whether they are
  /// consecutive leaves of one tape.
  init(_ parameters: [Value]) {
    self.parameters = parameters
    span = Self.consecutiveSpan(parameters)
  }

  private static func consecutiveSpan(
    _ parameters: [Value]
  ) -> (storage: UnsafeMutablePointer<TapeStorage>, first: Int, last: Value)? {
    guard let first = parameters.first, let last = parameters.last, first.isValid else {
      return nil
    }
    let s = first.storage
    for (k, p) in parameters.enumerated() {
      guard p.storage == s, p.isValid, Int(p.index) == Int(first.index) + k,
        s.op[Int(p.index)] == .leaf
      else { return nil }
    }
    return (s, Int(first.index), last)
  }

  /// The number of parameters.
  var count: Int { parameters.count }

  /// Whether the parameters are consecutive leaves of one tape (the fast
  /// path).
  var isContiguous: Bool { span != nil }

  /// Runs `body` with the parameters' data and gradients as buffers of
  /// ``count`` entries, in parameter order; what `body` writes to either is
  /// what the parameters hold afterwards.
  ///
  /// - Precondition: Every parameter is still valid (its scope has not
  ///   ended), and each is a leaf.
  func withBuffers<R>(
    writingData: Bool = true,
    _ body: (_ data: UnsafeMutableBufferPointer<Double>, _ grad: UnsafeMutableBufferPointer<Double>)
      throws -> R
  ) rethrows -> R {
    if let span {
      let s = span.storage
      if _slowPath(!span.last.isValid) { Value.staleFailure(span.last) }
      // A read of every parameter, for a Recording's guard (see `reads`).
      s.pointee.reads &+= 1
      if writingData { s.pointee.noteDataWrite(upTo: span.first + parameters.count - 1) }
      return try body(
        UnsafeMutableBufferPointer(start: s.data + span.first, count: parameters.count),
        UnsafeMutableBufferPointer(start: s.grad + span.first, count: parameters.count))
    }
    var data = parameters.map(\.data)
    var grad = parameters.map(\.grad)
    let result = try data.withUnsafeMutableBufferPointer { d in
      try grad.withUnsafeMutableBufferPointer { g in try body(d, g) }
    }
    for (k, p) in parameters.enumerated() {
      if writingData { p.data = data[k] }
      p.grad = grad[k]
    }
    return result
  }

  /// Sets every parameter's gradient to zero.
  func zeroGrad() {
    withBuffers(writingData: false) { _, grad in grad.update(repeating: 0) }
  }
}
