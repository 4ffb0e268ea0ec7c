#include "isolation/isolation.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/per_process.h"
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

namespace {

// What a plan is built from, checked and canonical: a read-only or
// writable bind of an existing file or directory.
struct Bind {
  std::string path;
  bool writable;
  bool is_dir;
};

absl::Status AddCanonicalBind(const std::string& canonical, bool writable,
                              std::vector<Bind>* out) {
  struct stat st;
  if (stat(canonical.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sandbox path \"", canonical, "\" does not exist"));
  }
  out->push_back(Bind{canonical, writable, S_ISDIR(st.st_mode)});
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const IsolationPlan>> Build(
    const IsolationOptions& options, uid_t euid, gid_t egid,
    bool pool_ids_usable, const std::vector<Bind>& binds) {
  auto plan = std::make_shared<Plan>();
  const uid_t pool_id = kIsolatedUidBase + static_cast<uid_t>(options.uid_slot);
  plan->namespace_flags_ =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
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
    m.AddTmpfs(options.data_dir,
               absl::StrCat("mode=0700,uid=", owner_uid, ",gid=", owner_gid));
  }
  for (const Bind& bind : binds) {
    if (absl::Status s = m.AddBind(bind.path, bind.writable); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<const std::vector<sock_filter>*> filter =
      IsolatedSeccompFilter();
  if (!filter.ok()) return filter.status();
  plan->filter_ = *filter;
  return std::shared_ptr<const IsolationPlan>(std::move(plan));
}

// Plans built recently, by their inputs (see BuildIsolationPlan).
struct PlanCache {
  struct Entry {
    std::string key;
    std::shared_ptr<const IsolationPlan> plan;
    std::chrono::steady_clock::time_point built;
  };
  std::mutex mu;
  std::deque<Entry> entries;  // guarded by mu; newest first
};

constexpr size_t kCachedPlans = 8;
constexpr std::chrono::seconds kCachedPlanLife(5);

}  // namespace

absl::StatusOr<std::shared_ptr<const IsolationPlan>> BuildIsolationPlan(
    const IsolationOptions& options) {
  // The inputs, checked and made canonical on every call: they depend on
  // the file system as it is now.
  const uid_t euid = geteuid();
  const gid_t egid = getegid();
  if (options.separate_uid &&
      (options.uid_slot < 0 || options.uid_slot >= kIsolatedUidCount)) {
    return absl::InvalidArgumentError("no isolation uid slot");
  }
  const uid_t pool_id = kIsolatedUidBase + static_cast<uid_t>(options.uid_slot);
  const bool pool_ids_usable = options.separate_uid &&
                               IdMapped("/proc/self/uid_map", pool_id) &&
                               IdMapped("/proc/self/gid_map", pool_id);
  if (!options.data_dir.empty()) {
    const std::string& dir = options.data_dir;
    if (dir[0] != '/' || absl::StrContains(dir + "/", "/../") ||
        absl::StrContains(dir + "/", "/./") || IsSystemPath(dir)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "app data dir \"", dir,
          "\" must be an absolute path outside the system directories"));
    }
  }
  std::vector<Bind> binds;
  // A library's whole directory, so that its neighbours resolve too.
  auto add_directory_of = [&binds](const std::string& canonical,
                                   bool looked_up) {
    size_t slash = canonical.rfind('/');
    if (looked_up && slash != 0 && slash != std::string::npos) {
      // The directory of a path that exists: a directory, no lookup needed.
      binds.push_back(Bind{canonical.substr(0, slash), false, true});
      return absl::OkStatus();
    }
    // A file right under "/": itself, not "/".
    const std::string dir = slash == 0 ? canonical : canonical.substr(0, slash);
    return AddCanonicalBind(dir, /*writable=*/false, &binds);
  };
  for (const std::string& path : options.read_only_paths) {
    std::string canonical;
    absl::Status s = CanonicalExistingPath(path, &canonical);
    if (!s.ok()) return s;
    if (!(s = add_directory_of(canonical, /*looked_up=*/false)).ok()) return s;
  }
  for (const std::string& canonical : options.canonical_read_only_paths) {
    if (canonical.size() < 2 || canonical[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", canonical, "\" is not a canonical path"));
    }
    absl::Status s = add_directory_of(canonical, /*looked_up=*/true);
    if (!s.ok()) return s;
  }
  std::vector<BindPath> extra = options.extra_binds;
  AddEnvBinds("NCP_SANDBOX_RO", false, &extra).IgnoreError();
  AddEnvBinds("NCP_SANDBOX_RW", true, &extra).IgnoreError();
  for (const BindPath& bind : extra) {
    std::string canonical;
    absl::Status s = CanonicalExistingPath(bind.path, &canonical);
    if (!s.ok()) return s;
    if (bind.writable && IsSystemPath(canonical)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sandbox path \"", bind.path,
                       "\" is a system directory; it cannot be "
                       "made writable"));
    }
    if (!(s = AddCanonicalBind(canonical, bind.writable, &binds)).ok()) {
      return s;
    }
  }

  // The same inputs give the same plan: one built in the last few seconds
  // is used again (building one costs ~30-60 us of string work and system
  // directory lookups, on every ISOLATED spawn). Only the layout of the
  // system directories (/usr, /bin -> usr/bin, ...) is as it was then.
  std::string key = absl::StrCat(euid, ":", egid, ":", options.separate_uid,
                                 ":", options.uid_slot, ":", pool_ids_usable,
                                 ":", options.data_dir);
  for (const Bind& bind : binds) {
    absl::StrAppend(&key, std::string(1, '\0'), bind.path, std::string(1, '\0'),
                    bind.writable ? "w" : "r", bind.is_dir ? "d" : "f");
  }
  PlanCache& cache = PerProcess<PlanCache>::Get();
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    for (auto it = cache.entries.begin(); it != cache.entries.end(); ++it) {
      if (now - it->built > kCachedPlanLife) {
        cache.entries.erase(it, cache.entries.end());  // older ones too
        break;
      }
      if (it->key == key) return it->plan;
    }
  }
  absl::StatusOr<std::shared_ptr<const IsolationPlan>> built =
      Build(options, euid, egid, pool_ids_usable, binds);
  if (!built.ok()) return built.status();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.entries.push_front({std::move(key), *built, now});
  if (cache.entries.size() > kCachedPlans) cache.entries.pop_back();
  return built;
}

}  // namespace ncp::isolation
