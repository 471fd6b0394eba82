// All C-library imports sit in this one file, in a `canImport` ladder, so the
// rest of the package never names a platform module.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#else
  #error("Backprop needs a C library with libm and pthreads")
#endif
import CThreadPointer

// MARK: - Thread identity

/// The calling thread's identity, unique among the live threads: the thread
/// pointer, read in one instruction (see `CThreadPointer.h`).
@inlinable @inline(__always)
func currentThread() -> UInt { UInt(backprop_current_thread()) }

// MARK: - libm

/// The libm functions the engine uses, under a namespace so that they do not
/// clash with the methods of ``Value`` (inside `Value`, an unqualified
/// `tanh(x)` would find the method first).
@usableFromInline
enum LibM {
  @inlinable @inline(__always) static func exp(_ x: Double) -> Double { _cExp(x) }
  @inlinable @inline(__always) static func expm1(_ x: Double) -> Double { _cExpm1(x) }
  @inlinable @inline(__always) static func log(_ x: Double) -> Double { _cLog(x) }
  @inlinable @inline(__always) static func log1p(_ x: Double) -> Double { _cLog1p(x) }
  @inlinable @inline(__always) static func tanh(_ x: Double) -> Double { _cTanh(x) }
  @inlinable @inline(__always) static func cos(_ x: Double) -> Double { _cCos(x) }
  @inlinable @inline(__always) static func sin(_ x: Double) -> Double { _cSin(x) }
  @inlinable @inline(__always) static func erf(_ x: Double) -> Double { _cErf(x) }
  @inlinable @inline(__always) static func erfc(_ x: Double) -> Double { _cErfc(x) }
  @inlinable @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double {
    _cPow(x, y)
  }
}

@inlinable @inline(__always) func _cExp(_ x: Double) -> Double { exp(x) }
@inlinable @inline(__always) func _cExpm1(_ x: Double) -> Double { expm1(x) }
@inlinable @inline(__always) func _cLog(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) func _cLog1p(_ x: Double) -> Double { log1p(x) }
@inlinable @inline(__always) func _cTanh(_ x: Double) -> Double { tanh(x) }
@inlinable @inline(__always) func _cCos(_ x: Double) -> Double { cos(x) }
@inlinable @inline(__always) func _cSin(_ x: Double) -> Double { sin(x) }
@inlinable @inline(__always) func _cErf(_ x: Double) -> Double { erf(x) }
@inlinable @inline(__always) func _cErfc(_ x: Double) -> Double { erfc(x) }
@inlinable @inline(__always) func _cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

// MARK: - Raw memory

/// Grows (or first allocates) a buffer to `newCount` elements, keeping the first
/// `oldCount` and zero-filling nothing: callers initialise what they use.
@usableFromInline
func reallocate<T>(
  _ buffer: UnsafeMutablePointer<T>?, from oldCount: Int, to newCount: Int
) -> UnsafeMutablePointer<T> {
  let bytes = newCount * MemoryLayout<T>.stride
  guard let raw = realloc(UnsafeMutableRawPointer(buffer), bytes) else {
    outOfMemory(bytes: bytes)
  }
  return raw.bindMemory(to: T.self, capacity: newCount)
}

/// Frees a buffer allocated by ``reallocate(_:from:to:)``.
@usableFromInline
func deallocate<T>(_ buffer: UnsafeMutablePointer<T>?) {
  free(UnsafeMutableRawPointer(buffer))
}

// MARK: - Output

