// OH_Ability_*ChildProcessConfigs*: the same code in the parent library and
// in the child trampoline (they only store values).
#include <new>

#include "api/configs.h"
#include "api/exports.h"
#include "api/validation.h"
#include "isolation/sandbox_paths.h"
#include "ncp/sandbox.h"

NCP_EXPORT Ability_ChildProcessConfigs* OH_Ability_CreateChildProcessConfigs(
    void) {
  return new (std::nothrow) Ability_ChildProcessConfigs();
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_DestroyChildProcessConfigs(Ability_ChildProcessConfigs* configs) {
  if (configs == nullptr) return NCP_ERR_INVALID_PARAM;
  delete configs;
  return NCP_NO_ERROR;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_ChildProcessConfigs_SetIsolationMode(
    Ability_ChildProcessConfigs* configs,
    NativeChildProcess_IsolationMode isolationMode) {
  if (configs == nullptr) return NCP_ERR_INVALID_PARAM;
  // Unvalidated, as on OpenHarmony: anything but ISOLATED means NORMAL.
  configs->isolation_mode = ncp::api::EnumValue(isolationMode);
  return NCP_NO_ERROR;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_ChildProcessConfigs_SetIsolationUid(
    Ability_ChildProcessConfigs* configs, bool isolationUid) {
  if (configs == nullptr) return NCP_ERR_INVALID_PARAM;
  configs->isolation_uid = isolationUid;
  return NCP_NO_ERROR;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_ChildProcessConfigs_SetProcessName(
    Ability_ChildProcessConfigs* configs, const char* processName) {
  if (configs == nullptr) return NCP_ERR_INVALID_PARAM;
  if (ncp::api::CheckProcessName(processName) != nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  configs->process_name = processName;
  return NCP_NO_ERROR;
}

// ---- ncp extension (ncp/sandbox.h)

NCP_EXPORT int ncp_ChildProcessConfigs_AddSandboxPath(
    Ability_ChildProcessConfigs* configs, const char* path, bool writable) {
  if (configs == nullptr || path == nullptr ||
      ncp::isolation::CheckSandboxPath(path, /*must_exist=*/true, writable) !=
          nullptr ||
      configs->sandbox_paths.size() >= 64) {
    return NCP_ERR_INVALID_PARAM;
  }
  configs->sandbox_paths.emplace_back(path, writable);
  return NCP_NO_ERROR;
}

NCP_EXPORT int ncp_ChildProcessConfigs_SetDataDir(
    Ability_ChildProcessConfigs* configs, const char* path) {
  if (configs == nullptr || path == nullptr ||
      ncp::isolation::CheckSandboxPath(path, /*must_exist=*/false,
                                       /*writable=*/true) != nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  configs->data_dir = path;
  return NCP_NO_ERROR;
}
