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

// "<number> <arg1> ..." (hexadecimal arguments) while blocked; "running"
// (or "-1 ...") otherwise: false then.
bool ParseSyscall(const std::string& line, long* number, long* first_arg) {
  char* end = nullptr;
  *number = strtol(line.c_str(), &end, 10);
  if (end == line.c_str() || *number < 0) return false;
  if (first_arg != nullptr) *first_arg = strtol(end, nullptr, 16);
  return true;
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
    long nr = -1;
    long arg = -1;
    if (!ParseSyscall(ReadLine(task + "/syscall"), &nr, &arg) || nr != number) {
      continue;
    }
    if (first_arg < 0 || arg == first_arg) ++count;
  }
  closedir(dir);
  return count;
}

long BlockedSyscall(pid_t tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  if (access(task.c_str(), F_OK) != 0) return -2;
  long number = -1;
  return ParseSyscall(ReadLine(task + "/syscall"), &number, nullptr) ? number
                                                                     : -1;
}

}  // namespace ncp::testing
