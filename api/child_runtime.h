// The parent-side runtime behind OH_Ability_*: live children, limits, exit
// callbacks, kill. One per process (base/per_process.h).
//
// Locking: mu_ is never held while spawning (the supervisor thread takes
// it to record exits) nor while user callbacks run.
#ifndef NCP_API_CHILD_RUNTIME_H_
#define NCP_API_CHILD_RUNTIME_H_

#include <sys/types.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/validation.h"
#include "base/unique_fd.h"
#include "spawner/supervisor.h"

namespace ncp::api {

struct ChildOptions {
  bool isolated = false;
  bool isolation_uid = false;
  std::string process_name;  // custom part; empty: the default name
};

class ChildRuntime {
 public:
  static ChildRuntime& Get();

  // Start*: arguments already validated by the C layer.
  absl::StatusOr<pid_t> Start(const EntryPoint& entry, const char* params,
                              const std::vector<NamedFd>& fds,
                              const ChildOptions& options);

  // SIGKILLs a live child of this process and waits until its exit has been
  // recorded (so the limits count it out before this returns).
  absl::Status Kill(pid_t pid);

  absl::Status RegisterExitCallback(OH_Ability_OnNativeChildProcessExit cb);
  absl::Status UnregisterExitCallback(OH_Ability_OnNativeChildProcessExit cb);

  // Children started and not yet seen exiting (tests, diagnostics).
  int LiveChildren();

  ChildRuntime() = default;  // use Get()

 private:
  enum class Kind { kStart, kCreate };
  struct Record {
    pid_t pid = -1;
    Kind kind = Kind::kStart;
    UniqueFd pidfd;
    UniqueFd status_fd;  // isolated: the init's report
    int uid_slot = -1;   // isolated with its own uid
  };

  // Reserves a slot under the 512 (and, for Create*, 50) limits and takes
  // the next name counter.
  absl::StatusOr<uint64_t> Reserve(Kind kind);
  void Unreserve(Kind kind);

  // Takes / returns a slot of the isolation uid pool (-1: none free).
  int TakeUidSlot();
  void ReturnUidSlot(int slot);

  // Runs on the supervisor thread when a child has been reaped.
  void OnExit(const spawner::ChildExit& exit);

  // std::mutex, not absl::Mutex: see base/notification.h.
  std::mutex mu_;  // guards everything below
  std::condition_variable child_gone_;
  absl::flat_hash_map<pid_t, std::unique_ptr<Record>> children_;
  int reserved_ = 0;
  int reserved_ipc_ = 0;
  int live_ipc_ = 0;
  uint64_t name_counter_ = 0;
  std::vector<bool> uid_slots_;  // SetIsolationUid pool, by slot
  std::vector<OH_Ability_OnNativeChildProcessExit> exit_callbacks_;
};

}  // namespace ncp::api

#endif  // NCP_API_CHILD_RUNTIME_H_
