/* configs_test: calls made from C, where any int converts to an enum type
 * (a C++ caller cannot form an out-of-range enum value without undefined
 * behaviour). */
#include <stdint.h>

#include "AbilityKit/native_child_process.h"
#include "ncp/child_exit.h"

Ability_NativeChildProcess_ErrCode NcpTestSetIsolationMode(
    Ability_ChildProcessConfigs* configs, int mode) {
  return OH_Ability_ChildProcessConfigs_SetIsolationMode(
      configs, (NativeChildProcess_IsolationMode)mode);
}

Ability_NativeChildProcess_ErrCode NcpTestStart(const char* entry, int mode,
                                                int32_t* pid) {
  NativeChildProcess_Args args = {0};
  NativeChildProcess_Options options = {0};
  options.isolationMode = (NativeChildProcess_IsolationMode)mode;
  return OH_Ability_StartNativeChildProcess(entry, args, options, pid);
}

const char* NcpTestExitKindName(int kind) {
  return ncp_ChildExitKindName((NCP_ChildExitKind)kind);
}

const char* NcpTestSetupStageName(int stage) {
  return ncp_SetupStageName((NCP_SetupStage)stage);
}
