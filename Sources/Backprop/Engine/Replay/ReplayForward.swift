// The loops that recompute a Recording's nodes in the order of its
// `ReplaySchedule`: a run of one op at a time, dot products four at a time.

extension UnsafeMutablePointer where Pointee == TapeStorage {
  /// Recomputes `data` for the nodes of `schedule` from their operands, with
  /// the formulas used when they were recorded.
  func replayForward(_ schedule: ReplaySchedule) {
    let columns = TapeColumns(self)
    schedule.nodes.withUnsafeBufferPointer { nodes in
      guard let nodes = nodes.baseAddress else { return }
      for run in schedule.runs {
        let start = Int(run.start)
        let count = Int(run.count)
        if run.sharesInputs {
          for k in stride(from: start, to: start + count, by: 4) {
            columns.neurons4(nodes + k)
          }
        } else if let op = run.op {
          columns.recompute(op, nodes + start, count: count)
        } else {
          for k in start..<(start + count) { columns.recompute(Int(nodes[k])) }
        }
      }
    }
  }
}

/// The loops of replay, over the columns loaded once.
extension TapeColumns {
  /// Recomputes the `count` nodes listed at `nodes`, all with op `code`
  /// (and, for dot products, one length): the op's formula is chosen once
  /// for the run (`OpCode.withFormula`), so no node pays for the dispatch on
  /// its op, and dot products go four at a time.
  @inline(__always)
  func recompute(_ code: OpCode, _ nodes: UnsafePointer<UInt32>, count: Int) {
    switch code.layout {
    case .unary:
      code.withFormula { f in
        for k in 0..<count {
          let i = Int(nodes[k])
          data[i] = f(data[Int(lhs[i])], 0)
        }
      }
    case .unaryConstant:
      code.withFormula { f in
        for k in 0..<count {
          let i = Int(nodes[k])
          data[i] = f(data[Int(lhs[i])], constants[Int(rhs[i])])
        }
      }
    case .binary:
      code.withFormula { f in
        for k in 0..<count {
          let i = Int(nodes[k])
          data[i] = f(data[Int(lhs[i])], data[Int(rhs[i])])
        }
      }
    case .pairs, .constantList:
      var k = 0
      while k + 4 <= count {
        dots4(Int(nodes[k]), Int(nodes[k + 1]), Int(nodes[k + 2]), Int(nodes[k + 3]))
        k += 4
      }
      while k < count {
        recompute(Int(nodes[k]))
        k += 1
      }
    case .leaf, .unaryFunction, .list:
      for k in 0..<count { recompute(Int(nodes[k])) }
    }
  }

  /// Recomputes node `i` alone, with the formula it was recorded with.
  @inline(__always)
  func recompute(_ i: Int) { data[i] = forward(i) }

  /// Four dot products Σ wₖxₖ with the same xₖ, each with its wₖ at
  /// consecutive indices (four neurons of a layer), side by side: each xₖ
  /// is loaded once for the four, and the weights need no index.
  @inline(__always)
  func neurons4(_ nodes: UnsafePointer<UInt32>) {
    let i0 = Int(nodes[0])
    let i1 = Int(nodes[1])
    let i2 = Int(nodes[2])
    let i3 = Int(nodes[3])
    let n = Int(rhs[i0])
    var x = operands + Int(lhs[i0]) + 1
    var w0 = UnsafePointer(data + Int(operands[Int(lhs[i0])]))
    var w1 = UnsafePointer(data + Int(operands[Int(lhs[i1])]))
    var w2 = UnsafePointer(data + Int(operands[Int(lhs[i2])]))
    var w3 = UnsafePointer(data + Int(operands[Int(lhs[i3])]))
    var t0 = 0.0
    var t1 = 0.0
    var t2 = 0.0
    var t3 = 0.0
    for _ in 0..<n {
      let xk = data[Int(x.pointee)]
      t0 += w0.pointee * xk
      t1 += w1.pointee * xk
      t2 += w2.pointee * xk
      t3 += w3.pointee * xk
      x += 2
      w0 += 1
      w1 += 1
      w2 += 1
      w3 += 1
    }
    data[i0] = t0
    data[i1] = t1
    data[i2] = t2
    data[i3] = t3
  }

  /// Four dot products of one op and one length, side by side.
  @inline(__always)
  func dots4(_ i0: Int, _ i1: Int, _ i2: Int, _ i3: Int) {
    let n = Int(rhs[i0])
    var t0 = 0.0
    var t1 = 0.0
    var t2 = 0.0
    var t3 = 0.0
    var p0 = operands + Int(lhs[i0])
    var p1 = operands + Int(lhs[i1])
    var p2 = operands + Int(lhs[i2])
    var p3 = operands + Int(lhs[i3])
    if op[i0] == .dot {
      for _ in 0..<n {
        t0 += data[Int(p0[0])] * data[Int(p0[1])]
        t1 += data[Int(p1[0])] * data[Int(p1[1])]
        t2 += data[Int(p2[0])] * data[Int(p2[1])]
        t3 += data[Int(p3[0])] * data[Int(p3[1])]
        p0 += 2
        p1 += 2
        p2 += 2
        p3 += 2
      }
    } else {
      var c0 = UnsafePointer(constants + Int(p0.pointee))
      var c1 = UnsafePointer(constants + Int(p1.pointee))
      var c2 = UnsafePointer(constants + Int(p2.pointee))
      var c3 = UnsafePointer(constants + Int(p3.pointee))
      p0 += 1
      p1 += 1
      p2 += 1
      p3 += 1
      for _ in 0..<n {
        t0 += data[Int(p0.pointee)] * c0.pointee
        t1 += data[Int(p1.pointee)] * c1.pointee
        t2 += data[Int(p2.pointee)] * c2.pointee
        t3 += data[Int(p3.pointee)] * c3.pointee
        p0 += 1
        p1 += 1
        p2 += 1
        p3 += 1
        c0 += 1
        c1 += 1
        c2 += 1
        c3 += 1
      }
    }
    data[i0] = t0
    data[i1] = t1
    data[i2] = t2
    data[i3] = t3
  }
}
