#include "isolation/isolation.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "isolation/mount_plan.h"
#include "isolation/sandbox_paths.h"
#include "isolation/seccomp_policy.h"

namespace ncp::isolation {
namespace {

int CapLastCap() {
  static const int last = [] {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int value = 40;
    in >> value;
    return in ? value : 40;
  }();
  return last;
}

// True if `id` is mapped in this process's user namespace (its
// /proc/self/uid_map or gid_map): root in a container may not own the pool.
bool IdMapped(const char* map_file, uint32_t id) {
  std::ifstream in(map_file);
  uint64_t inside, outside, count;
  while (in >> inside >> outside >> count) {
    if (id >= inside && id - inside < count) return true;
  }
  return false;
}

class Plan : public IsolationPlan {
 public:
  void ApplyTo(spawner::SpawnPlan& plan) const override {
    plan.namespace_flags = namespace_flags_;
    plan.uid_map = uid_map_.empty() ? nullptr : uid_map_.c_str();
    plan.gid_map = gid_map_.empty() ? nullptr : gid_map_.c_str();
    // Any existing directory works as the staging point: in the child's own
    // mount namespace a tmpfs is mounted over it and pivoted into.
    plan.root_staging = "/tmp";
    plan.mounts = mounts_.ops().data();
    plan.n_mounts = static_cast<int>(mounts_.ops().size());
    plan.root_read_only = true;
    plan.hostname = "ncp-sandbox";
    plan.loopback_up = true;
    plan.drop_capabilities = true;
    plan.cap_last_cap = CapLastCap();
    plan.set_ids = set_ids_;
    plan.uid = uid_;
    plan.gid = gid_;
    plan.no_new_privs = true;
    plan.seccomp_filter = filter_->data();
    plan.seccomp_filter_len = static_cast<unsigned short>(filter_->size());
  }
  uid_t ChildUid() const override { return child_uid_; }
  bool UsesUserNamespace() const override {
    return (namespace_flags_ & CLONE_NEWUSER) != 0;
  }

  MountPlan mounts_;
  uint64_t namespace_flags_ = 0;
  std::string uid_map_, gid_map_;
  bool set_ids_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  uid_t child_uid_ = 0;
  const std::vector<sock_filter>* filter_ = nullptr;
};

absl::Status AddEnvBinds(const char* variable, bool writable,
                         std::vector<BindPath>* out) {
  const char* value = getenv(variable);
  if (value == nullptr) return absl::OkStatus();
  for (absl::string_view path : absl::StrSplit(value, ':', absl::SkipEmpty())) {
    out->push_back(BindPath{std::string(path), writable});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IsolationPlan>> BuildIsolationPlan(
    const IsolationOptions& options) {
  auto plan = std::make_unique<Plan>();
  const uid_t euid = geteuid();
  const gid_t egid = getegid();
  if (options.separate_uid &&
      (options.uid_slot < 0 || options.uid_slot >= kIsolatedUidCount)) {
    return absl::InvalidArgumentError("no isolation uid slot");
  }
  const uid_t pool_id = kIsolatedUidBase + static_cast<uid_t>(options.uid_slot);

  plan->namespace_flags_ =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
  const bool pool_ids_usable = options.separate_uid &&
                               IdMapped("/proc/self/uid_map", pool_id) &&
                               IdMapped("/proc/self/gid_map", pool_id);
  if (euid != 0 || (options.separate_uid && !pool_ids_usable)) {
    // Unprivileged (or root whose user namespace does not map the pool): a
    // user namespace owns the others. The child maps only itself: as its
    // own uid, or (SetIsolationUid) as a pool uid that is different from
    // the app's inside the sandbox.
    plan->namespace_flags_ |= CLONE_NEWUSER;
    plan->child_uid_ = options.separate_uid ? pool_id : euid;
    gid_t child_gid = options.separate_uid ? pool_id : egid;
    plan->uid_map_ = absl::StrCat(plan->child_uid_, " ", euid, " 1\n");
    plan->gid_map_ = absl::StrCat(child_gid, " ", egid, " 1\n");
  } else if (options.separate_uid) {
    plan->set_ids_ = true;
    plan->uid_ = pool_id;
    plan->gid_ = pool_id;
    plan->child_uid_ = pool_id;
  }
  const uid_t owner_uid = plan->child_uid_;
  const gid_t owner_gid = options.separate_uid ? pool_id : egid;

  MountPlan& m = plan->mounts_;
  m.AddSystem();
  m.AddProc();
  m.AddDev();
  m.AddTmpfs("/tmp", "mode=1777");

  if (!options.data_dir.empty()) {
    const std::string& dir = options.data_dir;
    if (dir[0] != '/' || absl::StrContains(dir + "/", "/../") ||
        absl::StrContains(dir + "/", "/./") || IsSystemPath(dir)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "app data dir \"", dir,
          "\" must be an absolute path outside the system directories"));
    }
    m.AddTmpfs(dir,
               absl::StrCat("mode=0700,uid=", owner_uid, ",gid=", owner_gid));
  }

  for (const std::string& path : options.read_only_paths) {
    std::string canonical;
    absl::Status s = CanonicalExistingPath(path, &canonical);
    if (!s.ok()) return s;
    // A library's whole directory, so that its neighbours resolve too.
    size_t slash = canonical.rfind('/');
    std::string dir = slash == 0 ? "/" : canonical.substr(0, slash);
    if (dir == "/") dir = canonical;
    if (!(s = m.AddBind(dir, /*writable=*/false)).ok()) return s;
  }

  std::vector<BindPath> binds = options.extra_binds;
  AddEnvBinds("NCP_SANDBOX_RO", false, &binds).IgnoreError();
  AddEnvBinds("NCP_SANDBOX_RW", true, &binds).IgnoreError();
  for (const BindPath& bind : binds) {
    std::string canonical;
    absl::Status s = CanonicalExistingPath(bind.path, &canonical);
    if (!s.ok()) return s;
    if (bind.writable && IsSystemPath(canonical)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sandbox path \"", bind.path,
                       "\" is a system directory; it cannot be "
                       "made writable"));
    }
    if (!(s = m.AddBind(canonical, bind.writable)).ok()) return s;
  }

  absl::StatusOr<const std::vector<sock_filter>*> filter =
      IsolatedSeccompFilter();
  if (!filter.ok()) return filter.status();
  plan->filter_ = *filter;
  return plan;
}

}  // namespace ncp::isolation
