@testable import Backprop
import Foundation
import Testing

// How a tape's buffers grow and give memory back: in reserved address space
// (never copied, pages committed on first touch, 4 KiB pages only), past the reservation (the columns move with their data), in
// the `malloc` buffers used where reserving fails, after `removeAll` and
// after a tape is released. Residency is read from the kernel with `mincore`.

/// Storage outside the pool, for a test to own. Like every storage, it is
/// never deallocated (its memory is given back at the end of each test).
private func makeStorage(_ storage: TapeStorage) -> UnsafeMutablePointer<TapeStorage> {
  let pointer = UnsafeMutablePointer<TapeStorage>.allocate(capacity: 1)
  pointer.initialize(to: storage)
  // Values check that they are used on their tape's thread (as Tape.init sets it).
  pointer.pointee.ownerThread = currentThread()
  return pointer
}

/// The bytes of `bytes` from `address` that are resident (whole pages).
private func residentBytes(_ address: UnsafeMutableRawPointer, bytes: Int) -> Int {
  let page = Int(getpagesize())
  let pages = (bytes + page - 1) / page
  #if os(Linux)
    var vector = [UInt8](repeating: 0, count: pages)
  #else
    var vector = [CChar](repeating: 0, count: pages)
  #endif
  guard mincore(address, pages * page, &vector) == 0 else { return -1 }
  return vector.reduce(0) { $0 + Int($1 & 1) } * page
}

/// Resident bytes of entries `range` of every buffer of a reserved storage.
private func residentBytes(_ s: TapeStorage, entries range: Range<Int>) -> Int {
  let buffers =
    Array(s.nodeColumns) + [(UnsafeMutableRawPointer(s.operands), 4), (UnsafeMutableRawPointer(s.constants), 8)]
  return buffers.reduce(0) { total, buffer in
    total + residentBytes(buffer.0 + range.lowerBound * buffer.1, bytes: range.count * buffer.1)
  }
}

/// What a program recorded: every column, and the leaves' gradients.
private struct Recorded: Equatable {
  var op: [OpCode]
  var lhs: [UInt32]
  var rhs: [UInt32]
  var data: [Double]
  var grad: [Double]
  var operands: [UInt32]
  var constants: [Double]
  var leafGradients: [Double]
}

/// Records `steps` steps of x ← tanh(x·w + c·k) (a constant for each step)
/// with a sum of the last 8 values every 64 steps, then differentiates it.
private func recordProgram(
  on s: UnsafeMutablePointer<TapeStorage>, steps: Int
) -> Recorded {
  let w = s.record(.leaf, 0, 0, 0.9)
  let c = s.record(.leaf, 0, 0, 0.1)
  var x = s.record(.leaf, 0, 0, 0.5)
  var recent: [Value] = []
  let eighth = 0.125  // a constant of the node (a literal would be a leaf of the current tape)
  for k in 0..<steps {
    x = (x * w + c * Double(k % 5)).tanh()
    recent.append(x)
    if recent.count == 8 {
      if k % 64 == 63 { x = Value.sum(recent) * eighth }
      recent.removeAll(keepingCapacity: true)
    }
  }
  x.backward(gradient: 0.75)
  let t = s.pointee
  let n = t.count
  return Recorded(
    op: Array(UnsafeBufferPointer(start: t.op, count: n)),
    lhs: Array(UnsafeBufferPointer(start: t.lhs, count: n)),
    rhs: Array(UnsafeBufferPointer(start: t.rhs, count: n)),
    data: Array(UnsafeBufferPointer(start: t.data, count: n)),
    grad: Array(UnsafeBufferPointer(start: t.grad, count: n)),
    operands: Array(UnsafeBufferPointer(start: t.operands, count: t.operandCount)),
    constants: Array(UnsafeBufferPointer(start: t.constants, count: t.constantCount)),
    leafGradients: [w.grad, c.grad])
}

@Suite("Tape growth")
struct TapeGrowthTests {
  @Test func columnsAreReservedWhereReservingIsFree() {
    let tape = Tape()
    #expect((tape.storage.pointee.reservedNodes > 0) == reservingIsFree)
    #expect(tape.allocatedBytes < 200)
  }

