#include "isolation/sandbox_paths.h"

#include <sys/stat.h>

#include <cstring>

namespace ncp::isolation {

bool IsSystemPath(const std::string& path) {
  if (path == "/") return true;
  for (const char* dir : {"/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32",
                          "/lib64", "/libx32", "/proc", "/dev", "/sys"}) {
    size_t len = strlen(dir);
    if (path.compare(0, len, dir) == 0 &&
        (path.size() == len || path[len] == '/')) {
      return true;
    }
  }
  return false;
}

const char* CheckSandboxPath(const char* path, bool must_exist, bool writable) {
  if (path == nullptr || path[0] != '/') return "not an absolute path";
  std::string p = std::string(path) + "/";
  if (p.find("/./") != std::string::npos ||
      p.find("/../") != std::string::npos) {
    return "has . or .. components";
  }
  if (strcmp(path, "/") == 0) return "is the root directory";
  if (must_exist) {
    struct stat st;
    if (stat(path, &st) != 0) return "does not exist";
  }
  if (writable && IsSystemPath(path)) return "is a system directory";
  return nullptr;
}

}  // namespace ncp::isolation
