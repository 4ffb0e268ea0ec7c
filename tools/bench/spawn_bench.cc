// ncp_spawn_bench: spawn-to-entry of OH_Ability_StartNativeChildProcess next
// to posix_spawn of a tiny dynamic helper that dlopen()s the same child
// library and calls the same entry. Interleaved, one process run.
//
//   ncp_spawn_bench [--iterations N] [--warmup N]
//
// Prints min / median / p99 in microseconds and the ratio of medians.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "tools/bench/stats.h"

extern char** environ;

namespace {

long long NowNs() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

std::string Sibling(const char* argv0, const std::string& name) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : argv0;
  dir = dir.substr(0, dir.rfind('/'));
  return dir + "/" + name;
}

bool ReadStamp(int fd, long long* stamp) {
  return read(fd, stamp, sizeof(*stamp)) ==
         static_cast<ssize_t>(sizeof(*stamp));
}

void WaitGone(pid_t pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return;
  struct pollfd pfd = {fd, POLLIN, 0};
  poll(&pfd, 1, 10000);
  close(fd);
}

// One Start: microseconds from the call to the entry running.
double TimeStart(const std::string& entry) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  NativeChildProcess_Fd fd = {const_cast<char*>("t"), p[1], nullptr};
  NativeChildProcess_Args args = {const_cast<char*>(""), {&fd}};
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  long long t0 = NowNs();
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  close(p[1]);
  long long stamp = 0;
  bool ok = code == 0 && ReadStamp(p[0], &stamp);
  close(p[0]);
  if (code == 0) WaitGone(pid);
  return ok ? (stamp - t0) / 1000.0 : -1;
}

// One posix_spawn of the dlopen helper: microseconds to the entry running.
double TimeBaseline(const std::string& helper, const std::string& library) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p[1], 3);
  char* argv[] = {const_cast<char*>(helper.c_str()),
                  const_cast<char*>(library.c_str()),
                  const_cast<char*>("Stamp"), const_cast<char*>("3"), nullptr};
  pid_t pid;
  long long t0 = NowNs();
  int r = posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(p[1]);
  long long stamp = 0;
  bool ok = r == 0 && ReadStamp(p[0], &stamp);
  close(p[0]);
  if (r == 0) waitpid(pid, nullptr, 0);
  return ok ? (stamp - t0) / 1000.0 : -1;
}

void Print(const char* what, const ncp::bench::Summary& s) {
  printf("%-46s %9.1f %9.1f %9.1f   (n=%zu)\n", what, s.min, s.median, s.p99,
         s.n);
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 1000, warmup = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--iterations") == 0) iterations = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--warmup") == 0) warmup = atoi(argv[i + 1]);
  }
  const std::string library = Sibling(argv[0], "libncp_bench_child.so");
  const std::string helper = Sibling(argv[0], "dlopen_helper");
  const std::string entry = library + ":Stamp";

  std::vector<double> start, baseline;
  for (int i = 0; i < warmup + iterations; ++i) {
    double a = TimeStart(entry);
    double b = TimeBaseline(helper, library);
    if (a < 0 || b < 0) {
      fprintf(stderr, "iteration %d failed (start %.1f, baseline %.1f)\n", i, a,
              b);
      return 1;
    }
    if (i >= warmup) {
      start.push_back(a);
      baseline.push_back(b);
    }
  }
  ncp::bench::Summary s = ncp::bench::Summarize(start);
  ncp::bench::Summary b = ncp::bench::Summarize(baseline);
  printf("%-46s %9s %9s %9s\n", "spawn-to-entry (us)", "min", "median", "p99");
  Print("OH_Ability_StartNativeChildProcess (NORMAL)", s);
  Print("posix_spawn + dlopen helper (baseline)", b);
  printf("ratio of medians (Start / baseline): %.2f\n", s.median / b.median);
  return 0;
}