/// Writes `text` to standard error (file descriptor 2), unbuffered.
func writeToStandardError(_ text: String) {
  var text = text
  text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Stops the program: the system has no memory for a tape buffer of `bytes`.
func outOfMemory(bytes: Int) -> Never {
  stop(
    """
    Backprop: out of memory growing a tape buffer to \(bytes) bytes. Record each \
    step inside `Tape.scope { }` so that its nodes are released when it ends, or \
    split the work over smaller graphs.
    """)
}

// MARK: - Reserved address space

/// The granule of reservations, and their alignment: 2 MiB, the size of a
/// transparent huge page on x86-64 and arm64 Linux.
let reservationGranule = 2 << 20

/// Whether reserving far more address space than is used is free here, so
/// that tape buffers can be reserved once and never copied.
///
/// It is not where a limit counts reserved address space: `RLIMIT_AS`, and
/// `RLIMIT_DATA` (which Linux applies to private writable mappings, reserved
/// or not), or where `vm.overcommit_memory` is 2 (strict accounting, which
/// ignores `MAP_NORESERVE` and would charge every reservation in full against
/// the commit limit). There the buffers are `malloc` memory, grown by copying.
let reservingIsFree: Bool = {
  #if canImport(Glibc)
    let limits = [RLIMIT_AS, RLIMIT_DATA].map { __rlimit_resource_t($0.rawValue) }
  #else
    let limits = [RLIMIT_AS, RLIMIT_DATA]
  #endif
  #if canImport(Darwin)
    let unlimited = rlim_t(Int64.max)  // RLIM_INFINITY
  #else
    let unlimited = rlim_t.max
  #endif
  for resource in limits {
    var limit = rlimit()
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur == unlimited else { return false }
  }
  #if os(Linux)
    let file = open("/proc/sys/vm/overcommit_memory", O_RDONLY)
    if file >= 0 {
      var mode: UInt8 = 0
      let n = read(file, &mode, 1)
      close(file)
      if n == 1 && mode == UInt8(ascii: "2") { return false }
    }
  #endif
  return true
}()

/// The offsets of regions for `buffers` (entries, bytes an entry) in one
/// reservation, and its size last; `nil` if that overflows.
///
/// Each region is whole granules, so it starts aligned, and follows one more
/// spare granule than the region before it: columns exactly 2²⁶·k bytes
/// apart made the forward pass of a chain 3× slower on this project's AMD
/// EPYC (loads of `data` waited on stores to the other columns at the same
/// index, as if they aliased), while bases that differ in the low bits of
/// their 2 MiB page numbers run as fast as separate `malloc` buffers.
func reservationLayout(_ buffers: [(Int, Int)]) -> [Int]? {
  let granule = reservationGranule
  var offsets = [0]
  for (k, (count, stride)) in buffers.enumerated() {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: stride)
    guard count > 0, !overflow, bytes < Int.max / 2 else { return nil }
    let granules = offsets[k] / granule + (bytes + granule - 1) / granule + k + 1
    guard granules < Int.max / granule else { return nil }
    offsets.append(granules * granule)
  }
  return offsets
}

/// Reserves `bytes` of address space (a multiple of ``reservationGranule``) at
/// an address aligned to it, readable and writable, or returns `nil` if the
/// system refuses. Nothing is committed: the kernel gives each page, filled
/// with zeros, when it is first touched.
func reserveAddressSpace(bytes: Int) -> UnsafeMutableRawPointer? {
  let (padded, overflow) = bytes.addingReportingOverflow(reservationGranule)
  guard bytes > 0, !overflow else { return nil }
  #if os(Linux)
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
  #else
    let flags = MAP_PRIVATE | MAP_ANON
  #endif
  func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
    let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, flags, -1, 0)
    return raw == UnsafeMutableRawPointer(bitPattern: -1) ? nil : raw
  }
  // Recent Linux kernels align large anonymous mappings to huge pages.
  guard let exact = map(bytes) else { return nil }
  if Int(bitPattern: exact) % reservationGranule == 0 { return exact }
  munmap(exact, bytes)
  // Otherwise map a granule more and trim it to an aligned start.
  guard let raw = map(padded) else { return nil }
  let address = Int(bitPattern: raw)
  let start = (address + reservationGranule - 1) & ~(reservationGranule - 1)
  if start > address { munmap(raw, start - address) }
  let end = start + bytes
  if address + padded > end {
    munmap(UnsafeMutableRawPointer(bitPattern: end), address + padded - end)
  }
  return UnsafeMutableRawPointer(bitPattern: start)
}

/// Gives the pages of entries `start..<end` (of `stride` bytes) of a reserved
/// buffer back to the system; the range stays reserved, and pages touched
/// again are fresh (zero-filled on Linux). The page holding entry `start`
/// stays if it also holds an earlier entry; the last page goes whole.
func discardPages(_ base: UnsafeMutableRawPointer, stride: Int, from start: Int, to end: Int) {
  let page = Int(getpagesize())
  let first = (Int(bitPattern: base) + start * stride + page - 1) & ~(page - 1)
  let last = (Int(bitPattern: base) + end * stride + page - 1) & ~(page - 1)
  guard last > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
  #if os(Linux)
    _ = madvise(address, last - first, MADV_DONTNEED)
  #else
    _ = madvise(address, last - first, MADV_FREE)
  #endif
}

#if os(Linux)
  /// Linux's `mremap`, found with `dlsym`: Swift's Glibc module leaves it out
  /// (it is a GNU extension). Its fifth argument, the new address, is
  /// variadic in C; the x86-64 and arm64 Linux calling conventions pass it
  /// as they pass a fixed one.
  private typealias MRemap =
    @convention(c) (
      UnsafeMutableRawPointer?, Int, Int, Int32, UnsafeMutableRawPointer?
    ) -> UnsafeMutableRawPointer?

  private let mremapFunction: MRemap? = {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mremap") else { return nil }
    return unsafeBitCast(symbol, to: MRemap.self)
  }()
