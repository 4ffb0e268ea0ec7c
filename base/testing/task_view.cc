#include "base/testing/task_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

namespace ncp::testing {
namespace {

// The first line of `path`, without its newline; empty if unreadable.
std::string ReadLine(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char text[256];
  const ssize_t n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (n <= 0) return "";
  text[n] = '\0';
  text[strcspn(text, "\n")] = '\0';
  return text;
}

}  // namespace

int ThreadsBlockedIn(pid_t pid, const char* comm, long number, long first_arg) {
  const std::string base =
      pid == 0 ? "/proc/self/task" : "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(base.c_str());
  if (dir == nullptr) return 0;
  int count = 0;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string task = base + "/" + e->d_name;
    if (comm != nullptr && ReadLine(task + "/comm") != comm) continue;
    // "<number> <arg1> ..." (hexadecimal arguments) while blocked.
    const std::string call = ReadLine(task + "/syscall");
    char* end = nullptr;
    const long nr = strtol(call.c_str(), &end, 10);
    if (end == call.c_str() || nr != number) continue;
    const long arg = strtol(end, nullptr, 16);
    if (first_arg < 0 || arg == first_arg) ++count;
  }
  closedir(dir);
  return count;
}

long BlockedSyscall(pid_t tid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/task/%d/syscall",
           static_cast<int>(tid));
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -2;
  char text[256];
  const ssize_t n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  // "<number> <args...>" while blocked; "running" or "-1 ..." otherwise.
  char* end = nullptr;
  const long number = strtol(text, &end, 10);
  return end == text ? -1 : number;
}

}  // namespace ncp::testing
