#include "api/app_context.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/limits.h"
#include "base/real_path.h"

namespace ncp::api {
namespace {

std::string Getenv(const char* name) {
  const char* value = getenv(name);
  return value != nullptr ? value : "";
}

std::string MainExecutable() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  return std::string(path, static_cast<size_t>(n));
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string RealPath(const std::string& path) { return ncp::RealPath(path); }

}  // namespace

const std::string& BundleName() {
  static const std::string* name = [] {
    std::string from_env = Getenv("NCP_BUNDLE_NAME");
    if (!from_env.empty()) return new std::string(from_env);
    std::string exe = Basename(MainExecutable());
    return new std::string(exe.empty() ? "app" : exe);
  }();
  return *name;
}

std::vector<std::string> LibrarySearchDirs() {
  std::vector<std::string> dirs;
  for (absl::string_view dir :
       absl::StrSplit(Getenv("NCP_LIBRARY_PATH"), ':', absl::SkipEmpty())) {
    dirs.emplace_back(dir);
  }
  static const std::string* exe_dir =
      new std::string(Dirname(MainExecutable()));
  if (!exe_dir->empty()) dirs.push_back(*exe_dir);
  return dirs;
}

std::string ResolveLibrary(const std::string& name, bool* canonical) {
  bool unused;
  if (canonical == nullptr) canonical = &unused;
  *canonical = false;
  if (name.empty()) return name;
  // Canonical, so that the same path exists inside a sandbox (which binds
  // the library's real directory).
  auto real_or = [canonical](const std::string& path) {
    std::string real = RealPath(path);
    *canonical = !real.empty();
    return *canonical ? real : path;
  };
  if (name[0] == '/') return real_or(name);
  for (const std::string& dir : LibrarySearchDirs()) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), F_OK) == 0) return real_or(candidate);
  }
  if (name.find('/') != std::string::npos) return real_or(name);
  return name;
}

std::string ChildProcessName(const std::string& custom,
                             const std::string& library, uint64_t counter) {
  if (!custom.empty()) return absl::StrCat(BundleName(), ":", custom);
  std::string stem = Basename(library);
  size_t dot = stem.rfind('.');
  if (dot != std::string::npos && dot > 0) stem.resize(dot);
  return absl::StrCat(BundleName(), ":Native_", stem, counter);
}

bool MultiProcessEnabled() { return Getenv("NCP_MULTI_PROCESS") != "0"; }

std::string AppDataDir() {
  std::string dir = Getenv("NCP_DATA_DIR");
  if (!dir.empty()) return dir;
  std::string xdg = Getenv("XDG_DATA_HOME");
  if (!xdg.empty()) return absl::StrCat(xdg, "/", BundleName());
  std::string home = Getenv("HOME");
  if (home.empty()) home = "/";
  return absl::StrCat(home, "/.local/share/", BundleName());
}

absl::Duration StartTimeout() {
  int ms;
  if (absl::SimpleAtoi(Getenv("NCP_START_TIMEOUT_MS"), &ms) && ms > 0) {
    return absl::Milliseconds(ms);
  }
  return absl::Milliseconds(kDefaultStartTimeoutMs);
}

const std::string& IpcLibraryPath() {
  static const std::string* path = [] {
    // libipc_capi.so is a dependency of this library when it is built as
    // the shipped one; find the copy actually loaded.
    void* handle = dlopen("libipc_capi.so", RTLD_NOW | RTLD_NOLOAD);
    std::string result;
    if (handle != nullptr) {
      void* symbol = dlsym(handle, "OH_IPCParcel_Create");
      Dl_info info;
      if (symbol != nullptr && dladdr(symbol, &info) != 0 &&
          info.dli_fname != nullptr) {
        result = RealPath(info.dli_fname);
      }
      dlclose(handle);
    }
    return new std::string(result);
  }();
  return *path;
}

}  // namespace ncp::api
