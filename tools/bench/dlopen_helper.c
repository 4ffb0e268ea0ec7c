// The baseline for spawn-to-entry: a tiny dynamic helper that dlopen()s the
// same child library and calls the same entry, as a plain posix_spawn'ed
// program would.   dlopen_helper LIBRARY ENTRY FD
#include <dlfcn.h>
#include <stdlib.h>

#include "AbilityKit/native_child_process.h"

int main(int argc, char** argv) {
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