  /// Growing within the reservation never moves (so never copies) a buffer.
  @Test func growingDoesNotMoveTheBuffers() {
    let s = makeStorage(TapeStorage())
    defer { s.pointee.removeAll(keepingCapacity: false) }
    guard s.pointee.reservedNodes > 0 else { return }
    let before = (s.pointee.op, s.pointee.data, s.pointee.operands, s.pointee.constants)
    let recorded = recordProgram(on: s, steps: 300_000)
    #expect(recorded.data.count > 900_000)
    #expect(s.pointee.op == before.0 && s.pointee.data == before.1)
    #expect(s.pointee.operands == before.2 && s.pointee.constants == before.3)
    // Capacities doubled: allocatedBytes is within twice the need.
    let t = s.pointee
    let need = t.count * Tape.bytesPerNode + t.operandCount * 4 + t.constantCount * 8
    #expect(t.allocatedBytes >= need + t.pending.allocatedBytes)
    #expect(t.allocatedBytes <= 2 * need + t.pending.allocatedBytes)
  }

  /// Past their reservations the columns and side tables move to bigger
  /// ones and keep every entry.
  @Test func buffersMovePastTheirReservationWithTheirData() {
    let small = makeStorage(TapeStorage(reservingNodes: 1 << 20, operands: 1 << 10, constants: 1 << 10))
    let reference = makeStorage(TapeStorage(reservingNodes: 0))
    defer {
      small.pointee.removeAll(keepingCapacity: false)
      reference.pointee.removeAll(keepingCapacity: false)
    }
    #expect(reference.pointee.reservedNodes == 0)
    guard small.pointee.reservedNodes > 0 else { return }
    let before = (small.pointee.data, small.pointee.constants)
    let moved = recordProgram(on: small, steps: 800_000)
    #expect(moved.data.count > 1 << 21)
    #expect(small.pointee.reservedNodes >= 1 << 22)
    #expect(small.pointee.reservedConstants > 1 << 10 && small.pointee.reservedOperands > 1 << 10)
    #expect(small.pointee.data != before.0 && small.pointee.constants != before.1)
    #expect(moved == recordProgram(on: reference, steps: 800_000))
  }

  /// Where reserving fails (here: more address space than the machine has),
  /// the buffers are `malloc` memory and behave the same.
  @Test func failedReservationFallsBackToMalloc() {
    let fallback = makeStorage(TapeStorage(reservingNodes: 1 << 44))
    let reserved = makeStorage(TapeStorage())
    defer { reserved.pointee.removeAll(keepingCapacity: false) }
    #expect(fallback.pointee.reservedNodes == 0)
    #expect(fallback.pointee.reservedOperands == 0 && fallback.pointee.reservedConstants == 0)
    #expect(recordProgram(on: fallback, steps: 20_000) == recordProgram(on: reserved, steps: 20_000))
    let bytes = fallback.pointee.allocatedBytes
    fallback.pointee.removeAll(keepingCapacity: true)
    #expect(fallback.pointee.allocatedBytes == bytes)
    fallback.pointee.removeAll(keepingCapacity: false)
    #expect(fallback.pointee.allocatedBytes < 200)
    #expect(recordProgram(on: fallback, steps: 100).data.count > 300)
  }

  /// `removeAll(keepingCapacity: true)` and scopes keep the pages and the
  /// addresses; `removeAll(keepingCapacity: false)` gives every page back.
  @Test func removeAllGivesPagesBackOnlyWhenAsked() {
    let tape = Tape()
    let s = tape.storage
    guard s.pointee.reservedNodes > 0 else { return }
    let count = recordProgram(on: s, steps: 200_000).data.count
    let resident = residentBytes(s.pointee, entries: 0..<count)
    #expect(resident >= count * Tape.bytesPerNode)
    let bytes = tape.allocatedBytes
    let data = s.pointee.data
    tape.removeAll(keepingCapacity: true)
    tape.scope { _ = recordProgram(on: s, steps: 100_000) }
    #expect(tape.allocatedBytes == bytes && s.pointee.data == data)
    #expect(residentBytes(s.pointee, entries: 0..<count) >= resident)
    tape.removeAll(keepingCapacity: false)
    #expect(tape.allocatedBytes < 200)
    #expect(residentBytes(s.pointee, entries: 0..<s.pointee.reservedOperands) == 0)
    #expect(s.pointee.data == data)
    // The tape records again, into the same reservation.
    let x = Value(3.0, on: tape)
    let y = x * x
    y.backward()
    #expect(x.grad == 6 && s.pointee.data == data)
  }

