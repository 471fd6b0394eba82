// `backprop bench engine`: the engine against hand-written derivatives of
// the same computations, timed in the same run.

import Backprop

import Foundation

/// `backprop bench engine`: the engine against hand-written derivatives of the
/// same computations, timed in the same run.
enum EngineBenchmark {
  static let w0 = 1.0001
  static let c0 = 0.01
  static let x0 = 0.5

  struct ChainResult: Equatable {
    var x: Double
    var dx: Double
    var dw: Double
    var dc: Double
  }

  /// x ← tanh(x·w + c), n times, then the derivatives of the final x with
  /// respect to x₀, w and c, by hand: a forward loop that keeps every x and a
  /// reverse loop.
  static func handChain(_ n: Int, _ xs: UnsafeMutablePointer<Double>) -> ChainResult {
    var x = x0
    xs[0] = x
    for k in 0..<n {
      x = tanh(x * w0 + c0)
      xs[k + 1] = x
    }
    var gx = 1.0
    var gw = 0.0
    var gc = 0.0
    for k in stride(from: n - 1, through: 0, by: -1) {
      let y = xs[k + 1]
      let gz = gx * (1 - y * y)
      gc += gz
      gw += gz * xs[k]
      gx = gz * w0
    }
    return ChainResult(x: x, dx: gx, dw: gw, dc: gc)
  }

  /// The same with the engine, in a scope so the tape returns to its size.
  static func engineChain(_ n: Int, tape: Tape) -> ChainResult {
    tape.withCurrent {
      let x0v = Value(x0)
      let w = Value(w0)
      let c = Value(c0)
      let result = tape.scope { () -> Double in
        var x = x0v
        for _ in 0..<n { x = (x * w + c).tanh() }
        x.backward()
        return x.data
      }
      let r = ChainResult(x: result, dx: x0v.grad, dw: w.grad, dc: c.grad)
      tape.removeAll(keepingCapacity: true)
      return r
    }
  }

  static func run(runs: Int = 7) {
    print("Backprop engine benchmark (release build; \(runs) timed runs after a warm-up)")
    print("")
    chain(n: 1_000_000, runs: runs)
    fanIn(n: 1_000_000, runs: runs)
    chain(n: 10_000_000, runs: 1, warmUp: false, warmRuns: 3)
  }

