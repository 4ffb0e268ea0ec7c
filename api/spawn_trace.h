// Spawn stage tracing (the ncp/trace.h extension), parent side.
//
// With NCP_TRACE_STAGES=1, each spawn gets a SpawnTrace: one shared page
// (a memfd, mapped here) holding NCP_SpawnStages. The parent stamps its
// stages into the mapping; the child gets the memfd in its fd table and
// stamps its own with pwrite() (spawner/spawn_plan.h: trace_fd_index;
// bootstrap.trace_fd), closing it before the user's code runs.
#ifndef NCP_API_SPAWN_TRACE_H_
#define NCP_API_SPAWN_TRACE_H_

#include <sys/types.h>

#include <memory>

#include "base/unique_fd.h"
#include "ncp/trace.h"

namespace ncp::api {

class SpawnTrace {
 public:
  // A trace if NCP_TRACE_STAGES=1 (and a memfd can be had), else nullptr.
  static std::shared_ptr<SpawnTrace> MaybeStart();
  ~SpawnTrace();
  SpawnTrace(const SpawnTrace&) = delete;
  SpawnTrace& operator=(const SpawnTrace&) = delete;

  void Stamp(NCP_SpawnStage stage);
  // 0: exec'd directly; 1: forked by the zygote `zygote`; 2: its spare.
  void SetViaZygote(int how, pid_t zygote);
  // The memfd, for the child's fd table.
  int fd() const { return fd_.get(); }

  // Makes the trace findable by pid (the last 256 are kept).
  static void Register(pid_t pid, std::shared_ptr<SpawnTrace> trace);
  // ncp_GetSpawnStages.
  static bool Lookup(pid_t pid, NCP_SpawnStages* out);

 private:
  SpawnTrace(UniqueFd fd, NCP_SpawnStages* stages)
      : fd_(std::move(fd)), stages_(stages) {}
  UniqueFd fd_;
  NCP_SpawnStages* stages_;
};

}  // namespace ncp::api

#endif  // NCP_API_SPAWN_TRACE_H_
