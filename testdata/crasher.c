// libncp_crasher.so: entries that die.
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "AbilityKit/native_child_process.h"

void Segfault(NativeChildProcess_Args args) {
  (void)args;
  // A real fault, not undefined behaviour a sanitizer would stop first: a
  // store to a page mapped without access.
  volatile int* page = (volatile int*)mmap(NULL, 4096, PROT_NONE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *page = 1;
}

void Abort(NativeChildProcess_Args args) {
  (void)args;
  abort();
}

// A 32-bit system call (getpid, number 20, through int 0x80): outside a
// sandbox it simply works; an ISOLATED child's seccomp filter traps it.
void ForeignSyscall(NativeChildProcess_Args args) {
  (void)args;
#if defined(__x86_64__)
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
  (void)ret;
#endif
}
