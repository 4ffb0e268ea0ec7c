// ncp_spawn_bench: how long children take to start, next to baselines, all
// interleaved in one process run:
//   start_normal    OH_Ability_StartNativeChildProcess, call -> entry running
//   start_isolated  the same, NCP_ISOLATION_MODE_ISOLATED
//   create_normal   OH_Ability_CreateNativeChildProcess, call -> start
//                   callback holding the proxy
//   posix_spawn     posix_spawn of a tiny dynamic helper that dlopen()s the
//                   same child library and calls the same entry (baseline)
//   bwrap           the same helper under `bwrap --unshare-all` (baseline for
//                   ISOLATED; skipped when bwrap is not installed)
//
//   ncp_spawn_bench [--iterations N] [--warmup N]
//
// Prints min / median / p99 in microseconds and ratios of medians.
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

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
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

// One Start in ISOLATED mode.
double TimeStartIsolated(const std::string& entry) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  NativeChildProcess_Fd fd = {const_cast<char*>("t"), p[1], nullptr};
  NativeChildProcess_Args args = {const_cast<char*>(""), {&fd}};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  long long t0 = NowNs();
  int code = OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  close(p[1]);
  long long stamp = 0;
  bool ok = code == 0 && ReadStamp(p[0], &stamp);
  close(p[0]);
  if (code == 0) WaitGone(pid);
  return ok ? (stamp - t0) / 1000.0 : -1;
}

// Create*: the start callback's arrival.
std::mutex g_mu;
std::condition_variable g_cv;
long long g_started_ns = 0;
OHIPCRemoteProxy* g_proxy = nullptr;

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  long long now = NowNs();
  std::lock_guard<std::mutex> lock(g_mu);
  g_started_ns = code == 0 ? now : -1;
  g_proxy = proxy;
  g_cv.notify_all();
}

double TimeCreate(const std::string& service) {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_started_ns = 0;
    g_proxy = nullptr;
  }
  long long t0 = NowNs();
  if (OH_Ability_CreateNativeChildProcess(service.c_str(), &OnStarted) != 0) return -1;
  std::unique_lock<std::mutex> lock(g_mu);
  g_cv.wait_for(lock, std::chrono::seconds(10), [] { return g_started_ns != 0; });
  if (g_started_ns <= 0 || g_proxy == nullptr) return -1;
  double us = (g_started_ns - t0) / 1000.0;
  // Let it go (request 3 ends its MainProc) and wait until it has.
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  OH_IPCRemoteProxy_SendRequest(g_proxy, 3, data, reply, &sync);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(g_proxy);
  g_proxy = nullptr;
  return us;
}

// The dlopen helper under bubblewrap, sandboxed about as much as ISOLATED.
double TimeBwrap(const std::string& bwrap, const std::string& helper,
                 const std::string& library) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p[1], 3);
  std::vector<std::string> args = {bwrap,   "--unshare-all", "--ro-bind", "/",   "/",
                                    "--dev",  "/dev",          "--proc",    "/proc",
                                    "--tmpfs", "/tmp",         "--die-with-parent",
                                    helper,   library,         "Stamp",     "3"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  long long t0 = NowNs();
  int r = posix_spawn(&pid, bwrap.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(p[1]);
  long long stamp = 0;
  bool ok = r == 0 && ReadStamp(p[0], &stamp);
  close(p[0]);
  if (r == 0) waitpid(pid, nullptr, 0);
  return ok ? (stamp - t0) / 1000.0 : -1;
}

void Print(const char* what, const ncp::bench::Summary& s) {
  printf("%-26s %9.1f %9.1f %9.1f   (n=%zu)\n", what, s.min, s.median, s.p99, s.n);
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
  char resolved[PATH_MAX];
  const std::string service =
      realpath(Sibling(argv[0], "../demo/libncp_demo_service.so").c_str(), resolved)
          ? resolved
          : "";
  const std::string entry = library + ":Stamp";
  const std::string bwrap = access("/usr/bin/bwrap", X_OK) == 0 ? "/usr/bin/bwrap" : "";

  std::vector<double> start, isolated, create, baseline, bwrapped;
  for (int i = 0; i < warmup + iterations; ++i) {
    double a = TimeStart(entry);
    double b = TimeBaseline(helper, library);
    double c = TimeStartIsolated(entry);
    double d = TimeCreate(service);
    double e = bwrap.empty() ? 0 : TimeBwrap(bwrap, helper, library);
    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0) {
      fprintf(stderr, "iteration %d failed (%.1f %.1f %.1f %.1f %.1f)\n", i, a, b, c, d, e);
      return 1;
    }
    if (i >= warmup) {
      start.push_back(a);
      baseline.push_back(b);
      isolated.push_back(c);
      create.push_back(d);
      if (!bwrap.empty()) bwrapped.push_back(e);
    }
  }
  ncp::bench::Summary s = ncp::bench::Summarize(start);
  ncp::bench::Summary b = ncp::bench::Summarize(baseline);
  ncp::bench::Summary iso = ncp::bench::Summarize(isolated);
  ncp::bench::Summary cr = ncp::bench::Summarize(create);
  printf("%-26s %9s %9s %9s\n", "time to entry (us)", "min", "median", "p99");
  Print("start_normal", s);
  Print("start_isolated", iso);
  Print("create_normal (callback)", cr);
  Print("posix_spawn+dlopen", b);
  if (!bwrap.empty()) Print("bwrap --unshare-all", ncp::bench::Summarize(bwrapped));
  printf("start_normal / posix_spawn+dlopen   %.2f\n", s.median / b.median);
  printf("start_isolated / start_normal        %.2f\n", iso.median / s.median);
  if (!bwrap.empty()) {
    printf("start_isolated / bwrap               %.2f\n",
           iso.median / ncp::bench::Summarize(bwrapped).median);
  }
  printf("create_normal / start_normal         %.2f\n", cr.median / s.median);
  return 0;
}
