// The parent-side runtime behind OH_Ability_*: live children, limits, exit
// callbacks, kill. One per process (base/per_process.h).
//
// Locking: mu_ is never held while spawning (the supervisor thread takes
// it to record exits) nor while user callbacks run.
#ifndef NCP_API_CHILD_RUNTIME_H_
#define NCP_API_CHILD_RUNTIME_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_cremote_object.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/bootstrap.h"
#include "api/create_session.h"
#include "api/spawn_trace.h"
#include "api/validation.h"
#include "base/unique_fd.h"
#include "ncp/child_exit.h"
#include "spawner/supervisor.h"

namespace ncp::api {

struct ChildOptions {
  bool isolated = false;
  bool isolation_uid = false;
  std::string process_name;  // custom part; empty: the default name
  // ncp/sandbox.h
  std::vector<std::pair<std::string, bool>> sandbox_paths;
  std::string data_dir;  // empty: AppDataDir()
};

class ChildRuntime {
 public:
  static ChildRuntime& Get();

  // Start*: arguments already validated by the C layer.
  absl::StatusOr<pid_t> Start(const EntryPoint& entry, const char* params,
                              const std::vector<NamedFd>& fds,
                              const ChildOptions& options);

  // Create*: the library name already checked by the C layer. On success
  // `on_started` will be called exactly once (see native_child_process.h).
  absl::Status Create(const std::string& library,
                      OH_Ability_OnNativeChildProcessStarted on_started,
                      const ChildOptions& options);

  // SIGKILLs a live child of this process and waits until its exit has been
  // recorded (so the limits count it out before this returns).
  absl::Status Kill(pid_t pid);

  absl::Status RegisterExitCallback(OH_Ability_OnNativeChildProcessExit cb);
  absl::Status UnregisterExitCallback(OH_Ability_OnNativeChildProcessExit cb);

  // The ncp_ extension (ncp/child_exit.h): every child, typed.
  absl::Status AddExitListener(NCP_OnChildExit listener, void* user_data);
  absl::Status RemoveExitListener(NCP_OnChildExit listener, void* user_data);

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
    bool isolated = false;
    bool timed_out = false;  // Create*: killed by the start timeout
    // The call that launched it failed after the launch (it was killed):
    // its end is nobody's news (no exit callback, listener or start
    // callback), since the caller never got its pid.
    bool unreported = false;
    // Create*: the start callback's state, and our reference to the
    // registrar stub offered to the child (set by Create once its end of
    // the channel is adopted, after the launch).
    std::shared_ptr<CreateSession> session;
    OHIPCRemoteStub* registrar = nullptr;
    // Create*: a duplicate of this process's end of the child's IPC socket,
    // shut down for reading when the child exits (OnExit).
    UniqueFd channel;
  };

  // What Start and Create share: reserve, name, isolate, launch, record,
  // watch. `channel` (Create*): receives this process's end of the child's
  // IPC socket pair.
  absl::StatusOr<pid_t> Launch(Kind kind, Bootstrap boot,
                               const std::vector<NamedFd>& fds,
                               const ChildOptions& options, UniqueFd* channel,
                               std::shared_ptr<CreateSession> session,
                               std::shared_ptr<SpawnTrace> trace);

  // For a call that fails after its child was launched: marks the child
  // unreported and kills it (the supervisor reaps it).
  void Abandon(pid_t pid);

  // Waits until one Create*-type child has exited (not necessarily been
  // processed), at most `timeout`.
  void AwaitAnIpcChildExit(std::chrono::milliseconds timeout);

  // Sends `signal` to a live child without waiting (safe on any thread).
  void Signal(pid_t pid, int signal);

  // Children that still count toward the limits: exited ones whose exit
  // the supervisor has not processed yet do not. Needs mu_.
  int CountedChildren(Kind kind);

  // Reserves a slot under the 512 (and, for Create*, 50) limits and takes
  // the next name counter.
  absl::StatusOr<uint64_t> Reserve(Kind kind);
  void Unreserve(Kind kind);

  // Takes / returns a slot of the isolation uid pool (-1: none free).
  int TakeUidSlot();
  void ReturnUidSlot(int slot);

  // Runs on the supervisor thread when a child has been reaped.
  void OnExit(const spawner::ChildExit& exit);

  // Queues `info` for the extension's listeners (callback thread).
  void PostToListeners(const NCP_ChildExitInfo& info);

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
  std::vector<std::pair<NCP_OnChildExit, void*>> exit_listeners_;
};

}  // namespace ncp::api

#endif  // NCP_API_CHILD_RUNTIME_H_
