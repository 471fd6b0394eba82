// Recording a node: the hot operations on the pointer that values hold.

/// The hot operations, on the pointer that values hold, so that recording a
/// node involves no reference counting at all.
extension UnsafeMutablePointer where Pointee == TapeStorage {
  @inlinable var data: UnsafeMutablePointer<Double> { pointee.data }
  @inlinable var grad: UnsafeMutablePointer<Double> { pointee.grad }
  @inlinable var op: UnsafeMutablePointer<OpCode> { pointee.op }
  @inlinable var operands: UnsafeMutablePointer<UInt32> { pointee.operands }

  /// Appends a node and returns a handle to it.
  @inlinable @inline(__always)
  func record(_ code: OpCode, _ a: UInt32, _ b: UInt32, _ value: Double) -> Value {
    var i = pointee.count
    var a = a
    var b = b
    if _slowPath(i >= pointee.recordLimit) { (i, a, b) = pointee.prepareRecord(code, a, b) }
    let generation = pointee.generation
    pointee.op[i] = code
    pointee.lhs[i] = a
    pointee.rhs[i] = b
    pointee.data[i] = value
    pointee.grad[i] = 0
    pointee.stamp[i] = generation
    pointee.count = i &+ 1
    return Value(storage: self, index: UInt32(truncatingIfNeeded: i), stamp: generation)
  }

  @inlinable @inline(__always)
  func appendConstant(_ c: Double) -> UInt32 { pointee.appendConstant(c) }

  @inlinable @inline(__always)
  func reserveOperands(_ n: Int) -> Int { pointee.reserveOperands(n) }

  /// Whether `value` still names the node it was created for, and this is
  /// the tape's thread.
  @inlinable @inline(__always)
  func isLive(_ index: UInt32, _ valueStamp: UInt32) -> Bool {
    isOnOwnerThread && pointee.isLive(index, valueStamp)
  }

  /// Whether this is the tape's thread. (Read here, on the pointer, and not
  /// in a method of the struct: a struct method that reads the thread
  /// pointer makes Swift copy the whole struct around it, which cost 4× on
  /// the chain benchmark.)
  @inlinable @inline(__always)
  var isOnOwnerThread: Bool { pointee.ownerThread == currentThread() }
}