#endif

/// Moves a reserved buffer of `reserved` entries, the first `used` of which
/// may hold data, to `target`, a region reserved for `entries`; its old
/// region is unmapped.
///
/// On Linux the pages move with their page tables (`mremap`), so nothing is
/// copied or touched. Where it cannot move (or elsewhere than Linux), its
/// used bytes are copied.
func movePages<T>(
  _ buffer: inout UnsafeMutablePointer<T>, reserved: Int, used: Int,
  to target: UnsafeMutableRawPointer, holding entries: Int
) {
  let base = UnsafeMutableRawPointer(buffer)
  let stride = MemoryLayout<T>.stride
  let bytes = (reserved * stride + reservationGranule - 1) & ~(reservationGranule - 1)
  for (start, end) in [(0, bytes)] {
    #if os(Linux)
      let mayMoveFixed: Int32 = 1 | 2  // MREMAP_MAYMOVE | MREMAP_FIXED
      if let mremap = mremapFunction,
        mremap(base + start, end - start, end - start, mayMoveFixed, target + start)
          == target + start
      {
        continue
      }
    #endif
    let copied = Swift.min(used * stride, end) - start
    if copied > 0 { (target + start).copyMemory(from: base + start, byteCount: copied) }
    munmap(base + start, end - start)
  }
  buffer = target.bindMemory(to: T.self, capacity: entries)
}

// MARK: - Threads

/// A key for one pointer of thread-local storage, created once per process.
let currentTapeKey: pthread_key_t = {
  var key = pthread_key_t()
  #if canImport(Darwin)
    let status = pthread_key_create(&key) { pointer in
      Unmanaged<AnyObject>.fromOpaque(pointer).release()
    }
  #else
    let status = pthread_key_create(&key) { pointer in
      if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
    }
  #endif
  require(status == 0, "Backprop: could not create the thread-local tape key")
  return key
}()

/// The object stored in this thread's slot, or `nil`.
func threadLocalObject() -> AnyObject? {
  guard let pointer = pthread_getspecific(currentTapeKey) else { return nil }
  return Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue()
}

/// Stores `object` in this thread's slot (retained until replaced or the thread
/// ends) and releases what was there.
func setThreadLocalObject(_ object: AnyObject?) {
  let old = pthread_getspecific(currentTapeKey)
  let new = object.map { Unmanaged.passRetained($0).toOpaque() }
  pthread_setspecific(currentTapeKey, new)
  if let old { Unmanaged<AnyObject>.fromOpaque(old).release() }
}

/// A thread of the operating system running one closure, joined explicitly:
/// the worker threads of parallel training (`WorkerPool`).
final class OSThread {
  #if canImport(Darwin)
    private var thread: pthread_t?
  #else
    private var thread = pthread_t()
  #endif

  /// Starts a thread that runs `body`.
  init(_ body: @escaping @Sendable () -> Void) {
    final class Context {
      let body: @Sendable () -> Void
      init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Context(body)).toOpaque()
    let status = pthread_create(
      &thread, nil,
      { raw in
        #if canImport(Darwin)
          let context = Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
        #else
          guard let raw else { return nil }
          let context = Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
        #endif
        (context as? Context)?.body()
        return nil
      }, context)
    require(status == 0, "Backprop: could not start a worker thread (error \(status))")
  }

  /// Waits for the thread to finish.
  func join() {
    #if canImport(Darwin)
      if let thread { pthread_join(thread, nil) }
    #else
      pthread_join(thread, nil)
    #endif
  }
}

/// Gives the processor to another thread (a spinning worker's courtesy on a
/// machine with fewer cores than threads).
func yieldProcessor() {
  sched_yield()
}

/// A mutual-exclusion lock over `pthread_mutex_t`, with a condition
/// variable: for the process-wide pool of tape storage, and for worker
/// threads that have spun long enough and go to sleep.
final class Lock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>

  init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    condition = .allocate(capacity: 1)
    condition.initialize(to: pthread_cond_t())
    pthread_cond_init(condition, nil)
  }

  deinit {
    pthread_cond_destroy(condition)
    condition.deallocate()
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Runs `body` holding the mutex.
  func withLock<R>(_ body: () throws -> R) rethrows -> R {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Waits for a signal; call with the mutex held (inside ``withLock(_:)``).
  func wait() { pthread_cond_wait(condition, mutex) }

  /// Wakes every waiting thread; call with the mutex held.
  func broadcast() { pthread_cond_broadcast(condition) }
}
