#include "base/testing/epoll_view.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace ncp::testing {
namespace {

bool StatFd(int fd, struct stat* st) {
  return stat(("/proc/self/fd/" + std::to_string(fd)).c_str(), st) == 0;
}

}  // namespace

std::vector<EpollRegistration> EpollRegistrations() {
  std::vector<EpollRegistration> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return out;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string fd_path = std::string("/proc/self/fd/") + e->d_name;
    char target[64] = {};
    const ssize_t n = readlink(fd_path.c_str(), target, sizeof(target) - 1);
    if (n <= 0 || std::string(target, n) != "anon_inode:[eventpoll]") continue;
    FILE* info =
        fopen((std::string("/proc/self/fdinfo/") + e->d_name).c_str(), "re");
    if (info == nullptr) continue;
    char line[256];
    while (fgets(line, sizeof(line), info) != nullptr) {
      // "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x"
      int tfd = -1;
      unsigned events = 0;
      unsigned long long data = 0;  // NOLINT(runtime/int): the kernel's
      long long pos = 0;            // NOLINT(runtime/int)   format
      unsigned long ino = 0;        // NOLINT(runtime/int)
      if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lli ino:%lx", &tfd,
                 &events, &data, &pos, &ino) == 5) {
        struct stat st;
        const bool socket =
            StatFd(tfd, &st) && st.st_ino == ino && S_ISSOCK(st.st_mode);
        out.push_back({atoi(e->d_name), tfd, ino, events, socket});
      }
    }
    fclose(info);
  }
  closedir(dir);
  return out;
}

int64_t EpollEventsOf(int fd) {
  struct stat st;
  if (!StatFd(fd, &st)) return -1;
  int64_t found = -1;
  int matches = 0;
  for (const EpollRegistration& r : EpollRegistrations()) {
    if (r.target_fd == fd && r.inode == st.st_ino) {
      found = r.events;
      ++matches;
    }
  }
  return matches > 1 ? -2 : found;
}

}  // namespace ncp::testing
