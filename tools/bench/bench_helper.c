// The benchmarks' baselines, as plain programs:
//   bench_helper LIBRARY ENTRY FD
//       dlopen()s the child library and calls the entry with fd "t" = FD,
//       as a posix_spawn'ed program would (the spawn-to-entry baseline);
//   bench_helper --echo FD SIZE
//       echoes SIZE-byte messages on socket FD until EOF (the raw
//       socketpair ping-pong baselines; SEQPACKET or STREAM).
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"

static int Echo(int fd, size_t size) {
  char* buf = malloc(size);
  if (buf == NULL) return 5;
  for (;;) {
    size_t got = 0;
    while (got < size) {
      ssize_t n = read(fd, buf + got, size - got);
      if (n <= 0) return 0;  // EOF: done
      got += (size_t)n;
    }
    size_t sent = 0;
    while (sent < size) {
      ssize_t n = write(fd, buf + sent, size - sent);
      if (n <= 0) return 6;
      sent += (size_t)n;
    }
  }
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "--echo") == 0) {
    return Echo(atoi(argv[2]), (size_t)atol(argv[3]));
  }
  if (argc != 4) return 2;
  void* lib = dlopen(argv[1], RTLD_LAZY);
  if (lib == NULL) return 3;
  void (*entry)(NativeChildProcess_Args) =
      (void (*)(NativeChildProcess_Args))dlsym(lib, argv[2]);
  if (entry == NULL) return 4;
  NativeChildProcess_Fd fd = {(char*)"t", atoi(argv[3]), NULL};
  NativeChildProcess_Args args = {(char*)"", {&fd}};
  entry(args);
  return 0;
}
