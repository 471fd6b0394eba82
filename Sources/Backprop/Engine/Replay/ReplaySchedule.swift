// The order in which a Recording recomputes its nodes, worked out once when
// it is recorded; `ReplayForward.swift` holds the loops that run it.
//
// Recomputing in creation order, one node at a time, spends most of its time
// on two things (measured with callgrind and perf on micrograd's demo, where
// the replayed forward took 80 % of a step): the dispatch on each node's op,
// and the dot products, whose every term loads two operand indices and two
// values and then waits for the previous addition (a left-to-right sum is
// one chain of dependent additions). Replay is free to recompute the nodes
// in any order in which operands come first, and a node gives the same bits
// whatever the order, as long as its own formula and summation order stay
// as recorded. So:
//
// - The nodes are taken in windows of consecutive nodes (a window holds a
//   few examples' worth of an MLP, so what a node reads is still in cache).
//   In a window each node gets a level, one more than the highest level of
//   its operands in the window, and the window is recomputed level by level.
// - The nodes of one level never depend on each other, so they are grouped
//   by op into runs, each recomputed by a loop made for that op: no
//   dispatch per node.
// - Dot products of one length are computed four at a time: four chains of
//   additions side by side, each still left to right.
// - Four dot products Σ wₖxₖ that share their xₖ and each have their wₖ at
//   consecutive indices (four neurons of one layer: a neuron's weights are
//   consecutive leaves) are computed as one small matrix-vector product:
//   each xₖ is loaded once for the four, and the weights need no index.
//
// The results are bit-identical to recording again (tested on random graphs
// of every op and on MLPs); on micrograd's demo a replayed step takes about
// 30 % less time than replaying in creation order did.

/// What ``Recording/replay()`` recomputes, in order: runs of nodes of one
/// op (and, for dot products, one length), each recomputed by a loop made
/// for that op.
struct ReplaySchedule {
  /// A run of `count` entries of `nodes` from `start`, all with op `op`,
  /// or with ops of every kind when `op` is nil (nodes that share a level
  /// with no other node of their op, such as the links of a chain). In a
  /// run that `sharesInputs`, every four consecutive nodes are dot products
  /// Σ wₖxₖ with the same xₖ and each with its wₖ consecutive nodes: four
  /// neurons of one layer.
  struct Run {
    var op: OpCode?
    var sharesInputs = false
    var start: UInt32
    var count: UInt32
  }

  /// The recorded interior nodes, in the order to recompute them.
  private(set) var nodes: [UInt32] = []
  /// `nodes` cut into runs of one op.
  private(set) var runs: [Run] = []

  /// Nodes per window.
  static let window = 512

  /// The schedule of the nodes `first...last` of `s`.
  ///
  /// - Complexity: O(n · d) for n nodes, d the number of different ops (and
  ///   dot-product lengths) in a level: a counting sort by level, then a
  ///   pass per op.
  init(_ s: borrowing TapeStorage, first: Int, through last: Int) {
    guard first <= last else { return }
    nodes.reserveCapacity(last - first + 1)
    let op = s.op
    let rhs = s.rhs
    let window = Self.window
    // Per node of a window: its level (0 for a leaf) and its run key (op,
    // and length for a dot product); the window's nodes sorted by level,
    // and where each level starts in that order. Raw scratch memory: these
    // loops touch every node and operand, and array writes would check
    // uniqueness and bounds at each step.
    let scratch = UnsafeMutablePointer<Int>.allocate(capacity: 5 * window + 4)
    defer { scratch.deallocate() }
    let level = scratch
    let key = scratch + window
    let byLevel = scratch + 2 * window
    let levelStart = scratch + 3 * window
    let next = scratch + 4 * window + 2
    var keys: [Int] = []
    var group: [UInt32] = []
    var windowStart = first
    while windowStart <= last {
      let size = Swift.min(window, last + 1 - windowStart)
      var deepest = 0
      for r in 0..<size {
        let i = windowStart + r
        let code = op[i]
        guard code != .leaf else {
          level[r] = 0
          continue
        }
        var l = 0
        s.forEachOperand(of: i) { j in
          if j >= windowStart { l = Swift.max(l, level[j - windowStart]) }
        }
        level[r] = l + 1
        deepest = Swift.max(deepest, l + 1)
        let length = code == .dot || code == .dotConstant ? Int(rhs[i]) : 0
        key[r] = length << 8 | Int(code.rawValue)
      }
      guard deepest > 0 else {  // leaves only
        windowStart += size
        continue
      }
      // Counting sort of the interior nodes by level, stable.
      for l in 0...(deepest + 1) { levelStart[l] = 0 }
      for r in 0..<size where level[r] > 0 { levelStart[level[r] + 1] += 1 }
      for l in 1...(deepest + 1) { levelStart[l] += levelStart[l - 1] }
      next.update(from: levelStart, count: deepest + 2)
      for r in 0..<size where level[r] > 0 {
        byLevel[next[level[r]]] = r
        next[level[r]] += 1
      }
      // Each level: a run per key, in the order the keys first appear.
      for l in 1...deepest {
        let members = levelStart[l]..<levelStart[l + 1]
        keys.removeAll(keepingCapacity: true)
        for m in members where !keys.contains(key[byLevel[m]]) { keys.append(key[byLevel[m]]) }
        for k in keys {
          group.removeAll(keepingCapacity: true)
          for m in members where key[byLevel[m]] == k {
            group.append(UInt32(truncatingIfNeeded: windowStart + byLevel[m]))
          }
          appendRun(&group, s)
        }
      }
      windowStart += size
    }
  }

