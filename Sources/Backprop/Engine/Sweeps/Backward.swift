// The reverse sweep: `backward()`, applying each op's local derivatives from
// the op table (`Formulas.swift`) in numbers.
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
    storage.backward(from: node, gradient: gradient)
  }
}

extension UnsafeMutablePointer where Pointee == TapeStorage {
  /// The reverse sweep from `root`, its gradient seeded with `gradient`.
  func backward(from root: Int, gradient: Double) {
    pointee.noteBackward()
    let op = pointee.op
    let grad = pointee.grad
    if op[root] == .leaf {
      grad[root] += gradient
      return
    }
    pointee.pending.reserve(pointee.count)
    let pending = pointee.pending
    guard let l0 = pending.level0, let l1 = pending.level1, let l2 = pending.level2 else {
      fatalError("Backprop: the backward bitmap was not allocated")
    }

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

    let columns = TapeColumns(self)
    let numbers = NumericChainRule(columns: columns)
    grad[root] = gradient
    var i = root
    while true {
      // The chain rule of node i's op, from the op table.
      ChainRule.propagate(
        node: i, upstream: grad[i], in: columns, numbers, weightRuns: true,
        give: { j, c in accumulate(j, c()) }, giveWeight: { w, c in grad[w] += c })
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

/// The chain rule in numbers: what `backward()` and the trace compute.
struct NumericChainRule: ChainRuleArithmetic {
  // Two pointers, not the columns: the sweep holds those already, and a
  // second copy cost registers (13 instructions a node in spills).
  let data: UnsafeMutablePointer<Double>
  let storage: UnsafeMutablePointer<TapeStorage>

  init(columns: TapeColumns) {
    data = columns.data
    storage = columns.storage
  }

  @inline(__always) func value(_ j: UInt32) -> Double { data[Int(j)] }
  @inline(__always) func constant(_ c: Double) -> Double { c }
  @inline(__always) func unary(_ code: OpCode, _ x: Double, _ c: Double) -> Double {
    code.forward(x, c)
  }
  @inline(__always) func binary(_ code: OpCode, _ x: Double, _ y: Double) -> Double {
    code.forward(x, y)
  }
  func derivative(ofFunction k: Int, at x: Double) -> Double {
    storage.pointee.functions[k].derivativeOrStop(x)
  }
  @inline(__always) func sum(_ xs: UnsafeMutableBufferPointer<Double>) -> Double {
    var total = 0.0
    for x in xs { total += x }
    return total
  }
  @inline(__always) func times(_ g: Double, _ d: Double) -> Double { g * d }
  @inline(__always) func scaled(_ g: Double, by c: Double) -> Double { g * c }
  @inline(__always) func quotient(_ g: Double, _ d: Double) -> Double { g / d }
  @inline(__always) func quotient(_ g: Double, byConstant c: Double) -> Double { g / c }
  @inline(__always) func negated(_ g: Double) -> Double { -g }
  @inline(__always) func fixed(_ c: Double) -> Double { c }
}