  /// Times the chain of `n` steps, engine and hand-written, and prints them.
  /// With `warmRuns > 0` (and one run without a warm-up, which is then the
  /// cold run: a fresh tape, a fresh buffer) it also times `warmRuns` runs
  /// on the same tape after `removeAll(keepingCapacity: true)` and on the same
  /// buffer, and prints the cold and the warm figures side by side.
  static func chain(n: Int, runs: Int, warmUp: Bool = true, warmRuns: Int = 0) {
    let nodes = 3 * n
    let xs = UnsafeMutablePointer<Double>.allocate(capacity: n + 1)
    defer { xs.deallocate() }
    var hand = ChainResult(x: 0, dx: 0, dw: 0, dc: 0)
    let handTimes = measure(runs: runs, warmUp: warmUp) { hand = handChain(n, xs) }

    let tape = Tape()
    var engine = ChainResult(x: 0, dx: 0, dw: 0, dc: 0)
    let rssBefore = residentBytes()
    let engineTimes = measure(runs: runs, warmUp: warmUp) { engine = engineChain(n, tape: tape) }
    let rssAfter = residentBytes()
    // One more recording to read the tape's size at its peak.
    let allocated = tape.withCurrent { () -> Int in
      let x0v = Value(x0)
      let w = Value(w0)
      let c = Value(c0)
      var x = x0v
      for _ in 0..<n { x = (x * w + c).tanh() }
      x.backward()
      let bytes = tape.allocatedBytes
      tape.removeAll(keepingCapacity: true)
      return bytes
    }
    // The same chain recorded once and replayed: forward recomputed from the
    // leaves, then backward, with nothing recorded.
    var replayed = ChainResult(x: 0, dx: 0, dw: 0, dc: 0)
    let replayTimes = tape.withCurrent { () -> Timings in
      let x0v = Value(x0)
      let w = Value(w0)
      let c = Value(c0)
      let recording = Recording {
        var x = x0v
        for _ in 0..<n { x = (x * w + c).tanh() }
        return x
      }
      let times = measure(runs: runs, warmUp: warmUp) {
        for leaf in [x0v, w, c] { leaf.zeroGrad() }
        let x = recording.replay()
        x.backward()
        replayed = ChainResult(x: x.data, dx: x0v.grad, dw: w.grad, dc: c.grad)
      }
      tape.removeAll(keepingCapacity: true)
      return times
    }
    var coldAndWarm: [String] = []
    if warmRuns > 0 {
      // Warm: the tape keeps its capacity between runs (engineChain ends with
      // removeAll(keepingCapacity: true)), the hand-written code its buffer.
      var warmEngine = engine
      var warmHand = hand
      let warmEngineTimes = measure(runs: warmRuns, warmUp: false) {
        warmEngine = engineChain(n, tape: tape)
      }
      let warmHandTimes = measure(runs: warmRuns, warmUp: false) { warmHand = handChain(n, xs) }
      let perNode = { (t: Double) in format(t / Double(nodes) * 1e9, 1) + " ns/node" }
      let cold = runs == 1 && !warmUp
      if cold {
        coldAndWarm.append(
          "  cold (first run, fresh tape, fresh buffer): engine \(formatTime(engineTimes.median)) (\(perNode(engineTimes.median))), "
            + "hand-written \(formatTime(handTimes.median)) (\(perNode(handTimes.median))), "
            + "ratio \(format(engineTimes.median / handTimes.median, 2))")
      }
      coldAndWarm.append(
        "  warm (same tape after removeAll(keepingCapacity: true), same buffer; median of \(warmRuns)): "
          + "engine \(formatTime(warmEngineTimes.median)) (\(perNode(warmEngineTimes.median))), "
          + "hand-written \(formatTime(warmHandTimes.median)) (\(perNode(warmHandTimes.median))), "
          + "ratio \(format(warmEngineTimes.median / warmHandTimes.median, 2))  "
          + "results \(warmEngine == hand && warmHand == hand ? "identical" : "DIFFER")")
    }
    report(
      name: "chain x = tanh(x*w + c), N = \(n) (\(nodes) nodes)",
      nodes: nodes, engine: engineTimes, hand: handTimes,
      agree: engine == hand, allocated: allocated,
      rss: rssBefore.flatMap { b in rssAfter.map { $0 - b } },
      replay: (replayTimes, replayed == hand), extra: coldAndWarm)
  }

  static func fanIn(n: Int, runs: Int) {
    let a = (0..<n).map { Double($0 % 1000) / 1000 - 0.5 }
    let b = (0..<n).map { Double(($0 * 7) % 1000) / 1000 + 0.25 }
    var ga = [Double](repeating: 0, count: n)
    var gb = [Double](repeating: 0, count: n)
    var handSum = 0.0
    let handTimes = measure(runs: runs) {
      var s = 0.0
      for i in 0..<n { s += a[i] * b[i] }
      for i in 0..<n {
        ga[i] = b[i]
        gb[i] = a[i]
      }
      handSum = s
      blackHole(ga)
    }

    let tape = Tape()
    var engineSum = 0.0
    var agree = true
    var allocated = 0
    tape.withCurrent {
      let av = a.map { Value($0) }
      let bv = b.map { Value($0) }
      let engineTimes = measure(runs: runs) {
        tape.zeroGrad()
        engineSum = tape.scope { () -> Double in
          var products = [Value]()
          products.reserveCapacity(n)
          for i in 0..<n { products.append(av[i] * bv[i]) }
          let s = Value.sum(products)
          s.backward()
          allocated = tape.allocatedBytes
          return s.data
        }
      }
      for i in stride(from: 0, to: n, by: 997) where av[i].grad != b[i] || bv[i].grad != a[i] {
        agree = false
      }
      report(
        name: "fan-in sum of \(n) products (\(n + 1) nodes)",
        nodes: n + 1, engine: engineTimes, hand: handTimes,
        agree: agree && engineSum == handSum, allocated: nil, rss: nil)
    }
    _ = allocated
  }

