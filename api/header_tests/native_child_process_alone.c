// <AbilityKit/native_child_process.h> must compile on its own, included first,
// as C99.
#include <AbilityKit/native_child_process.h>

// Uses a type the header declares, so the translation unit is not empty.
int ncp_native_child_process_alone_c(void);
int ncp_native_child_process_alone_c(void) {
  return (int)sizeof(NativeChildProcess_Args);
}
