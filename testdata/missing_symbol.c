// libncp_missing_symbol.so: loads (lazy binding) but its entry calls a
// function no library defines, so the dynamic linker ends the child.
#include "AbilityKit/native_child_process.h"

void ncp_fixture_function_nobody_defines(void);

void Main(NativeChildProcess_Args args) {
  (void)args;
  ncp_fixture_function_nobody_defines();
}
