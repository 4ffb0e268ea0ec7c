// The supervisor: one library-owned thread per process that clones every
// child and watches every child's pidfd.
//
// Why one thread clones: PR_SET_PDEATHSIG fires when the *thread* that
// created a child exits, not the process. Cloning from a thread that lives
// as long as the process makes "children die with the app" hold whichever
// app thread asked for the child.
//
// Why pidfds + epoll: no thread per child, no SIGCHLD handler (the library
// never touches the app's signal dispositions, and only ever waits for its
// own children, by pidfd), no zombies (each exit is reaped with
// waitid(P_PIDFD)).
//
// User-visible callbacks never run on the supervisor thread: Post() queues
// them for the callback thread, so a slow callback cannot delay reaping.
#ifndef NCP_SPAWNER_SUPERVISOR_H_
#define NCP_SPAWNER_SUPERVISOR_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "spawner/spawner.h"

namespace ncp::spawner {

// How a child ended, from waitid().
struct ChildExit {
  pid_t pid = 0;
  bool signaled = false;  // killed by a signal
  int status = 0;         // exit code, or the signal number if signaled
  bool core_dumped = false;
  bool status_unknown = false;  // reaped by someone else (see Reap)
};

// Kills the child behind `pidfd` (SIGKILL) and waits until it is reaped,
// on the calling thread: for a child nobody watches (Supervisor::Watch
// failed). An isolated child's pid is its namespace's init: its namespace
// dies with it.
ChildExit KillAndReap(pid_t pid, int pidfd);

class Supervisor {
 public:
  // The process-wide supervisor; its threads start on first use. In a
  // process forked from one that had a supervisor, a fresh one is created
  // (the parent's children are not the fork's children).
  static Supervisor& Get();

  // Runs spawner::Spawn(plan) on the supervisor thread and waits for it.
  absl::StatusOr<SpawnedChild> Spawn(SpawnPlan& plan);

  // Calls `on_exit` on the supervisor thread once the child behind `pidfd`
  // has exited and has been reaped. `pidfd` must stay open until then.
  // `on_exit` must be quick and must not block on the supervisor (it may
  // call Post, AddTimer, CancelTimer). False if the pidfd cannot be watched
  // (epoll_ctl: ENOSPC past fs.epoll.max_user_watches, ENOMEM): nothing
  // will be called then, and the caller must end the child itself
  // (KillAndReap).
  [[nodiscard]] bool Watch(pid_t pid, int pidfd,
                           std::function<void(const ChildExit&)> on_exit);

  // Runs `fn` on the supervisor thread at `deadline` unless cancelled
  // first. Same rules as on_exit. Returns a non-zero timer id.
  uint64_t AddTimer(absl::Time deadline, std::function<void()> fn);
  // Returns true if the timer was cancelled before it ran.
  bool CancelTimer(uint64_t id);

  // Queues `fn` to run on the callback thread (FIFO, one at a time).
  void Post(std::function<void()> fn);

  // True on the supervisor thread / on the callback thread.
  bool OnSupervisorThread() const;
  // The supervisor thread's id (children are cloned from it and inherit
  // its per-thread state: CPU affinity, nice, seccomp), 0 if not running.
  pid_t ThreadId() const;
  bool OnCallbackThread() const;

  // Number of children being watched (for tests and leak checks).
  int WatchedCount();

  // Use Get(). (Public for base/per_process.h; never destroyed.)
  Supervisor();

  class Impl;

 private:
  Impl* impl_;
};

}  // namespace ncp::spawner

#endif  // NCP_SPAWNER_SUPERVISOR_H_
