#include "base/testing/task_view.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

namespace ncp::testing {

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
