// The reverse sweep, and every op's local derivatives.
//
// Creation order is a topological order (an op's operands exist before it),
// so the sweep needs no sort and no recursion: it processes reached nodes from
// the output's index downward, each once, and finds the next one with the
// three-level bitmap of `PendingSet`, so its cost is proportional to the graph
// below the output, never to the whole tape.

extension Value {
  /// Accumulates into every value this one depends on the derivative of this
  /// value with respect to it (reverse-mode automatic differentiation).
  ///
  /// Seeds this value's gradient with `gradient` (1 by default) and applies
  /// the chain rule once per node, from this value back to the leaves, so a
  /// value used twice receives both contributions:
  ///
  ///     let x: Value = 3
  ///     let y = x * x + x  // y = x² + x
  ///     y.backward()
  ///     print(x.grad)
  ///     // Prints "7.0"
  ///
  /// Leaf gradients accumulate (`+=`) across calls, as in PyTorch: calling
  /// `backward()` twice without zeroing gives exactly twice the gradients.
  /// Zero them with ``zeroGrad()`` or ``Tape/zeroGrad()`` before each step.
  /// Interior nodes hold the gradient of the most recent sweep that reached
  /// them. On a leaf, `backward()` adds `gradient` to its own gradient and
  /// touches nothing else.
  ///
  /// - Parameter gradient: The derivative of the final output with respect to
  ///   this value, when this value is an intermediate result; 1 by default.
  /// - Precondition: The value has not been released.
  /// - Complexity: O(*n*) time for the *n* nodes this value depends on, and
  ///   no memory beyond the tape's bitmap (1 bit a node). The sweep is a loop,
  ///   so graphs of any depth are safe on any stack.
  public func backward(gradient: Double = 1) {
    storage.pointee.backward(from: node, seed: gradient)
  }
}

