// The child trampoline's two lives (no abseil).
#ifndef NCP_API_CHILD_FLOWS_H_
#define NCP_API_CHILD_FLOWS_H_

#include <string>

#include "api/bootstrap.h"

namespace ncp::api {

// A child's life once its process exists with its fd table in place: init
// (if isolated and `become_init`), name, then the Start* or Create* flow.
// `ipc_library`: the dlopen() handle of libipc_capi.so (Create* needs it).
[[noreturn]] void RunChild(const Bootstrap& boot, void* ipc_library,
                           bool become_init);

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
