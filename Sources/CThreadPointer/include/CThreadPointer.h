// The current thread's identity in one instruction, for Backprop's check
// that a tape is used only on the thread that owns it.

// Swift has no equivalent: `pthread_self()` is a call into the C library,
// and the address of a local variable is not on the thread's stack inside an
// async function.
#ifndef BACKPROP_CTHREADPOINTER_H
#define BACKPROP_CTHREADPOINTER_H

#include <stdint.h>
#include <pthread.h>

/// An integer that identifies the calling thread among the live threads of
/// the process: the thread pointer (`%fs:0` on x86-64 Linux, `tpidr_el0` on
/// arm64), or `pthread_self()` where the compiler has no builtin for it.
static inline uintptr_t backprop_current_thread(void) {
#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer) && (defined(__x86_64__) || defined(__aarch64__))
  return (uintptr_t)__builtin_thread_pointer();
#else
  return (uintptr_t)pthread_self();
#endif
#else
  return (uintptr_t)pthread_self();
#endif
}

#endif
