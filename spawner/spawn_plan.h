// The spawn plan: everything the child does between clone and exec.
//
// Built and validated in the parent (see plan_builder.h); executed in the
// child by child_setup.cc, which may only read it. It holds plain data and
// pointers into storage the parent keeps alive until clone returns.
#ifndef NCP_SPAWNER_SPAWN_PLAN_H_
#define NCP_SPAWNER_SPAWN_PLAN_H_

#include <linux/filter.h>
#include <stdint.h>
#include <sys/types.h>

namespace ncp::spawner {

// Stages of the child's setup, in execution order. A failure is reported to
// the parent as {stage, errno, index} (index: which mount op or fd).
enum class Stage : int32_t {
  kNone = 0,
  kSignals,
  kUserNamespace,
  kMountPrivate,
  kMountRoot,
  kMountOp,
  kPivotRoot,
  kHostname,
  kLoopback,
  kFds,
  kCloseFds,
  kCapabilities,
  kIds,
  kNoNewPrivs,
  kParentDeath,
  kSeccomp,
  kExec,
};

// Human-readable stage name ("mount", "seccomp", ...). Never NULL.
const char* StageName(Stage stage);

// Written by the child (which shares the parent's memory until exec), read
// by the parent after clone returns. stage == kNone means exec happened.
// SpawnPlan::phases.
inline constexpr uint32_t kPhaseNamespaces = 1;   // id maps, mounts, host, lo
inline constexpr uint32_t kPhaseFds = 2;          // the fd table
inline constexpr uint32_t kPhaseCredentials = 4;  // caps, ids, pdeath, seccomp

// Slots of the trace page (ncp/trace.h: NCP_STAGE_*).
inline constexpr int kTraceStageCloned = 2;
inline constexpr int kTraceStageMounted = 3;
inline constexpr int kTraceStageSandboxed = 4;

struct SetupReport {
  volatile int32_t stage;
  volatile int32_t err;    // positive errno
  volatile int32_t index;  // mount op / fd index, or -1
};

enum class MountOpKind : int32_t {
  kMkdir,            // mkdir(target, 0755); EEXIST is fine
  kBind,             // bind source on target (recursive), read-write
  kBindReadOnly,     // bind source on target (recursive), then read-only
  kTmpfs,            // tmpfs on target; data = mount options
  kProc,             // proc on target
  kCreateFile,       // empty file at target (a bind target for a file)
  kSymlink,          // symlink(source, target)
  kRemountReadOnly,  // make the mount at target read-only (recursive)
};

struct MountOp {
  MountOpKind kind;
  const char* source;
  const char* target;
  const char* data;     // kTmpfs options, or NULL
  unsigned long flags;  // extra MS_* flags (nosuid, nodev, noexec, ...)
  int optional;         // 1: a missing source is skipped, not an error
};

struct SpawnPlan {
  // What to run. exec_fd >= 0: execveat(exec_fd, "", AT_EMPTY_PATH);
  // otherwise execve(exec_path).
  int exec_fd = -1;
  const char* exec_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;

  // The child's fd table: fd i (0 <= i < n_fds) becomes a dup of
  // source_fds[i]; every other fd is closed before exec.
  const int* source_fds = nullptr;
  int n_fds = 0;

  // CLONE_NEW* flags for clone3.
  uint64_t namespace_flags = 0;

  // With CLONE_NEWUSER: "inside outside count\n" lines written by the child
  // to its own uid_map / gid_map (after "deny" to setgroups).
  const char* uid_map = nullptr;
  const char* gid_map = nullptr;

  // File system. With a non-NULL root_staging (an existing directory), the
  // child builds a new root: tmpfs on root_staging, pivot_root into it, run
  // `mounts` (paths prefixed /oldroot for sources, /newroot for targets),
  // then pivot into /newroot and detach the old root.
  const char* root_staging = nullptr;
  const MountOp* mounts = nullptr;
  int n_mounts = 0;
  bool root_read_only = false;

  const char* hostname = nullptr;  // with CLONE_NEWUTS
  bool loopback_up = false;        // with CLONE_NEWNET

  // Credentials: drop every capability (bounding, ambient, inheritable,
  // permitted, effective) and lock securebits; optionally change ids.
  bool drop_capabilities = false;
  int cap_last_cap = 40;
  bool set_ids = false;
  uid_t uid = 0;
  gid_t gid = 0;

  bool no_new_privs = false;
  const sock_filter* seccomp_filter = nullptr;
  unsigned short seccomp_filter_len = 0;

  // PR_SET_PDEATHSIG, then a check that the parent (parent_pidfd, a pidfd
  // of the parent process) has not already gone.
  int pdeath_signal = 0;
  int parent_pidfd = -1;

  // Set by the spawner. Without CLONE_CLEAR_SIGHAND the child resets every
  // handler itself.
  bool reset_signal_handlers = false;

  // Spawn stage tracing (ncp/trace.h): the fd table index of a trace page,
  // or -1. At the end of the setup the child writes the CLOCK_MONOTONIC
  // times (int64 ns) at which it reached kTraceStageCloned, ..Mounted (0
  // without CLONE_NEWNS) and ..Sandboxed, at offset 8 * stage.
  int trace_fd_index = -1;

  // Which phases RunChildSetup runs (a zygote's spare runs the namespace
  // and credential phases in advance, the fd phase once it has a request).
  // The order is always: namespaces, fds, credentials (seccomp last).
  uint32_t phases = kPhaseNamespaces | kPhaseFds | kPhaseCredentials;

  SetupReport* report = nullptr;
  // A zygote's child cannot write into its parent's memory: a failure is
  // also written here, as int32 {stage, errno, index}.
  int report_fd = -1;
  // Further fds the fd phase keeps (CLOEXEC, above the table, like the
  // report fd; -1: none); RunChildSetup tells their new numbers. A zygote's
  // spare: the isolated child's link to its init (which forwards the
  // verdict) and its end of the status pipe; a Create* child's IPC runtime
  // (epoll set, work queue) and both ends of its channel, made in advance.
  static constexpr int kMaxKeptFds = 6;
  int kept_fds[kMaxKeptFds] = {-1, -1, -1, -1, -1, -1};
};

}  // namespace ncp::spawner

#endif  // NCP_SPAWNER_SPAWN_PLAN_H_