  static func report(
    name: String, nodes: Int, engine: Timings, hand: Timings, agree: Bool,
    allocated: Int?, rss: Int?, replay: (times: Timings, agree: Bool)? = nil,
    extra: [String] = []
  ) {
    print(name)
    let perNode = { (t: Double) in format(t / Double(nodes) * 1e9, 1) + " ns/node" }
    print(
      "  engine       median \(formatTime(engine.median))  min \(formatTime(engine.min))  max \(formatTime(engine.max))  \(perNode(engine.median))"
    )
    print(
      "  hand-written median \(formatTime(hand.median))  min \(formatTime(hand.min))  max \(formatTime(hand.max))  \(perNode(hand.median))"
    )
    if let replay {
      print(
        "  engine, replayed median \(formatTime(replay.times.median))  min \(formatTime(replay.times.min))  max \(formatTime(replay.times.max))  \(perNode(replay.times.median))"
      )
    }
    var line = "  ratio engine/hand-written \(format(engine.median / hand.median, 2))"
    if let replay {
      line += "; replayed/hand-written \(format(replay.times.median / hand.median, 2))"
    }
    line += "  results \(agree && (replay?.agree ?? true) ? "identical" : "DIFFER")"
    print(line)
    if let allocated {
      print(
        "  memory: \(Tape.bytesPerNode) bytes/node in the tape's columns; "
          + "\(format(Double(allocated) / Double(nodes), 1)) bytes/node allocated at peak"
          + (rss.map { "; RSS grew \(format(Double($0) / Double(nodes), 1)) bytes/node" } ?? ""))
    }
    for line in extra { print(line) }
    print("")
  }
}

extension EngineBenchmark {
  /// Forward and backward of the 10⁶ chain timed apart, for profiling.
  static func chainPhases(n: Int = 1_000_000, runs: Int = 7) {
    let tape = Tape()
    var forward = Timings()
    var backward = Timings()
    let clock = ContinuousClock()
    tape.withCurrent {
      let x0v = Value(x0)
      let w = Value(w0)
      let c = Value(c0)
      for _ in 0...runs {
        tape.scope {
          let t0 = clock.now
          var x = x0v
          for _ in 0..<n { x = (x * w + c).tanh() }
          let t1 = clock.now
          x.backward()
          let t2 = clock.now
          forward.seconds.append(Double((t1 - t0).components.attoseconds) * 1e-18)
          backward.seconds.append(Double((t2 - t1).components.attoseconds) * 1e-18)
        }
      }
    }
    print("forward  \(formatTime(forward.median))  backward \(formatTime(backward.median))", backward.seconds.map { format($0 * 1e3, 1) })
  }
}

extension EngineBenchmark {
  /// `backprop bench scale`: the chain at 10³ … 10⁷ nodes, each size timed in
  /// steady state (after a warm-up that grows the tape), to show whether the
  /// cost per node stays flat.
  static func scale(runs: Int) {
    print("Backprop scale benchmark: chain x = tanh(x*w + c), forward and backward, steady state")
    print("(release build; \(runs) timed runs after a warm-up; small sizes repeated to ~3·10⁶ nodes a run)")
    print("")
    print("     nodes   engine ns/node   hand-written ns/node   ratio")
    let tape = Tape()
    var perNode: [Double] = []
    for exponent in 3...7 {
      var nodes = 1
      for _ in 0..<exponent { nodes *= 10 }
      let steps = nodes / 3
      let repeats = Swift.max(1, 3_000_000 / nodes)
      let xs = UnsafeMutablePointer<Double>.allocate(capacity: steps + 1)
      defer { xs.deallocate() }
      var hand = ChainResult(x: 0, dx: 0, dw: 0, dc: 0)
      var engine = hand
      let handTimes = measure(runs: runs) {
        for _ in 0..<repeats { hand = handChain(steps, xs) }
      }
      let engineTimes = measure(runs: runs) {
        for _ in 0..<repeats { engine = engineChain(steps, tape: tape) }
      }
      let total = Double(3 * steps * repeats)
      let e = engineTimes.median / total * 1e9
      let h = handTimes.median / total * 1e9
      perNode.append(e)
      let label = String(repeating: " ", count: Swift.max(0, 10 - "\(3 * steps)".count)) + "\(3 * steps)"
      print(
        "\(label)   \(String(format: "%14.1f", e))   \(String(format: "%20.1f", h))   \(String(format: "%5.2f", e / h))"
          + (engine == hand ? "" : "  results DIFFER"))
    }
    let spread = (perNode.max() ?? 0) / (perNode.min() ?? 1)
    print("")
    print("engine cost per node: largest ÷ smallest = \(format(spread, 2)) (flat within 20 % means ≤ 1.20)")
  }
}
