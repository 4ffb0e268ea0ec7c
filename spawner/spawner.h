// Clone a child that runs a SpawnPlan and execs.
//
// The child is created with clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD |
// CLONE_CLEAR_SIGHAND | namespace flags): it shares no memory with the
// caller after exec and comes with a pidfd. (exit_signal is 0, but execve
// resets it to SIGCHLD: an app that reaps with waitpid(-1) can take a
// child's status; the supervisor then reports it as unknown.)
// Fallbacks, each used only when the kernel or a seccomp filter refuses the
// one before: clone3 without CLONE_CLEAR_SIGHAND (handlers reset by the
// child), clone() with CLONE_PIDFD, clone() then pidfd_open().
#ifndef NCP_SPAWNER_SPAWNER_H_
#define NCP_SPAWNER_SPAWNER_H_

#include <sys/types.h>

#include <optional>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"
#include "spawner/spawn_plan.h"

namespace ncp::spawner {

struct SpawnedChild {
  pid_t pid = -1;
  UniqueFd pidfd;  // always valid on success
};

// Which clone path the spawner ended up using (for tests and diagnostics).
enum class CloneMethod {
  kClone3,
  kClone3NoClearSighand,
  kClone,
  kCloneThenPidfdOpen
};
const char* CloneMethodName(CloneMethod method);

// Clones a child that executes `plan` (see child_setup.h) and execs.
// Returns once the child has exec'd, or an error if setup failed before
// exec (status message names the stage, e.g. "mount(/newroot/proc): ...";
// the failed child has been reaped). `plan.report` is overwritten.
//
// PR_SET_PDEATHSIG in the plan ties the child to the *calling thread*: call
// this from a thread that lives as long as the process (the supervisor).
// Thread-safe; blocks all signals in the calling thread while cloning.
absl::StatusOr<SpawnedChild> Spawn(SpawnPlan& plan);

// The method the most recent successful Spawn() used.
CloneMethod LastCloneMethod();

// Where a failed Spawn() failed: the stage (kNone: clone itself), the errno,
// and the pid of the child that failed (0 if clone failed). Present in
// every error Spawn() returns.
struct SetupFailure {
  Stage stage = Stage::kNone;
  int err = 0;
  pid_t pid = 0;
};
std::optional<SetupFailure> GetSetupFailure(const absl::Status& status);
// A failed spawn's status (as Spawn() returns it) from its parts, e.g. as a
// zygote reported them.
absl::Status MakeSetupFailure(Stage stage, int err, pid_t pid, int index);
// Copies the SetupFailure of `from` (if any) onto `to`.
void CopySetupFailure(const absl::Status& from, absl::Status* to);

}  // namespace ncp::spawner

#endif  // NCP_SPAWNER_SPAWNER_H_
