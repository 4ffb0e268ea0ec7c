// ncp_ChildExitKindName / ncp_SetupStageName / ncp_SpawnStageName: in the
// parent library and in the child trampoline alike.
#include "api/exports.h"
#include "api/validation.h"
#include "ncp/child_exit.h"
#include "ncp/trace.h"

NCP_EXPORT const char* ncp_ChildExitKindName(NCP_ChildExitKind kind) {
  switch (ncp::api::EnumValue(kind)) {
    case NCP_CHILD_EXITED:
      return "exited";
    case NCP_CHILD_KILLED:
      return "killed";
    case NCP_CHILD_SECCOMP_KILLED:
      return "killed by seccomp";
    case NCP_CHILD_SETUP_FAILED:
      return "setup failed";
    case NCP_CHILD_START_TIMEOUT:
      return "start timeout";
    case NCP_CHILD_STATUS_UNKNOWN:
      return "status unknown";
  }
  return "unknown";
}

NCP_EXPORT const char* ncp_SetupStageName(NCP_SetupStage stage) {
  switch (ncp::api::EnumValue(stage)) {
    case NCP_SETUP_CLONE:
      return "clone";
    case NCP_SETUP_SIGNALS:
      return "signals";
    case NCP_SETUP_USER_NAMESPACE:
      return "user namespace";
    case NCP_SETUP_MOUNT_PRIVATE:
      return "mount propagation";
    case NCP_SETUP_MOUNT_ROOT:
      return "new root";
    case NCP_SETUP_MOUNT:
      return "mount";
    case NCP_SETUP_PIVOT_ROOT:
      return "pivot_root";
    case NCP_SETUP_HOSTNAME:
      return "hostname";
    case NCP_SETUP_LOOPBACK:
      return "loopback";
    case NCP_SETUP_FDS:
      return "fd table";
    case NCP_SETUP_CLOSE_FDS:
      return "close fds";
    case NCP_SETUP_CAPABILITIES:
      return "capabilities";
    case NCP_SETUP_IDS:
      return "uid/gid";
    case NCP_SETUP_NO_NEW_PRIVS:
      return "no_new_privs";
    case NCP_SETUP_PARENT_DEATH:
      return "parent death signal";
    case NCP_SETUP_SECCOMP:
      return "seccomp";
    case NCP_SETUP_EXEC:
      return "exec";
  }
  return "unknown";
}

NCP_EXPORT const char* ncp_SpawnStageName(NCP_SpawnStage stage) {
  switch (stage) {
    case NCP_STAGE_CALLED:
      return "called";
    case NCP_STAGE_LAUNCHING:
      return "launching";
    case NCP_STAGE_CLONED:
      return "cloned";
    case NCP_STAGE_MOUNTED:
      return "mounted";
    case NCP_STAGE_SANDBOXED:
      return "sandboxed";
    case NCP_STAGE_RUNNING:
      return "running";
    case NCP_STAGE_LOADED:
      return "loaded";
    case NCP_STAGE_ENTRY:
      return "entry";
    case NCP_STAGE_RETURNED:
      return "returned";
    case NCP_STAGE_CONNECTED:
      return "connected";
    case NCP_STAGE_PROXY:
      return "proxy";
    case NCP_STAGE_COUNT:
      break;
  }
  return "unknown";
}
