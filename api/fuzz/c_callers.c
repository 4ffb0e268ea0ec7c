/* The calls of api_fuzzer.cc that pass arbitrary ints as enums, made from
 * C as an app would: in C any int converts to an enum type, while a C++
 * caller could not even form such a value without undefined behaviour. */
#include <stdint.h>

#include "AbilityKit/native_child_process.h"
#include "ncp/child_exit.h"

Ability_NativeChildProcess_ErrCode FuzzStart(const char* entry,
                                             NativeChildProcess_Args args,
                                             int mode, int64_t reserved,
                                             int32_t* pid) {
  NativeChildProcess_Options options;
  options.isolationMode = (NativeChildProcess_IsolationMode)mode;
  options.reserved = reserved;
  return OH_Ability_StartNativeChildProcess(entry, args, options, pid);
}

Ability_NativeChildProcess_ErrCode FuzzSetIsolationMode(
    Ability_ChildProcessConfigs* configs, int mode) {
  return OH_Ability_ChildProcessConfigs_SetIsolationMode(
      configs, (NativeChildProcess_IsolationMode)mode);
}

const char* FuzzExitKindName(int kind) {
  return ncp_ChildExitKindName((NCP_ChildExitKind)kind);
}

const char* FuzzSetupStageName(int stage) {
  return ncp_SetupStageName((NCP_SetupStage)stage);
}
