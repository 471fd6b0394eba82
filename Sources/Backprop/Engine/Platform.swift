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
@inlinable @inline(__always) func _cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

// MARK: - Raw memory

/// Grows (or first allocates) a buffer to `newCount` elements, keeping the first
/// `oldCount` and zero-filling nothing: callers initialise what they use.
@usableFromInline
func reallocate<T>(
  _ buffer: UnsafeMutablePointer<T>?, from oldCount: Int, to newCount: Int
) -> UnsafeMutablePointer<T> {
  let bytes = newCount * MemoryLayout<T>.stride
  let huge = 2 << 20
  if bytes >= 2 * huge {
    // Large buffers: 2 MiB-aligned, advised for huge pages before they are
    // touched, then filled with the old contents.
    let rounded = (bytes + huge - 1) & ~(huge - 1)
    var raw: UnsafeMutableRawPointer? = nil
    guard posix_memalign(&raw, huge, rounded) == 0, let raw else {
      fatalError("Backprop: out of memory growing a tape buffer to \(bytes) bytes")
    }
    adviseHugePages(raw, bytes: rounded)
    if let buffer {
      raw.copyMemory(from: buffer, byteCount: Swift.min(oldCount, newCount) * MemoryLayout<T>.stride)
      free(buffer)
    }
    return raw.bindMemory(to: T.self, capacity: newCount)
  }
  guard let raw = realloc(UnsafeMutableRawPointer(buffer), bytes) else {
    fatalError("Backprop: out of memory growing a tape buffer to \(bytes) bytes")
  }
  return raw.bindMemory(to: T.self, capacity: newCount)
}

/// Asks Linux to back a large buffer with transparent huge pages (where the
/// system gives them only on request): the backward sweep walks every column
/// of the tape, and with 4 KiB pages its time on a 10⁶-node chain varied by
/// up to 1.5× between runs with the TLB misses.
@usableFromInline
func adviseHugePages(_ raw: UnsafeMutableRawPointer, bytes: Int) {
  #if os(Linux)
    _ = madvise(raw, bytes, 14)  // MADV_HUGEPAGE
  #endif
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
