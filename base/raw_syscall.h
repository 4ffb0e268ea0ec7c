// Raw system calls for code that runs between clone and exec.
//
// ASYNC-SIGNAL-SAFE ONLY. The spawner's child runs on a private stack in the
// parent's address space (CLONE_VM|CLONE_VFORK) and shares the spawning
// thread's TLS, so it must not touch errno, locks, malloc or sanitizer
// runtimes. These wrappers return the kernel's result directly: >= 0 on
// success, -errno on failure, and never write errno.
#ifndef NCP_BASE_RAW_SYSCALL_H_
#define NCP_BASE_RAW_SYSCALL_H_

#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#include <errno.h>
#endif

// Functions on the post-clone path carry this: no sanitizer instrumentation
// (ASan/TSan would consult thread state that belongs to the parent thread).
// The list form of no_sanitize is understood by GCC (8+) and clang alike.
#define NCP_CHILD_FN                                            \
  __attribute__((no_sanitize("address", "thread", "undefined"), \
                 no_stack_protector, noinline))

#define NCP_CHILD_INLINE                                        \
  __attribute__((no_sanitize("address", "thread", "undefined"), \
                 always_inline)) static inline

namespace ncp::raw {

#if defined(__x86_64__)
NCP_CHILD_INLINE long Syscall6(long n, long a1, long a2, long a3, long a4,
                               long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
                     "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
// COMPAT(non-x86_64): libc's syscall() writes errno; in the vfork child that
// is the suspended parent thread's errno, which it does not read afterwards.
NCP_CHILD_INLINE long Syscall6(long n, long a1, long a2, long a3, long a4,
                               long a5, long a6) {
  long ret = ::syscall(n, a1, a2, a3, a4, a5, a6);
  return ret == -1 ? -errno : ret;
}
#endif

NCP_CHILD_INLINE long Syscall(long n, long a1 = 0, long a2 = 0, long a3 = 0,
                              long a4 = 0, long a5 = 0, long a6 = 0) {
  return Syscall6(n, a1, a2, a3, a4, a5, a6);
}

// Loops over EINTR.
NCP_CHILD_INLINE long SyscallNoIntr(long n, long a1 = 0, long a2 = 0,
                                    long a3 = 0, long a4 = 0, long a5 = 0,
                                    long a6 = 0) {
  long r;
  do {
    r = Syscall6(n, a1, a2, a3, a4, a5, a6);
  } while (r == -4 /* EINTR */);
  return r;
}

template <typename T>
NCP_CHILD_INLINE long P(T* p) {
  return reinterpret_cast<long>(p);
}

NCP_CHILD_INLINE size_t StrLen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

[[noreturn]] NCP_CHILD_INLINE void ExitGroup(int code) {
  for (;;) Syscall(__NR_exit_group, code);
}

}  // namespace ncp::raw

#endif  // NCP_BASE_RAW_SYSCALL_H_
