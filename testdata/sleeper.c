// libncp_sleeper.so: a child that lives until it is killed (or its parent
// dies). Writes "ready" to "out" first when given one.
#include <unistd.h>

#include "AbilityKit/native_child_process.h"
#include "testdata/fixture_util.h"

void Sleep(NativeChildProcess_Args args) {
  int out = FixtureFd(args, "out");
  if (out >= 0) {
    FixtureWrite(out, "ready");
    close(out);
  }
  for (;;) pause();
}
