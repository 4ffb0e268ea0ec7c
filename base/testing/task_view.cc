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

constexpr int kSyscallArgs = 6;

// "<number> <arg1> ... <arg6> <sp> <pc>" (arguments in hexadecimal) while
// blocked; "running" (or "-1 ...") otherwise: false then.
bool ParseSyscall(const std::string& line, long* number,
                  unsigned long args[kSyscallArgs]) {
  char* end = nullptr;
  *number = strtol(line.c_str(), &end, 10);
  if (end == line.c_str() || *number < 0) return false;
  for (int i = 0; i < kSyscallArgs; ++i) {
    const char* from = end;
    args[i] = strtoul(from, &end, 16);
    if (end == from) return false;
  }
  return true;
}

}  // namespace

int ThreadsBlockedInWith(pid_t pid, const char* comm, long number,
                         int arg_index, unsigned long value) {
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
    unsigned long args[kSyscallArgs];
    if (!ParseSyscall(ReadLine(task + "/syscall"), &nr, args) || nr != number) {
      continue;
    }
    if (arg_index < 0 || arg_index >= kSyscallArgs ||
        args[arg_index] == value) {
      ++count;
    }
  }
  closedir(dir);
  return count;
}

int ThreadsBlockedIn(pid_t pid, const char* comm, long number, long first_arg) {
  return first_arg < 0
             ? ThreadsBlockedInWith(pid, comm, number, -1, 0)
             : ThreadsBlockedInWith(pid, comm, number, 0,
                                    static_cast<unsigned long>(first_arg));
}

long BlockedSyscall(pid_t tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  if (access(task.c_str(), F_OK) != 0) return -2;
  long number = -1;
  unsigned long args[kSyscallArgs];
  return ParseSyscall(ReadLine(task + "/syscall"), &number, args) ? number : -1;
}

}  // namespace ncp::testing
