// The child trampoline's two lives (no abseil).
#ifndef NCP_API_CHILD_FLOWS_H_
#define NCP_API_CHILD_FLOWS_H_

#include <sys/types.h>

#include <string>

#include "api/bootstrap.h"

namespace ncp::ipc {
struct Bridge;
}  // namespace ncp::ipc

namespace ncp::api {

// The private table (ipc/bridge.h) of the libipc_capi.so loaded as
// `ipc_library`, or NULL.
const ipc::Bridge* IpcBridgeOf(void* ipc_library);

// What an isolated child (Bootstrap::kRunAsInit) still has to do about
// its pid namespace's init.
enum class InitRole {
  kNone,    // nothing: not isolated, or its init forked it already (exec'd)
  kBecome,  // this process is pid 1: fork the real child, serve as its init
  kForked,  // this process is the real child its init forked ahead of time
};

// A child's life once its process exists with its fd table in place: init
// (see InitRole), name, then the Start* or Create* flow. `ipc_library`: the
// dlopen() handle of libipc_capi.so (Create* needs it).
[[noreturn]] void RunChild(const Bootstrap& boot, void* ipc_library,
                           InitRole init);

// Pid 1 of an isolated child's pid namespace, once the real child `child`
// exists: closes every fd but `status_fd`, reaps, forwards signals to
// `child`, and when it ends writes an InitReport on `status_fd` (if >= 0)
// and exits the same way.
[[noreturn]] void ServeAsInit(pid_t child, int status_fd);

// The real child's side of it: dumpable again, seccomp kills reported on
// `status_fd` (a copy), which it then closes.
void BecomeInitsChild(int status_fd);

// Names this process (comm and, as far as the argv area allows, cmdline).
void SetProcessName(const std::string& name);

// A zygote's child: `fd` is closed when the child is past its start (just
// before the entry function or MainProc runs), which the zygote waits for
// before it forks its next spare, so as not to compete with the child.
void SetStartedFd(int fd);

// The zygote (zygote.cc): serves fork requests on boot.channel_fd until the
// app closes it.
[[noreturn]] void RunZygote(const Bootstrap& boot, void* ipc_library);

}  // namespace ncp::api

#endif  // NCP_API_CHILD_FLOWS_H_
