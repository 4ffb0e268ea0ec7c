// <AbilityKit/native_child_process.h> must compile on its own, included first,
// as C++17.
#include <AbilityKit/native_child_process.h>

// Uses a type the header declares, so the translation unit is not empty.
int ncp_native_child_process_alone_cc();
int ncp_native_child_process_alone_cc() {
  return (int)sizeof(NativeChildProcess_Args);
}
