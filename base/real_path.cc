#include "base/real_path.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace ncp {

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return "";
  char link[32];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, resolved, sizeof(resolved) - 1);
  close(fd);
  constexpr char kDeleted[] = " (deleted)";  // unlinked meanwhile
  constexpr size_t kDeletedLen = sizeof(kDeleted) - 1;
  if (n > 0 && resolved[0] == '/' &&
      !(static_cast<size_t>(n) >= kDeletedLen &&
        memcmp(resolved + n - kDeletedLen, kDeleted, kDeletedLen) == 0)) {
    return std::string(resolved, static_cast<size_t>(n));
  }
  if (realpath(path.c_str(), resolved) == nullptr) return "";
  return resolved;
}

}  // namespace ncp