  /// A released tape's storage keeps the pages of its first entries for the
  /// next tape and gives back the rest (what `recycle` does before pooling).
  @Test func releasedStorageKeepsOnlyItsFirstPages() {
    let s = makeStorage(TapeStorage())
    defer { s.pointee.removeAll(keepingCapacity: false) }
    guard s.pointee.reservedNodes > 0 else { return }
    let recorded = recordProgram(on: s, steps: 100_000)
    let kept = TapeStorage.keptEntries
    let count = recorded.data.count
    #expect(recorded.operands.count > 4096 && recorded.constants.count > kept)
    s.pointee.removeAll(keepingCapacity: true)
    s.pointee.releaseMemory(keeping: kept)
    #expect(s.pointee.allocatedBytes == 0)
    #expect(residentBytes(s.pointee, entries: kept..<count) == 0)
    // The data column's first pages stay, and so do the other buffers'.
    let data = UnsafeMutableRawPointer(s.pointee.data)
    #expect(residentBytes(data, bytes: kept * 8) == kept * 8)
    #expect(residentBytes(s.pointee, entries: 0..<kept) >= kept * (Tape.bytesPerNode + 8))
    // What was kept is reused: the next recording starts on the same pages.
    let again = recordProgram(on: s, steps: 1_000)
    #expect(Array(again.data.prefix(3)) == Array(recorded.data.prefix(3)))
  }

  /// A thousand small tapes alive at once: each reserved, each touching only
  /// a few 4 KiB pages (no huge page), quickly.
  @Test func aThousandSmallTapesStayCheap() {
    let clock = ContinuousClock()
    let start = clock.now
    var tapes: [Tape] = []
    var grown: [Int] = []
    for _ in 0..<1_000 {
      let tape = Tape()
      let s = tape.storage
      let window = 0..<Swift.min(s.pointee.reservedNodes, 1 << 19)
      let before = s.pointee.reservedNodes > 0 ? residentBytes(s.pointee, entries: window) : 0
      var x = Value(1.0, on: tape)
      let factor = 1.5  // constants of the nodes, not leaves of the current tape
      for k in 0..<10 { x = (x * factor + Double(k)).tanh() }
      x.backward()
      #expect(x.isValid)
      if s.pointee.reservedNodes > 0 {
        grown.append(residentBytes(s.pointee, entries: window) - before)
      }
      tapes.append(tape)
    }
    let elapsed = clock.now - start
    #expect(tapes.count == 1_000)
    #expect(grown.count == (reservingIsFree ? 1_000 : 0))
    // At most one new 4 KiB page for each of the eight buffers.
    #expect(grown.allSatisfy { $0 <= 8 * Int(getpagesize()) })
    #expect(elapsed < .seconds(10))
  }

  #if os(Linux)
    /// No part of a buffer is advised for huge pages: the advice made the
    /// kernel compact memory at first touch, tripling a big tape's cold time.
    @Test func noBufferIsAdvisedForHugePages() throws {
      let s = makeStorage(TapeStorage())
      defer { s.pointee.removeAll(keepingCapacity: false) }
      guard s.pointee.reservedNodes > 0 else { return }
      _ = recordProgram(on: s, steps: 400_000)  // over a million nodes: 8 MiB of data
      let data = Int(bitPattern: UnsafeMutableRawPointer(s.pointee.data))
      // Read to the end: `String(contentsOfFile:)` stops after one read of a
      // /proc file.
      let file = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
      let smaps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
      try file.close()
      func flags(at address: Int) -> [Substring]? {
        var inside = false
        for line in smaps.split(separator: "\n") {
          let fields = line.split(separator: " ")
          if let range = fields.first, range.contains("-"), !line.hasPrefix("VmFlags") {
            let bounds = range.split(separator: "-").compactMap { Int($0, radix: 16) }
            inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
          } else if inside && line.hasPrefix("VmFlags:") {
            return Array(fields.dropFirst())
          }
        }
        return nil
      }
      let small = try #require(flags(at: data + (1 << 20)))
      let large = try #require(flags(at: data + (6 << 20)))
      #expect(!small.contains("hg"))
      #expect(!large.contains("hg"))
    }
  #endif
}
