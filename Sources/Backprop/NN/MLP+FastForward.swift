// An MLP's fast path: its layers' plans run one after the other on one tape,
// the outputs between layers kept in two small buffers.

extension MLP {
  /// The outputs through the fast path, or nil when it does not apply (a
  /// layer not made as a block, layers on several tapes, the wrong number
  /// of inputs, a released parameter or input): then the general path runs,
  /// and stops with its message if something is wrong. A layer found
  /// released after the earlier ones recorded also hands over to the
  /// general path, which records the rest from their outputs.
  func fastForward(_ x: [Double]) -> [Value]? {
    guard let s = plans.first??.storage, x.count == inputSize else { return nil }
    return x.withUnsafeBufferPointer { buffer in
      forward(on: s) { plan, out in plan.record(constants: buffer, into: out) }
    }
  }

  /// ``fastForward(_:)-([Double])`` for inputs that are values.
  func fastForward(_ x: [Value]) -> [Value]? {
    guard let s = plans.first??.storage, x.count == inputSize, x.count > 0 else { return nil }
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: x.count) { indices in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: x.count) { data in
        guard let i = indices.baseAddress, let d = data.baseAddress,
          Value.gatherInputs(x, of: s, indices: i, data: d)
        else { return nil }
        return forward(on: s) { plan, out in plan.record(inputs: i, data: d, into: out) }
      }
    }
  }

  /// Runs the layers on `s`, the first with `first`, each later one on the
  /// outputs of the one before, kept in two buffers used in turn.
  private func forward(
    on s: UnsafeMutablePointer<TapeStorage>,
    _ first: (LayerPlan, LayerPlan.Outputs) -> Void
  ) -> [Value]? {
    var width = 0
    for plan in plans {
      guard let plan, plan.storage == s else { return nil }
      width = Swift.max(width, plan.outputs)
    }
    guard let head = plans[0], head.isLive else { return nil }
    let last = plans.count - 1
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * width) { indices in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * width) { data -> [Value]? in
        guard let i = indices.baseAddress, let d = data.baseAddress else { return nil }
        var general: [Value]? = nil
        let outputs = pool.make(count: outputSize) { values in
          var out = LayerPlan.Outputs(values: nil, indices: i, data: d)
          var input = LayerPlan.Outputs(values: nil, indices: i + width, data: d + width)
          if last == 0 { out.values = values.baseAddress }
          first(head, out)
          for k in 1..<plans.count {
            guard let plan = plans[k], let previous = plans[k - 1] else { return }
            swap(&out, &input)
            out.values = k == last ? values.baseAddress : nil
            guard plan.isLive else {
              // A parameter released since the call began (by a step
              // boundary at its first record): the general path stops with
              // its message. The outputs so far were recorded after that
              // boundary, in the current generation.
              let x = (0..<previous.outputs).map {
                Value(storage: s, index: input.indices[$0], stamp: s.pointee.generation)
              }
              general = layers[k...].reduce(x) { $1($0) }
              return
            }
            plan.record(inputs: input.indices, data: input.data, into: out)
          }
        }
        return general ?? outputs
      }
    }
  }
}