  /// Appends `group`, nodes of one level and one op (and, for dot products,
  /// one length), as a run; for dot products, first the fours that are
  /// neurons of one layer as a run of their own.
  private mutating func appendRun(_ group: inout [UInt32], _ s: borrowing TapeStorage) {
    let code = s.op[Int(group[0])]
    if code == .dot {
      let neurons = Self.neuronQuads(&group, s)
      if !neurons.isEmpty {
        append(neurons, op: code, sharesInputs: true)
      }
      if group.isEmpty { return }
    }
    if group.count == 1, let last = runs.last, last.op == nil {
      // One node alone: onto the mixed run before it.
      runs[runs.count - 1].count += 1
      nodes.append(group[0])
      return
    }
    append(group, op: group.count == 1 ? nil : code, sharesInputs: false)
  }

  private mutating func append(_ members: [UInt32], op: OpCode?, sharesInputs: Bool) {
    runs.append(
      Run(
        op: op, sharesInputs: sharesInputs, start: UInt32(truncatingIfNeeded: nodes.count),
        count: UInt32(truncatingIfNeeded: members.count)))
    nodes.append(contentsOf: members)
  }

  /// Takes out of `group` (dot products of one length) as many fours as
  /// possible of nodes Σ wₖxₖ with the same inputs xₖ, each with weights wₖ
  /// at consecutive indices, and returns them, four by four.
  private static func neuronQuads(_ group: inout [UInt32], _ s: borrowing TapeStorage) -> [UInt32] {
    let n = Int(s.rhs[Int(group[0])])
    guard n > 0 else { return [] }
    let lhs = s.lhs
    let operands = s.operands
    func start(_ i: UInt32) -> Int { Int(lhs[Int(i)]) }
    func weightsAreConsecutive(_ i: UInt32) -> Bool {
      let a = start(i)
      let w0 = operands[a]
      for k in 0..<n where operands[a + 2 * k] != w0 &+ UInt32(truncatingIfNeeded: k) {
        return false
      }
      return true
    }
    func sameInputs(_ i: UInt32, _ j: UInt32) -> Bool {
      let a = start(i)
      let b = start(j)
      for k in 0..<n where operands[a + 2 * k + 1] != operands[b + 2 * k + 1] {
        return false
      }
      return true
    }
    // Buckets of nodes with the same inputs, in recording order.
    var buckets: [[UInt32]] = []
    var rest: [UInt32] = []
    for i in group {
      guard weightsAreConsecutive(i) else {
        rest.append(i)
        continue
      }
      if let b = buckets.firstIndex(where: { sameInputs($0[0], i) }) {
        buckets[b].append(i)
      } else {
        buckets.append([i])
      }
    }
    var quads: [UInt32] = []
    for bucket in buckets {
      let whole = bucket.count / 4 * 4
      quads.append(contentsOf: bucket[..<whole])
      rest.append(contentsOf: bucket[whole...])
    }
    group = rest
    return quads
  }
}
