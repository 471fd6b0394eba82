// Sums, dot products, log-sum-exp, maxima and softmax over arrays of values.
// A sum, a dot product, a log-sum-exp and a maximum each record ONE node
// however many operands they have (the operand indices go to the tape's
// operand table), so a neuron's weighted sum is one node, and the backward
// sweep runs a tight loop over it.

extension Value {
  /// Writes the indices of `values` to `out`, `step` entries apart, and
  /// returns whether every one is a live handle of `s`. One branch-free pass:
  /// the checks are a few compares per operand, OR-ed together, not a call
  /// or a branch.
  @inlinable @inline(__always)
  static func gather(
    _ values: [Value], of s: UnsafeMutablePointer<TapeStorage>,
    into out: UnsafeMutablePointer<UInt32>, step: Int
  ) -> Bool {
    let count = s.pointee.count
    guard count > 0, s.isOnOwnerThread else { return values.isEmpty }
    let stamps = s.pointee.stamp
    let last = UInt32(truncatingIfNeeded: count - 1)
    var mismatch: UInt32 = 0
    values.withUnsafeBufferPointer { buffer in
      for k in 0..<buffer.count {
        let v = buffer[k]
        // A stale index is clamped so that the stamp load stays in bounds;
        // its own compare then reports it.
        let clamped = Swift.min(v.index, last)
        mismatch |=
          (stamps[Int(clamped)] ^ v.stamp) | (v.index > last ? 1 : 0) | (v.storage == s ? 0 : 1)
        out[k * step] = v.index
      }
    }
    return mismatch == 0
  }

  /// Stops the program with the right message for operands that failed
  /// ``gather(_:of:into:step:)``.
  @usableFromInline @inline(never)
  static func operandFailure(_ arrays: [[Value]]) -> Never {
    let all = arrays.flatMap { $0 }
    if let first = all.first {
      for v in all where !v.storage.isLive(v.index, v.stamp) { staleFailure(v) }
      for v in all where v.storage != first.storage { mixFailure(first, v) }
    }
    fatalError("Backprop: invalid operands")
  }

