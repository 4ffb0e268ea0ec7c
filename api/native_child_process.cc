// The OH_Ability_* C API of the parent library: argument checks, then one
// call into ChildRuntime, whose absl::Status goes through ToNcpErrCode().
#include "AbilityKit/native_child_process.h"

#include <vector>

#include "api/app_context.h"
#include "api/child_runtime.h"
#include "api/configs.h"
#include "api/error_mapping.h"
#include "api/exports.h"
#include "api/launcher.h"
#include "api/spawn_trace.h"
#include "api/validation.h"

using ncp::api::ChildOptions;
using ncp::api::ChildRuntime;
using ncp::api::EntryPoint;
using ncp::api::NamedFd;
using ncp::api::ToNcpErrCode;

namespace {

Ability_NativeChildProcess_ErrCode StartChild(
    const char* entry, const NativeChildProcess_Args& args,
    const ChildOptions& options, int32_t* pid) {
  // The order of the checks is OpenHarmony's (spec §1.4).
  EntryPoint entry_point;
  if (ncp::api::ParseEntry(entry, &entry_point) != nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  if (pid == nullptr) return NCP_ERR_INVALID_PARAM;
  std::vector<NamedFd> fds;
  if (ncp::api::CollectFds(args.fdList, &fds) != nullptr ||
      ncp::api::CheckEntryParams(args.entryParams) != nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  absl::StatusOr<pid_t> started =
      ChildRuntime::Get().Start(entry_point, args.entryParams, fds, options);
  if (!started.ok()) return ToNcpErrCode(started.status());
  *pid = *started;  // written only on success
  return NCP_NO_ERROR;
}

ChildOptions OptionsFrom(const Ability_ChildProcessConfigs& configs) {
  ChildOptions options;
  options.isolated = configs.isolation_mode == NCP_ISOLATION_MODE_ISOLATED;
  options.isolation_uid = configs.isolation_uid;
  options.process_name = configs.process_name;
  options.sandbox_paths = configs.sandbox_paths;
  options.data_dir = configs.data_dir;
  return options;
}

}  // namespace

NCP_EXPORT int OH_Ability_CreateNativeChildProcess(
    const char* libName,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted) {
  if (ncp::api::CheckLibraryName(libName) != nullptr ||
      onProcessStarted == nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  return ToNcpErrCode(
      ChildRuntime::Get().Create(libName, onProcessStarted, ChildOptions()));
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_CreateNativeChildProcessWithConfigs(
    const char* libName, Ability_ChildProcessConfigs* configs,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted) {
  if (ncp::api::CheckLibraryName(libName) != nullptr || configs == nullptr ||
      onProcessStarted == nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  return ToNcpErrCode(ChildRuntime::Get().Create(libName, onProcessStarted,
                                                 OptionsFrom(*configs)));
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_StartNativeChildProcess(const char* entry,
                                   NativeChildProcess_Args args,
                                   NativeChildProcess_Options options,
                                   int32_t* pid) {
  ChildOptions child_options;
  child_options.isolated =
      ncp::api::EnumValue(options.isolationMode) == NCP_ISOLATION_MODE_ISOLATED;
  return StartChild(entry, args, child_options, pid);
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_StartNativeChildProcessWithConfigs(
    const char* entry, NativeChildProcess_Args args,
    Ability_ChildProcessConfigs* configs, int32_t* pid) {
  if (entry == nullptr || entry[0] == '\0' || configs == nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  return StartChild(entry, args, OptionsFrom(*configs), pid);
}

NCP_EXPORT NativeChildProcess_Args* OH_Ability_GetCurrentChildProcessArgs(
    void) {
  return nullptr;  // only children have args (the trampoline's edition)
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_RegisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit) {
  if (onProcessExit == nullptr) return NCP_ERR_INVALID_PARAM;
  return ToNcpErrCode(ChildRuntime::Get().RegisterExitCallback(onProcessExit));
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_UnregisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit) {
  if (onProcessExit == nullptr) return NCP_ERR_INVALID_PARAM;
  return ToNcpErrCode(
      ChildRuntime::Get().UnregisterExitCallback(onProcessExit));
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_KillChildProcess(int32_t pid) {
  return ToNcpErrCode(ChildRuntime::Get().Kill(pid));
}

NCP_EXPORT bool OH_Ability_IsNativeChildProcessSupported(void) {
  return ncp::api::MultiProcessEnabled() && ncp::api::LauncherAvailable();
}

// ---- ncp extension (ncp/child_exit.h)

NCP_EXPORT int ncp_GetSpawnStages(int32_t pid, NCP_SpawnStages* out) {
  if (out == nullptr) return NCP_ERR_INVALID_PARAM;
  return ncp::api::SpawnTrace::Lookup(pid, out) ? NCP_NO_ERROR
                                                : NCP_ERR_INVALID_PID;
}

NCP_EXPORT int ncp_RegisterChildExitListener(NCP_OnChildExit listener,
                                             void* user_data) {
  if (listener == nullptr) return NCP_ERR_INVALID_PARAM;
  return ToNcpErrCode(ChildRuntime::Get().AddExitListener(listener, user_data));
}

NCP_EXPORT int ncp_UnregisterChildExitListener(NCP_OnChildExit listener,
                                               void* user_data) {
  if (listener == nullptr) return NCP_ERR_INVALID_PARAM;
  return ToNcpErrCode(
      ChildRuntime::Get().RemoveExitListener(listener, user_data));
}
