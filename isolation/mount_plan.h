// The file system of an isolated child, as an ordered list of mount ops.
//
// Built in the parent from host paths (absolute, symlinks resolved), turned
// into spawner::MountOp entries whose sources live under /oldroot and
// targets under /newroot (see spawner/spawn_plan.h). Owns every string the
// ops point to.
#ifndef NCP_ISOLATION_MOUNT_PLAN_H_
#define NCP_ISOLATION_MOUNT_PLAN_H_

#include <sys/types.h>

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "spawner/spawn_plan.h"

namespace ncp::isolation {

class MountPlan {
 public:
  // The host's system directories, read-only: /usr, /etc and the usual
  // top-level directories (/bin, /lib*, /sbin), recreated as symlinks where
  // the host has symlinks (merged /usr).
  void AddSystem();
  // proc of the child's own pid namespace at /proc.
  void AddProc();
  // A minimal /dev: tmpfs with null, zero, full, random, urandom, tty bound
  // from the host, the /dev/fd and std* symlinks, and a private /dev/shm.
  void AddDev();
  // A fresh tmpfs at `path` (mkdir -p first), e.g. /tmp or the data dir.
  void AddTmpfs(const std::string& path, const std::string& options);
  // `path` (a file or directory on the host) visible at the same path.
  // Skipped when already visible through an earlier read-only bind of an
  // ancestor and `writable` is false.
  absl::Status AddBind(const std::string& path, bool writable);
  // The root itself becomes read-only once built (plan.root_read_only).

  const std::vector<spawner::MountOp>& ops() const { return ops_; }

 private:
  const char* Keep(std::string s);
  void MkdirChain(const std::string& path);
  bool CoveredByBind(const std::string& path) const;
  void Op(spawner::MountOpKind kind, const std::string& source,
          const std::string& target, const char* data = nullptr,
          unsigned long flags = 0, bool optional = false);

  std::deque<std::string> strings_;
  std::vector<spawner::MountOp> ops_;
  std::set<std::string> made_dirs_;
  std::vector<std::string> bound_;  // host paths bound so far
};

// "/a/b/../c" style paths are refused; returns the canonical absolute path
// of an existing `path` (symlinks resolved) or an INVALID_ARGUMENT status.
absl::Status CanonicalExistingPath(const std::string& path, std::string* out);

}  // namespace ncp::isolation

#endif  // NCP_ISOLATION_MOUNT_PLAN_H_