  /// The sum of `values`, recorded as one node; 0 for an empty array.
  ///
  ///     let total = Value.sum([a, b, c])  // ∂total/∂a = 1, …
  ///
  /// The sum is taken left to right, as a loop of `+` would.
  ///
  /// - Parameter values: The terms, all of one tape.
  /// - Returns: `Σ xᵢ`.
  /// - Complexity: O(n) time, one node and n operand entries.
  @inlinable
  public static func sum(_ values: [Value]) -> Value {
    let s = values.first?.storage ?? Tape.currentStorage
    let n = values.count
    let start = s.reserveOperands(n)
    let operands = s.operands + start
    // One pass: check, write the index, and add the value, left to right as
    // `NaryForward.sum` does (fused, because a second pass over the operands
    // cost 15 % on the fan-in benchmark). The value is read at the clamped
    // index, so in bounds even for a stale handle, which then stops the
    // program before the total is used.
    let count = s.pointee.count
    guard count > 0, s.isOnOwnerThread else {
      if n > 0 { operandFailure([values]) }
      return s.record(.sum, UInt32(truncatingIfNeeded: start), 0, 0)
    }
    let stamps = s.pointee.stamp
    let data = s.data
    let last = UInt32(truncatingIfNeeded: count - 1)
    var mismatch: UInt32 = 0
    var total = 0.0
    values.withUnsafeBufferPointer { buffer in
      for k in 0..<n {
        let v = buffer[k]
        let clamped = Swift.min(v.index, last)
        mismatch |=
          (stamps[Int(clamped)] ^ v.stamp) | (v.index > last ? 1 : 0) | (v.storage == s ? 0 : 1)
        operands[k] = v.index
        total += data[Int(clamped)]
      }
    }
    guard mismatch == 0 else { operandFailure([values]) }
    return s.record(.sum, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
  }

  /// The dot product `Σ aᵢbᵢ` of two arrays of values, recorded as one node.
  ///
  ///     let z = Value.dot(weights, inputs)  // ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ
  ///
  /// - Parameters:
  ///   - a: The first vector.
  ///   - b: The second vector, of the same length and tape.
  /// - Returns: `Σ aᵢbᵢ`, summed left to right; 0 for empty vectors.
  /// - Precondition: `a.count == b.count`.
  /// - Complexity: O(n) time, one node and 2n operand entries.
  ///
  /// A literal second argument (`Value.dot(w, [1, 2])`) picks
  /// ``dot(_:_:)-(_,[Double])``, which records no leaves for the constants.
  @inlinable @_disfavoredOverload
  public static func dot(_ a: [Value], _ b: [Value]) -> Value {
    require(
      a.count == b.count,
      "Backprop: dot product of vectors of lengths \(a.count) and \(b.count)")
    let s = a.first?.storage ?? Tape.currentStorage
    let n = a.count
    let start = s.reserveOperands(2 * n)
    let operands = s.operands + start
    guard gather(a, of: s, into: operands, step: 2), gather(b, of: s, into: operands + 1, step: 2)
    else { operandFailure([a, b]) }
    let total = NaryForward.dot(operands, count: n, data: s.data)
    return s.record(.dot, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
  }

  /// The dot product `Σ aᵢcᵢ` of values with constants, recorded as one node.
  ///
  ///     let z = Value.dot(weights, [2.0, 4.0, 3.0])  // ∂z/∂wᵢ = cᵢ
  ///
  /// - Parameters:
  ///   - a: The values.
  ///   - c: The constants, as many as `a`.
  /// - Returns: `Σ aᵢcᵢ`, summed left to right; 0 for empty vectors.
  /// - Precondition: `a.count == c.count`.
  /// - Complexity: O(n) time, one node, n + 1 operand entries and n constants.
  @inlinable
  public static func dot(_ a: [Value], _ c: [Double]) -> Value {
    require(
      a.count == c.count,
      "Backprop: dot product of vectors of lengths \(a.count) and \(c.count)")
    let s = a.first?.storage ?? Tape.currentStorage
    let n = a.count
    let start = s.reserveOperands(n + 1)
    let operands = s.operands + start
    guard gather(a, of: s, into: operands + 1, step: 1) else { operandFailure([a]) }
    c.withUnsafeBufferPointer { c in
      operands[0] = UInt32(truncatingIfNeeded: s.appendConstants(c))
    }
    let total = NaryForward.dot(
      operands + 1, s.pointee.constants + Int(operands[0]), count: n, data: s.data)
    return s.record(
      .dotConstant, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
  }

  /// `log Σ exp xᵢ`, recorded as one node and computed with the maximum
  /// subtracted, so it is exact for logits of any magnitude.
  ///
  ///     let lse = Value.logSumExp([a, b])  // ∂lse/∂xᵢ = softmax(x)ᵢ
  ///
  /// If the largest `xᵢ` is +inf the result is +inf and the gradient is
  /// shared evenly by the +inf entries; if every `xᵢ` is −inf the result is
  /// −inf and the gradient is shared evenly (the limit of equal logits); NaN
  /// anywhere gives NaN. An empty array gives −inf.
  ///
  /// - Parameter values: The logits.
  /// - Returns: `log Σ exp xᵢ`.
  /// - Complexity: O(n) time, one node and n operand entries.
  @inlinable
  public static func logSumExp(_ values: [Value]) -> Value {
    recordList(.logSumExp, values, on: values.first?.storage ?? Tape.currentStorage) {
      NaryForward.logSumExp($0, count: $1, data: $2)
    }
  }

  /// The largest of `values`, recorded as one node, with PyTorch's
  /// max-pooling conventions.
  ///
  ///     let x = [Value(1.0), Value(3.0), Value(3.0)]
  ///     let m = Value.maximum(of: x)
  ///     m.backward()
  ///     print(m.data, x.map(\.grad))
  ///     // Prints "3.0 [0.0, 1.0, 0.0]"
  ///
  /// The whole gradient goes to the first maximal value (a tie is not
  /// split, unlike ``maximum(_:_:)``); NaN anywhere gives NaN, and the
  /// gradient goes to the first NaN. Which value wins is decided from the
  /// data each time the node is computed or differentiated, so a
  /// ``Recording`` replayed with new data sends the gradient to the new
  /// winner. The derivative is piecewise constant: second derivatives
  /// through it are 0.
  ///
  /// - Parameter values: The candidates, all of one tape.
  /// - Returns: `max xᵢ`.
  /// - Precondition: `values` is not empty.
  /// - Complexity: O(n) time, one node and n operand entries.
  @inlinable
  public static func maximum(of values: [Value]) -> Value {
    require(
      !values.isEmpty,
      "Backprop: Value.maximum(of:) needs at least one value; the maximum of none is undefined")
    return recordList(.maxOf, values, on: values[0].storage) {
      NaryForward.maximum($0, count: $1, data: $2)
    }
  }

  /// Records `values` as the operands of one node of the list op `code`,
  /// whose value `forward` computes from the operands, their count and the
  /// data column; stops naming the operands unless they are live values of
  /// `s`.
  @inlinable @inline(__always)
  static func recordList(
    _ code: OpCode, _ values: [Value], on s: UnsafeMutablePointer<TapeStorage>,
    _ forward: (UnsafePointer<UInt32>, Int, UnsafePointer<Double>) -> Double
  ) -> Value {
    let n = values.count
    let start = s.reserveOperands(n)
    guard gather(values, of: s, into: s.operands + start, step: 1) else {
      operandFailure([values])
    }
    let result = forward(s.operands + start, n, s.data)
    return s.record(code, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), result)
  }

  /// The softmax `exp(xᵢ) / Σⱼ exp(xⱼ)`, exact for logits of any magnitude,
  /// never NaN from overflow.
  ///
  ///     let p = Value.softmax([a, b, c])  // p sums to 1
  ///
  /// Computed as `exp(sᵢ − logSumExp(s))` with `sᵢ = xᵢ − m`, where the
  /// maximum `m` enters as a constant: softmax does not change when a
  /// constant is subtracted from every logit (so neither do its derivatives),
  /// and with the shift `logSumExp(s)` lies in `[0, log n]` instead of being
  /// rounded to `m`, which for logits of 1e15 and more would make every
  /// probability 1.
  ///
  /// It reads the logits' values to choose the shift, so a ``Recording``
  /// whose body calls it is recorded again at each replay rather than
  /// replayed (a stale shift could overflow); `logSumExp` has no such
  /// restriction.
  ///
  /// - Parameter values: The logits.
  /// - Returns: The probabilities, one per logit.
  /// - Complexity: O(n) time and 3n + 1 nodes.
  @inlinable
  public static func softmax(_ values: [Value]) -> [Value] {
    var m = -Double.infinity
    for v in values { m = Swift.max(m, v.data) }
    guard m.isFinite else {
      let lse = logSumExp(values)
      return values.map { ($0 - lse).exp() }
    }
    let shifted = values.map { $0 - m }
    let lse = logSumExp(shifted)
    return shifted.map { ($0 - lse).exp() }
  }
}

extension Array where Element == Value {
  /// The sum of the values, as one node: see ``Value/sum(_:)``.
  ///
  ///     let xs = [Value(1.0), Value(2.0), Value(3.0)]
  ///     print(xs.sum().data)
  ///     // Prints "6.0"
  ///
  /// - Returns: One node whose value is the sum; 0 for an empty array.
  @inlinable
  public func sum() -> Value { Value.sum(self) }
}

// MARK: Neurons: weights recorded as a block, inputs shared by a layer

/// Values that are consecutive nodes of one tape, all live when the run was
/// made: a neuron's weights as ``Neuron`` draws them. Checking the last one
/// vouches for all of them (a scope, a reset or the step rule only ever
/// releases a suffix of the tape, and advances its generation), so a dot
/// product over them needs one check instead of one per weight, and reads
/// their data at `first, first + 1, …` with no operand index.
@usableFromInline
struct ConsecutiveNodes {
  /// The last value of the run.
  let last: Value
  /// The index of the first.
  let first: UInt32
  /// How many there are (at least 1).
  let count: Int

  /// The run of `values`, or nil unless they are at least one live handle
  /// of one tape with consecutive indices.
  init?(_ values: [Value]) {
    guard let head = values.first, let last = values.last else { return nil }
    let s = head.storage
    for (k, v) in values.enumerated() {
      guard v.storage == s, Int(v.index) == Int(head.index) + k, s.isLive(v.index, v.stamp)
      else { return nil }
    }
    self.last = last
    first = head.index
    count = values.count
  }
}

extension UnsafeMutablePointer where Pointee == TapeStorage {
  /// Appends `values` to the constant table, with one capacity check, and
  /// returns the first one's index.
  @inlinable @inline(__always)
  func appendConstants(_ values: UnsafeBufferPointer<Double>) -> Int {
    let start = pointee.constantCount
    let n = values.count
    if _slowPath(start + n > pointee.constantCapacity) {
      pointee.growConstants(minimum: start + n)
    }
    if let base = values.baseAddress { (pointee.constants + start).update(from: base, count: n) }
    pointee.constantCount = start + n
    return start
  }
}

extension Value {
  /// `Σ wₖcₖ` recorded as a `dotConstant` node, for weights `w` (checked by
  /// the caller) and constants `c` that are already in the constant table
  /// at `constantOffset`: what ``dot(_:_:)-(_,[Double])`` records, without
  /// the per-operand checks and with the constants appended once per layer.
  @inline(__always)
  static func dot(
    _ w: ConsecutiveNodes, on s: UnsafeMutablePointer<TapeStorage>, constantsAt constantOffset: Int,
    _ c: UnsafePointer<Double>
  ) -> Value {
    let n = w.count
    let start = s.reserveOperands(n + 1)
    let operands = s.operands + start
    operands[0] = UInt32(truncatingIfNeeded: constantOffset)
    for k in 0..<n { operands[1 + k] = w.first &+ UInt32(truncatingIfNeeded: k) }
    let weights = s.data + Int(w.first)
    var total = 0.0
    for k in 0..<n { total += weights[k] * c[k] }
    return s.record(
      .dotConstant, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
  }

  /// `Σ wₖxₖ` recorded as a `dot` node, for weights `w` (checked by the
  /// caller) and inputs whose indices and data were gathered (and checked)
  /// once for the whole layer: what ``dot(_:_:)-(_,[Value])`` records.
  @inline(__always)
  static func dot(
    _ w: ConsecutiveNodes, on s: UnsafeMutablePointer<TapeStorage>,
    inputs indices: UnsafePointer<UInt32>, data x: UnsafePointer<Double>
  ) -> Value {
    let n = w.count
    let start = s.reserveOperands(2 * n)
    let operands = s.operands + start
    for k in 0..<n {
      operands[2 * k] = w.first &+ UInt32(truncatingIfNeeded: k)
      operands[2 * k + 1] = indices[k]
    }
    let weights = s.data + Int(w.first)
    var total = 0.0
    for k in 0..<n { total += weights[k] * x[k] }
    return s.record(.dot, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
  }

  /// Writes the indices and the data of `values` to `indices` and `data`
  /// and returns whether every one is a live handle of `s`.
  @inline(__always)
  static func gatherInputs(
    _ values: [Value], of s: UnsafeMutablePointer<TapeStorage>,
    indices: UnsafeMutablePointer<UInt32>, data: UnsafeMutablePointer<Double>
  ) -> Bool {
    guard gather(values, of: s, into: indices, step: 1) else { return false }
    let source = s.data
    for k in 0..<values.count { data[k] = source[Int(indices[k])] }
    return true
  }
}
