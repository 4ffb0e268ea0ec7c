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

struct IsolationOptions {
  // SetIsolationUid(true): run as a uid/gid of the child's own.
  bool separate_uid = false;
  // The app data dir; the child gets a fresh private one at this path.
  std::string data_dir;
  // Files or directories the child must see read-only at the same path
  // (the user's library, the ncp libraries).
  std::vector<std::string> read_only_paths;
  // Extra paths the app asked for (NCP_SANDBOX_RO / NCP_SANDBOX_RW).
  std::vector<BindPath> extra_binds;
};

class IsolationPlan {
 public:
  virtual ~IsolationPlan() = default;
  // Fills the isolation fields of `plan` (namespace_flags, maps, mounts,
  // credentials, seccomp). Pointers refer into this object.
  virtual void ApplyTo(spawner::SpawnPlan& plan) const = 0;
  // The uid the child runs as, seen from the parent (for diagnostics).
  virtual uid_t ChildUid() const = 0;
};

// Plans a sandbox for one child. Fails with UNIMPLEMENTED (-> 801) when the
// kernel cannot provide it (e.g. no user namespaces for a non-root caller)
// and INVALID_ARGUMENT for bad options.
absl::StatusOr<std::unique_ptr<IsolationPlan>> BuildIsolationPlan(
    const IsolationOptions& options);

}  // namespace ncp::isolation

#endif  // NCP_ISOLATION_ISOLATION_H_
