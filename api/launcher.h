// Launching a child: from a LaunchRequest (what to run, which fds, which
// isolation) to a running trampoline with a pid and a pidfd.
//
// The API layer only talks to the Launcher interface. The direct launcher
// clones from the supervisor thread and execs the embedded trampoline; a
// pre-initialised zygote can implement the same interface later without
// touching the API layer.
#ifndef NCP_API_LAUNCHER_H_
#define NCP_API_LAUNCHER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/bootstrap.h"
#include "api/spawn_trace.h"
#include "api/validation.h"
#include "base/unique_fd.h"
#include "isolation/isolation.h"

namespace ncp::api {

struct LaunchRequest {
  // What the trampoline runs. The launcher fills in the fd numbers
  // (bootstrap.fds, channel_fd, status_fd) and the kRunAsInit flag.
  Bootstrap bootstrap;
  // Parent fds handed to the child, sorted by name; used during the call
  // only (the child gets duplicates).
  std::vector<NamedFd> fds;
  // The child's end of a socket it gets as its channel (the zygote's
  // control socket; used during the call only).
  int channel_fd = -1;
  // Create*: the child gets one end of a new IPC socket pair as its
  // channel, the parent the other (LaunchedChild::channel). A zygote's
  // NORMAL spare has made one in advance.
  bool wants_channel = false;
  // ISOLATED mode (nullptr: NORMAL).
  const isolation::IsolationOptions* isolation = nullptr;
  // Arguments after argv[0] (the process name) for an exec'd trampoline.
  std::vector<std::string> extra_argv;
  // Spawn stage tracing (ncp/trace.h), or nullptr.
  SpawnTrace* trace = nullptr;
};

struct LaunchedChild {
  pid_t pid = -1;
  UniqueFd pidfd;
  // Isolated children: read end of the init's report channel (InitReport).
  UniqueFd status_fd;
  // LaunchRequest::wants_channel: the parent's end.
  UniqueFd channel;
  // Isolated children with their own uid: the uid taken from the pool.
  int isolation_uid_slot = -1;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual absl::StatusOr<LaunchedChild> Launch(LaunchRequest& request) = 0;
};

// The process's launcher: a zygote (api/zygote_protocol.h) unless
// NCP_ZYGOTE=0, falling back to cloning and exec'ing the trampoline
// directly whenever the zygote cannot be used.
Launcher& DefaultLauncher();

// True if the trampoline can be prepared (memfd + exec possible here).
bool LauncherAvailable();

}  // namespace ncp::api

#endif  // NCP_API_LAUNCHER_H_
