// ISOLATED mode: the per-child sandbox, planned in the parent.
//
// Build() turns IsolationOptions into everything the spawner's child needs
// (namespace flags, uid/gid maps, mount operations, seccomp filter,
// capability and id changes); ApplyTo() points a SpawnPlan at it. The plan
// object owns all strings and arrays the SpawnPlan refers to, so it must
// outlive the spawn.
#ifndef NCP_ISOLATION_ISOLATION_H_
#define NCP_ISOLATION_ISOLATION_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "spawner/spawn_plan.h"

namespace ncp::isolation {

struct BindPath {
  std::string path;  // absolute; shown at the same path in the sandbox
  bool writable = false;
};

// The uid/gid pool of SetIsolationUid(true) children (OpenHarmony's range).
inline constexpr uid_t kIsolatedUidBase = 110000;
inline constexpr int kIsolatedUidCount = 10000;

struct IsolationOptions {
  // SetIsolationUid(true): run as kIsolatedUidBase + uid_slot (uid and gid),
  // a slot the caller reserved for this child alone.
  bool separate_uid = false;
  int uid_slot = -1;
  // The app data dir; the child gets a fresh private one at this path.
  std::string data_dir;
  // Files or directories the child must see read-only at the same path
  // (the user's library, the ncp libraries).
  std::vector<std::string> read_only_paths;
  // As read_only_paths, but canonical already (the caller resolved them
  // just now, as the user's library is): their directories are bound
  // without another lookup (~4 system calls of every ISOLATED spawn).
  std::vector<std::string> canonical_read_only_paths;
  // Extra paths the app asked for (NCP_SANDBOX_RO / NCP_SANDBOX_RW).
  std::vector<BindPath> extra_binds;
};

class IsolationPlan {
 public:
  virtual ~IsolationPlan() = default;
  // Fills the isolation fields of `plan` (namespace_flags, maps, mounts,
  // credentials, seccomp). Pointers refer into this object.
  virtual void ApplyTo(spawner::SpawnPlan& plan) const = 0;
  // The uid the child sees itself as (inside its user namespace, if any).
  virtual uid_t ChildUid() const = 0;
  // True if the plan creates a user namespace (unprivileged caller).
  virtual bool UsesUserNamespace() const = 0;
};

// Plans a sandbox for one child: new mount, pid, net, ipc and uts
// namespaces, and a user namespace when the caller is not root; the system
// read-only, fresh /tmp, /dev/shm and data dir, a minimal /dev, proc of its
// own; no capabilities, no_new_privs, the seccomp filter. Fails with
// INVALID_ARGUMENT for bad options (bind paths, data dir), INTERNAL if the
// seccomp filter cannot be built. Whether the kernel lets the plan run is
// only known at clone time.
//
// Extra bind paths also come from the environment: NCP_SANDBOX_RO and
// NCP_SANDBOX_RW, colon-separated absolute paths.
//
// The options are checked and their paths made canonical on every call; a
// plan built from the same canonical inputs in the last 5 seconds is
// returned again (plans are immutable, shared by the spawns using them).
absl::StatusOr<std::shared_ptr<const IsolationPlan>> BuildIsolationPlan(
    const IsolationOptions& options);

}  // namespace ncp::isolation

#endif  // NCP_ISOLATION_ISOLATION_H_
