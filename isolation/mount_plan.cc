#include "isolation/mount_plan.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/real_path.h"

namespace ncp::isolation {
namespace {

constexpr char kOld[] = "/oldroot";
constexpr char kNew[] = "/newroot";

bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || absl::StartsWith(path, dir + "/");
}

}  // namespace

absl::Status CanonicalExistingPath(const std::string& path, std::string* out) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("sandbox path \"", path, "\" is not absolute"));
  }
  if (absl::StrContains(absl::StrCat(path, "/"), "/../") ||
      absl::StrContains(absl::StrCat(path, "/"), "/./")) {
    return absl::InvalidArgumentError(
        absl::StrCat("sandbox path \"", path, "\" has . or .. components"));
  }
  *out = RealPath(path);
  if (out->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sandbox path \"", path, "\" does not exist"));
  }
  if (*out == "/") {
    return absl::InvalidArgumentError(
        "sandbox path \"/\" would expose everything");
  }
  return absl::OkStatus();
}

const char* MountPlan::Keep(std::string s) {
  strings_.push_back(std::move(s));
  return strings_.back().c_str();
}

void MountPlan::Op(spawner::MountOpKind kind, const std::string& source,
                   const std::string& target, const char* data,
                   unsigned long flags, bool optional) {
  spawner::MountOp op;
  op.kind = kind;
  op.source = source.empty() ? nullptr : Keep(source);
  op.target = Keep(target);
  op.data = data == nullptr ? nullptr : Keep(data);
  op.flags = flags;
  op.optional = optional ? 1 : 0;
  ops_.push_back(op);
}

bool MountPlan::CoveredByBind(const std::string& path) const {
  for (const std::string& bound : bound_) {
    if (IsUnder(path, bound)) return true;
  }
  return false;
}

void MountPlan::MkdirChain(const std::string& path) {
  // Every ancestor and `path` itself, shortest first, unless it already
  // exists in the new root (inside a bind, or made before).
  for (size_t slash = 1; slash <= path.size(); ++slash) {
    if (slash != path.size() && path[slash] != '/') continue;
    std::string prefix = path.substr(0, slash);
    if (CoveredByBind(prefix) || !made_dirs_.insert(prefix).second) continue;
    Op(spawner::MountOpKind::kMkdir, "", kNew + prefix);
  }
}

void MountPlan::AddSystem() {
  for (const char* dir : {"/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32",
                          "/lib64", "/libx32"}) {
    struct stat st;
    if (lstat(dir, &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlink(dir, target, sizeof(target) - 1);
      if (n <= 0) continue;
      Op(spawner::MountOpKind::kSymlink,
         std::string(target, static_cast<size_t>(n)), kNew + std::string(dir));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;
    MkdirChain(dir);
    Op(spawner::MountOpKind::kBindReadOnly, kOld + std::string(dir),
       kNew + std::string(dir));
    bound_.push_back(dir);
  }
}

void MountPlan::AddProc() {
  MkdirChain("/proc");
  Op(spawner::MountOpKind::kProc, "", "/newroot/proc");
  // Kernel knobs that check only file permissions: a child running as uid 0
  // (a root app's child without its own uid) could write them. Read-only.
  for (const char* knob : {"sys", "sysrq-trigger", "irq", "bus", "fs"}) {
    std::string path = absl::StrCat("/newroot/proc/", knob);
    Op(spawner::MountOpKind::kBindReadOnly, path, path, nullptr, 0,
       /*optional=*/true);
  }
}

void MountPlan::AddDev() {
  MkdirChain("/dev");
  Op(spawner::MountOpKind::kTmpfs, "", "/newroot/dev", "mode=0755",
     MS_NOSUID | MS_NOEXEC);
  for (const char* node :
       {"null", "zero", "full", "random", "urandom", "tty"}) {
    std::string target = absl::StrCat("/newroot/dev/", node);
    Op(spawner::MountOpKind::kCreateFile, "", target);
    Op(spawner::MountOpKind::kBind, absl::StrCat("/oldroot/dev/", node), target,
       nullptr, 0, /*optional=*/true);
  }
  Op(spawner::MountOpKind::kSymlink, "/proc/self/fd", "/newroot/dev/fd");
  Op(spawner::MountOpKind::kSymlink, "/proc/self/fd/0", "/newroot/dev/stdin");
  Op(spawner::MountOpKind::kSymlink, "/proc/self/fd/1", "/newroot/dev/stdout");
  Op(spawner::MountOpKind::kSymlink, "/proc/self/fd/2", "/newroot/dev/stderr");
  made_dirs_.insert("/dev/shm");
  Op(spawner::MountOpKind::kMkdir, "", "/newroot/dev/shm");
  Op(spawner::MountOpKind::kTmpfs, "", "/newroot/dev/shm", "mode=1777",
     MS_NOSUID | MS_NODEV);
}

void MountPlan::AddTmpfs(const std::string& path, const std::string& options) {
  MkdirChain(path);
  Op(spawner::MountOpKind::kTmpfs, "", kNew + path, options.c_str(),
     MS_NOSUID | MS_NODEV);
}

absl::Status MountPlan::AddBind(const std::string& path, bool writable) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sandbox path \"", path, "\" does not exist"));
  }
  if (!writable && CoveredByBind(path)) return absl::OkStatus();
  if (S_ISDIR(st.st_mode)) {
    MkdirChain(path);
  } else {
    size_t slash = path.rfind('/');
    if (slash > 0) MkdirChain(path.substr(0, slash));
    if (!CoveredByBind(path)) {
      Op(spawner::MountOpKind::kCreateFile, "", kNew + path);
    }
  }
  Op(writable ? spawner::MountOpKind::kBind
              : spawner::MountOpKind::kBindReadOnly,
     kOld + path, kNew + path);
  bound_.push_back(path);
  return absl::OkStatus();
}

}  // namespace ncp::isolation
