// The child edition of the OH_Ability_* API, linked into the trampoline.
//
// The trampoline carries DT_SONAME libchild_process.so, so a user library
// that links libchild_process.so binds to these definitions in the child
// instead of loading the parent library (and its abseil/libstdc++
// dependencies). A child cannot start children: every Create*/Start*
// returns NCP_ERR_ALREADY_IN_CHILD once its arguments pass the same checks
// as in the parent.
#include <vector>

#include "api/child_state.h"
#include "api/exports.h"
#include "api/validation.h"
#include "ncp/child_exit.h"
#include "ncp/trace.h"

namespace ncp::api {

NativeChildProcess_Args* g_current_args = nullptr;

}  // namespace ncp::api

using ncp::api::CheckLibraryName;
using ncp::api::EntryPoint;
using ncp::api::NamedFd;

NCP_EXPORT int OH_Ability_CreateNativeChildProcess(
    const char* libName,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted) {
  if (CheckLibraryName(libName) != nullptr || onProcessStarted == nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  return NCP_ERR_ALREADY_IN_CHILD;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_CreateNativeChildProcessWithConfigs(
    const char* libName, Ability_ChildProcessConfigs* configs,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted) {
  if (CheckLibraryName(libName) != nullptr || configs == nullptr ||
      onProcessStarted == nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  return NCP_ERR_ALREADY_IN_CHILD;
}

namespace {

Ability_NativeChildProcess_ErrCode CheckStart(
    const char* entry, const NativeChildProcess_Args& args,
    const int32_t* pid) {
  EntryPoint entry_point;
  std::vector<NamedFd> fds;
  if (ncp::api::ParseEntry(entry, &entry_point) != nullptr || pid == nullptr ||
      ncp::api::CollectFds(args.fdList, &fds) != nullptr ||
      ncp::api::CheckEntryParams(args.entryParams) != nullptr) {
    return NCP_ERR_INVALID_PARAM;
  }
  return NCP_ERR_ALREADY_IN_CHILD;
}

}  // namespace

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_StartNativeChildProcess(const char* entry,
                                   NativeChildProcess_Args args,
                                   NativeChildProcess_Options /*options*/,
                                   int32_t* pid) {
  return CheckStart(entry, args, pid);
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_StartNativeChildProcessWithConfigs(
    const char* entry, NativeChildProcess_Args args,
    Ability_ChildProcessConfigs* configs, int32_t* pid) {
  if (configs == nullptr) return NCP_ERR_INVALID_PARAM;
  return CheckStart(entry, args, pid);
}

NCP_EXPORT NativeChildProcess_Args* OH_Ability_GetCurrentChildProcessArgs(
    void) {
  return ncp::api::g_current_args;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_RegisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit) {
  if (onProcessExit == nullptr) return NCP_ERR_INVALID_PARAM;
  // As on OpenHarmony, only an app's main process may listen for exits.
  return NCP_ERR_INTERNAL;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_UnregisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit) {
  if (onProcessExit == nullptr) return NCP_ERR_INVALID_PARAM;
  return NCP_ERR_CALLBACK_NOT_EXIST;
}

NCP_EXPORT Ability_NativeChildProcess_ErrCode
OH_Ability_KillChildProcess(int32_t /*pid*/) {
  return NCP_ERR_INVALID_PID;  // a child has no children
}

NCP_EXPORT bool OH_Ability_IsNativeChildProcessSupported(void) { return false; }

// ---- ncp extension: a child has no children to report.

NCP_EXPORT int ncp_RegisterChildExitListener(NCP_OnChildExit listener,
                                             void* /*user_data*/) {
  return listener == nullptr ? NCP_ERR_INVALID_PARAM : NCP_ERR_ALREADY_IN_CHILD;
}

NCP_EXPORT int ncp_UnregisterChildExitListener(NCP_OnChildExit listener,
                                               void* /*user_data*/) {
  return listener == nullptr ? NCP_ERR_INVALID_PARAM
                             : NCP_ERR_CALLBACK_NOT_EXIST;
}

NCP_EXPORT int ncp_GetSpawnStages(int32_t /*pid*/, NCP_SpawnStages* out) {
  return out == nullptr ? NCP_ERR_INVALID_PARAM : NCP_ERR_INVALID_PID;
}