extension TapeStorage {
  /// The reverse sweep from `root`.
  mutating func backward(from root: Int, seed: Double) {
    noteBackward()
    if op[root] == .leaf {
      grad[root] += seed
      return
    }
    pending.reserve(count)
    guard let l0 = pending.level0, let l1 = pending.level1, let l2 = pending.level2 else {
      fatalError("Backprop: the backward bitmap was not allocated")
    }
    let op = self.op
    let lhs = self.lhs
    let rhs = self.rhs
    let data = self.data
    let grad = self.grad
    let operands = self.operands
    let constants = self.constants

    /// Adds `c` to node `j`'s gradient and, for an interior node reached for
    /// the first time in this sweep, marks it pending (its gradient starts
    /// from `c`, not from what an earlier sweep left).
    @inline(__always) func accumulate(_ node: UInt32, _ c: Double) {
      let j = Int(node)
      if op[j] == .leaf {
        grad[j] += c
        return
      }
      let w = j &>> 6
      let bit: UInt64 = 1 &<< UInt64(j & 63)
      let word = l0[w]
      if word & bit != 0 {
        grad[j] += c
        return
      }
      grad[j] = c
      l0[w] = word | bit
      if word == 0 {
        let w1 = w &>> 6
        let bit1: UInt64 = 1 &<< UInt64(w & 63)
        let word1 = l1[w1]
        if word1 & bit1 == 0 {
          l1[w1] = word1 | bit1
          if word1 == 0 { l2[w1 &>> 6] |= 1 &<< UInt64(w1 & 63) }
        }
      }
    }

    /// Clears the level-1 bit of word `w` of level 0, which the sweep has
    /// left (every node in it processed), and the level-2 bit above it if
    /// that empties its level-1 word.
    @inline(__always) func leave(_ w: Int) {
      let w1 = w &>> 6
      let word1 = l1[w1] & ~(1 &<< UInt64(w & 63))
      l1[w1] = word1
      if word1 == 0 { l2[w1 &>> 6] &= ~(1 &<< UInt64(w1 & 63)) }
    }

    /// The highest level-0 word below `w` with a pending node, or -1. Words
    /// at and above `w` have been left, so their upper-level bits are clear.
    @inline(__always) func highestPendingWord(below w: Int) -> Int {
      let w1 = w &>> 6
      let word1 = l1[w1]
      if word1 != 0 { return (w1 &<< 6) | (63 - word1.leadingZeroBitCount) }
      var w2 = w1 &>> 6
      var word2 = l2[w2]
      while word2 == 0 {
        if w2 == 0 { return -1 }
        w2 -= 1
        word2 = l2[w2]
      }
      let lower1 = (w2 &<< 6) | (63 - word2.leadingZeroBitCount)
      return (lower1 &<< 6) | (63 - l1[lower1].leadingZeroBitCount)
    }

    /// The first index of `n ≥ 1` operands, `step` entries apart from
    /// `p`, when they are consecutive leaves (a neuron's weights), or nil.
    @inline(__always) func leafRun(_ p: UnsafeMutablePointer<UInt32>, _ n: Int, step: Int) -> Int? {
      guard n > 0 else { return nil }
      let first = p[0]
      var mismatch: UInt32 = 0
      for k in 0..<n { mismatch |= p[k * step] ^ (first &+ UInt32(truncatingIfNeeded: k)) }
      guard mismatch == 0 else { return nil }
      let ops = op + Int(first)
      var kinds: UInt8 = 0
      for k in 0..<n { kinds |= ops[k].rawValue ^ OpCode.leaf.rawValue }
      return kinds == 0 ? Int(first) : nil
    }

    grad[root] = seed
    var i = root
    while true {
      let g = grad[i]
      let a = lhs[i]
      let b = rhs[i]
      switch op[i] {
      case .leaf:
        break
      case .add:
        accumulate(a, g)
        accumulate(b, g)
      case .subtract:
        accumulate(a, g)
        accumulate(b, -g)
      case .multiply:
        let x = data[Int(a)]
        let y = data[Int(b)]
        accumulate(a, g * y)
        accumulate(b, g * x)
      case .divide:
        let y = data[Int(b)]
        accumulate(a, g / y)
        accumulate(b, -g * (data[i] / y))
      case .power:
        let x = data[Int(a)]
        let p = data[Int(b)]
        accumulate(a, g * Derivatives.power(x, p))
        accumulate(b, g * (x == 0 && p >= 0 ? 0 : data[i] * LibM.log(x)))
      case .maximum, .minimum:
        let x = data[Int(a)]
        let y = data[Int(b)]
        if x == y {
          accumulate(a, g * 0.5)
          accumulate(b, g * 0.5)
        } else if x.isNaN || y.isNaN {
          accumulate(a, g)
          accumulate(b, g)
        } else if (x > y) == (op[i] == .maximum) {
          accumulate(a, g)
        } else {
          accumulate(b, g)
        }
      case .addConstant:
        accumulate(a, g)
      case .multiplyConstant:
        accumulate(a, g * constants[Int(b)])
      case .divideConstant:
        accumulate(a, g / constants[Int(b)])
      case .constantMinus:
        accumulate(a, -g)
      case .constantDivide:
        accumulate(a, -g * (data[i] / data[Int(a)]))
      case .powerConstant:
        accumulate(a, g * Derivatives.power(data[Int(a)], constants[Int(b)]))
      case .leakyReLU:
        let x = data[Int(a)]
        accumulate(a, x > 0 ? g : g * constants[Int(b)])
      case .elu:
        let x = data[Int(a)]
        accumulate(a, x > 0 ? g : g * constants[Int(b)] * LibM.exp(x))
      case .negate:
        accumulate(a, -g)
      case .exp:
        accumulate(a, g * data[i])
      case .log:
        accumulate(a, g / data[Int(a)])
      case .sqrt:
        accumulate(a, g / (2 * data[i]))
      case .abs:
        accumulate(a, g * Derivatives.sign(data[Int(a)]))
      case .tanh:
        let y = data[i]
        accumulate(a, g * (1 - y * y))
      case .sigmoid:
        let y = data[i]
        accumulate(a, g * (y * (1 - y)))
      case .relu:
        let x = data[Int(a)]
        if x > 0 {
          accumulate(a, g)
        } else if x.isNaN {
          accumulate(a, .nan)
        }
      case .softplus:
        accumulate(a, g * Kernels.sigmoid(data[Int(a)]))
      case .step:
        break
      case .sum:
        let start = Int(a)
        for k in start..<(start + Int(b)) { accumulate(operands[k], g) }
      case .dot:
        let start = Int(a)
        let n = Int(b)
        if let w = leafRun(operands + start, n, step: 2) {
          // A neuron's weights: known leaves, so their gradients are added
          // without the check; the same additions in the same order.
          for k in 0..<n {
            let y = operands[start + 2 * k + 1]
            let dy = g * data[w + k]
            grad[w + k] += g * data[Int(y)]
            accumulate(y, dy)
          }
        } else {
          for k in 0..<n {
            let x = operands[start + 2 * k]
            let y = operands[start + 2 * k + 1]
            let dx = g * data[Int(y)]
            let dy = g * data[Int(x)]
            accumulate(x, dx)
            accumulate(y, dy)
          }
        }
      case .dotConstant:
        let start = Int(a)
        let n = Int(b)
        let c = constants + Int(operands[start])
        if let w = leafRun(operands + start + 1, n, step: 1) {
          // A neuron's weights: one loop over consecutive gradients.
          let gw = grad + w
          for k in 0..<n { gw[k] += g * c[k] }
        } else {
          for k in 0..<n { accumulate(operands[start + 1 + k], g * c[k]) }
        }
      case .logSumExp:
        let start = Int(a)
        let n = Int(b)
        let y = data[i]
        if y.isFinite {
          // softmax(x)ⱼ = e^(xⱼ − m) / Σ e^(xᵢ − m), with m = max x. Not
          // e^(xⱼ − y): once log n is below half an ulp of m, y rounds to m
          // and every entry would get 1 (found with logits of 1e15).
          var m = -Double.infinity
          for k in start..<(start + n) { m = Swift.max(m, data[Int(operands[k])]) }
          var total = 0.0
          for k in start..<(start + n) { total += LibM.exp(data[Int(operands[k])] - m) }
          let scale = g / total
          for k in start..<(start + n) {
            let j = operands[k]
            accumulate(j, scale * LibM.exp(data[Int(j)] - m))
          }
        } else if y.isNaN {
          for k in start..<(start + n) { accumulate(operands[k], .nan) }
        } else {
          // ±inf: the gradient is shared by the entries equal to the result.
          var ties = 0
          for k in start..<(start + n) where data[Int(operands[k])] == y { ties += 1 }
          let share = g / Double(ties)
          for k in start..<(start + n) where data[Int(operands[k])] == y {
            accumulate(operands[k], share)
          }
        }
      }
      // The next node: i − 1 when it is pending (a test the branch predictor
      // gets right in dense graphs, so the loads for node i − 1 start before
      // node i is finished); otherwise the highest pending node below, found
      // through the upper levels of the bitmap.
      if i == 0 {
        leave(0)
        break
      }
      i &-= 1
      let w = i &>> 6
      let position = i & 63
      if position == 63 { leave(w &+ 1) }
      let word = l0[w]
      let bit: UInt64 = 1 &<< UInt64(position)
      if word & bit != 0 {
        l0[w] = word ^ bit
        continue
      }
      var pendingWord = w
      var rest = word
      if rest == 0 {
        leave(w)
        pendingWord = highestPendingWord(below: w)
        if pendingWord < 0 { break }
        rest = l0[pendingWord]
      }
      let top = 63 - rest.leadingZeroBitCount
      l0[pendingWord] = rest ^ (1 &<< UInt64(top))
      i = (pendingWord &<< 6) | top
    }
  }
}

/// Local derivatives shared by several ops.
@usableFromInline
enum Derivatives {
  /// d(x^p)/dx = p·x^(p−1), with d(x⁰)/dx = 0 everywhere (also at x = 0,
  /// where the formula gives 0·inf).
  @inlinable @inline(__always)
  static func power(_ x: Double, _ p: Double) -> Double {
    if p == 2 { return 2 * x }
    if p == 0 { return 0 }
    return p * LibM.pow(x, p - 1)
  }

  /// sign(x) with sign(0) = 0 and sign(NaN) = NaN.
  @inlinable @inline(__always)
  static func sign(_ x: Double) -> Double {
    x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : .nan))
  }
}
