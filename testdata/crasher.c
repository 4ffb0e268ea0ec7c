// libncp_crasher.so: entries that die.
#include <signal.h>
#include <stdlib.h>

#include "AbilityKit/native_child_process.h"

void Segfault(NativeChildProcess_Args args) {
  (void)args;
  volatile int* null_pointer = (volatile int*)0;
  *null_pointer = 1;
}

void Abort(NativeChildProcess_Args args) {
  (void)args;
  abort();
}
