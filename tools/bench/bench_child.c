// libncp_bench_child.so: the entry the spawn benchmarks time. It writes the
// CLOCK_MONOTONIC time at which it runs (8 bytes, ns) to the fd named "t".
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"

void Stamp(NativeChildProcess_Args args) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ns = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
  for (NativeChildProcess_Fd* fd = args.fdList.head; fd != NULL;
       fd = fd->next) {
    if (strcmp(fd->fdName, "t") == 0) {
      ssize_t n = write(fd->fd, &ns, sizeof(ns));
      (void)n;
    }
  }
}

// A child that stays until killed (the capacity measurement).
void Sleep(NativeChildProcess_Args args) {
  (void)args;
  for (;;) pause();
}
