// Sums, dot products, log-sum-exp and softmax over arrays of values. A sum, a
// dot product and a log-sum-exp each record ONE node however many operands
// they have (the operand indices go to the tape's operand table), so a
// neuron's weighted sum is one node, and the backward sweep runs a tight loop
// over it.

extension Value {
  /// The storage shared by all of `values` (checked), or the current tape's
  /// when `values` is empty.
  @inlinable
  static func storage(of values: [Value]) -> UnsafeMutablePointer<TapeStorage> {
    guard let first = values.first else { return Tape.currentStorage }
    let s = first.storage
    for v in values where _slowPath(!(v.storage == s) || !s.isLive(v.index, v.stamp)) {
      mixFailure(first, v)
    }
    if _slowPath(!s.isLive(first.index, first.stamp)) { staleFailure(first) }
    return s
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
    let s = storage(of: values)
    let n = values.count
    let start = s.reserveOperands(n)
    var total = 0.0
    for (k, v) in values.enumerated() {
      s.operands[start + k] = v.index
      total += s.data[Int(v.index)]
    }
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
    precondition(
      a.count == b.count,
      "Backprop: dot product of vectors of lengths \(a.count) and \(b.count)")
    let s = storage(of: a)
    if let a0 = a.first, let b0 = b.first, !(storage(of: b) == s) { mixFailure(a0, b0) }
    let n = a.count
    let start = s.reserveOperands(2 * n)
    var total = 0.0
    for k in 0..<n {
      let i = a[k].index
      let j = b[k].index
      s.operands[start + 2 * k] = i
      s.operands[start + 2 * k + 1] = j
      total += s.data[Int(i)] * s.data[Int(j)]
    }
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
    precondition(
      a.count == c.count,
      "Backprop: dot product of vectors of lengths \(a.count) and \(c.count)")
    let s = storage(of: a)
    let n = a.count
    let start = s.reserveOperands(n + 1)
    var constantStart = 0
    var total = 0.0
    for k in 0..<n {
      let index = s.appendConstant(c[k])
      if k == 0 { constantStart = Int(index) }
      s.operands[start + 1 + k] = a[k].index
      total += s.data[Int(a[k].index)] * c[k]
    }
    s.operands[start] = UInt32(truncatingIfNeeded: constantStart)
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
    let s = storage(of: values)
    let n = values.count
    let start = s.reserveOperands(n)
    for (k, v) in values.enumerated() { s.operands[start + k] = v.index }
    let result = Kernels.logSumExp(s.operands + start, count: n, data: s.data)
    return s.record(
      .logSumExp, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), result)
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

extension Kernels {
  /// log Σ exp(data[operands[k]]) with the maximum subtracted.
  @inlinable
  static func logSumExp(
    _ operands: UnsafePointer<UInt32>, count n: Int, data: UnsafePointer<Double>
  ) -> Double {
    if n == 0 { return -.infinity }
    var m = -Double.infinity
    for k in 0..<n {
      let x = data[Int(operands[k])]
      if x.isNaN { return .nan }
      if x > m { m = x }
    }
    if !m.isFinite { return m }
    var total = 0.0
    for k in 0..<n { total += LibM.exp(data[Int(operands[k])] - m) }
    return m + LibM.log(total)
  }
}

extension Array where Element == Value {
  /// The sum of the values, as one node: see ``Value/sum(_:)``.
  @inlinable
  public func sum() -> Value { Value.sum(self) }
}
