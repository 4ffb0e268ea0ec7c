#include "spawner/spawner.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/errno_status.h"
#include "spawner/child_setup.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#if defined(__x86_64__)
extern "C" long ncp_clone3_run(void* args, size_t size, int (*fn)(void*),
                               void* arg);
extern "C" long ncp_clone_run(unsigned long flags, void* stack_top,
                              int* parent_tid, int (*fn)(void*), void* arg);
#endif

namespace ncp::spawner {
namespace {

constexpr uint64_t kCloneClearSighand = 0x100000000ULL;
constexpr size_t kStackSize = 256 * 1024;

struct CloneArgs {  // struct clone_args, CLONE_ARGS_SIZE_VER0 fields
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
};

// Levels of the fallback chain, most capable first.
enum Level : int {
  kLevelClone3 = 0,
  kLevelClone3NoClear = 1,
  kLevelClone = 2,
  kLevelCloneNoPidfd = 3,
};

std::atomic<int> g_level{kLevelClone3};
std::atomic<int> g_last_level{kLevelClone3};

// A child stack with a guard page below it, reused by every spawn: the
// mutex is held from before clone until the child has exec'd or exited.
// (Not thread_local: dynamic TLS in a dlopen()ed library confuses
// LeakSanitizer's thread scan with this glibc.)
class ChildStack {
 public:
  ~ChildStack() {
    if (base_ != nullptr) munmap(base_, kStackSize);
  }
  absl::StatusOr<void*> Get() {
    if (base_ == nullptr) {
      void* p = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
      if (p == MAP_FAILED) return LastErrnoError("mmap", "child stack");
      if (mprotect(p, 4096, PROT_NONE) != 0) {
        munmap(p, kStackSize);
        return LastErrnoError("mprotect", "child stack guard");
      }
      base_ = p;
    }
    return base_;
  }

 private:
  void* base_ = nullptr;
};

std::mutex g_stack_mu;
ChildStack* g_stack = new ChildStack();  // never unmapped: spawns may race exit

// One attempt at `level`. Returns the pid (> 0) or -errno; *pidfd is set
// for levels that produce one.
long Attempt(int level, SpawnPlan& plan, void* stack, int* pidfd) {
  const uint64_t ns = plan.namespace_flags;
  *pidfd = -1;
  plan.reset_signal_handlers = level != kLevelClone3;
#if defined(__x86_64__)
  if (level <= kLevelClone3NoClear) {
    CloneArgs args = {};
    args.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | ns;
    if (level == kLevelClone3) args.flags |= kCloneClearSighand;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = 0;
    args.stack = reinterpret_cast<uint64_t>(stack);
    args.stack_size = kStackSize;
    return ncp_clone3_run(&args, sizeof(args), &ChildSetupMain, &plan);
  }
#else
  if (level <= kLevelClone3NoClear) return -ENOSYS;
#endif
  char* top = static_cast<char*>(stack) + kStackSize;
  int flags = CLONE_VM | CLONE_VFORK | static_cast<int>(ns);
  if (level == kLevelClone) flags |= CLONE_PIDFD;
    // Exit signal 0 (the low byte of flags).
#if defined(__x86_64__)
  long pid = ncp_clone_run(static_cast<unsigned long>(flags), top, pidfd,
                           &ChildSetupMain, &plan);
  if (pid < 0) return pid;
#else
  long pid = ::clone(&ChildSetupMain, top, flags, &plan, pidfd);
  if (pid < 0) return -errno;
#endif
  if (level == kLevelCloneNoPidfd) {
    long fd = syscall(__NR_pidfd_open, pid, 0);
    // COMPAT(kernel 5.3): without pidfd_open the child cannot be watched
    // race-free; the caller gets an error after the child is reaped.
    if (fd < 0) {
      int err = errno;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, __WALL);
      return -err;
    }
    *pidfd = static_cast<int>(fd);
  }
  return pid;
}

// Runs the fallback chain from the cached level.
long CloneWithFallbacks(SpawnPlan& plan, void* stack, int* pidfd) {
  int level = g_level.load(std::memory_order_relaxed);
  for (;;) {
    long r = Attempt(level, plan, stack, pidfd);
    if (r > 0) {
      // Remember what worked so later spawns skip the refused variants.
      int cached = g_level.load(std::memory_order_relaxed);
      if (level > cached) g_level.store(level, std::memory_order_relaxed);
      g_last_level.store(level, std::memory_order_relaxed);
      return r;
    }
    int next = -1;
    if (level == kLevelClone3 && r == -EINVAL) next = kLevelClone3NoClear;
    if (level <= kLevelClone3NoClear && (r == -ENOSYS || r == -EPERM)) {
      // EPERM is either a seccomp filter refusing clone3 or the kernel
      // refusing a namespace; clone() tells them apart.
      next = kLevelClone;
    }
    if (level == kLevelClone && r == -EINVAL) next = kLevelCloneNoPidfd;
    if (next < 0) return r;
    level = next;
  }
}

constexpr char kSetupFailureUrl[] = "type.ncp/ncp.SetupFailure";

absl::Status WithSetupFailure(absl::Status status, Stage stage, int err,
                              pid_t pid) {
  int32_t fields[3] = {static_cast<int32_t>(stage), err, pid};
  status.SetPayload(kSetupFailureUrl, absl::Cord(absl::string_view(
                                          reinterpret_cast<const char*>(fields),
                                          sizeof(fields))));
  return status;
}

}  // namespace

std::optional<SetupFailure> GetSetupFailure(const absl::Status& status) {
  auto payload = status.GetPayload(kSetupFailureUrl);
  if (!payload.has_value() || payload->size() != 3 * sizeof(int32_t)) {
    return std::nullopt;
  }
  int32_t fields[3];
  std::string bytes(*payload);
  memcpy(fields, bytes.data(), sizeof(fields));
  SetupFailure failure;
  failure.stage = static_cast<Stage>(fields[0]);
  failure.err = fields[1];
  failure.pid = fields[2];
  return failure;
}

absl::Status MakeSetupFailure(Stage stage, int err, pid_t pid, int index) {
  std::string what = stage == Stage::kNone ? "clone" : StageName(stage);
  if (index >= 0) absl::StrAppend(&what, " #", index);
  return WithSetupFailure(ErrnoError(err, absl::StrCat("child setup: ", what)),
                          stage, err, pid);
}

void CopySetupFailure(const absl::Status& from, absl::Status* to) {
  if (auto payload = from.GetPayload(kSetupFailureUrl); payload.has_value()) {
    to->SetPayload(kSetupFailureUrl, *payload);
  }
}

const char* CloneMethodName(CloneMethod method) {
  switch (method) {
    case CloneMethod::kClone3:
      return "clone3";
    case CloneMethod::kClone3NoClearSighand:
      return "clone3 (no CLONE_CLEAR_SIGHAND)";
    case CloneMethod::kClone:
      return "clone (CLONE_PIDFD)";
    case CloneMethod::kCloneThenPidfdOpen:
      return "clone + pidfd_open";
  }
  return "unknown";
}

CloneMethod LastCloneMethod() {
  return static_cast<CloneMethod>(g_last_level.load(std::memory_order_relaxed));
}

absl::StatusOr<SpawnedChild> Spawn(SpawnPlan& plan) {
  std::unique_lock<std::mutex> stack_lock(g_stack_mu);
  absl::StatusOr<void*> stack = g_stack->Get();
  if (!stack.ok()) return stack.status();

  SetupReport report = {0, 0, -1};
  plan.report = &report;

  // No signal handler may run in the child before it resets them, and the
  // child inherits this mask until its exec.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  int pidfd = -1;
  long pid = CloneWithFallbacks(plan, *stack, &pidfd);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  stack_lock.unlock();
  plan.report = nullptr;

  if (pid < 0) {
    return WithSetupFailure(
        ErrnoError(static_cast<int>(-pid), "clone",
                   absl::StrCat("flags 0x", absl::Hex(plan.namespace_flags))),
        Stage::kNone, static_cast<int>(-pid), 0);
  }
  SpawnedChild child;
  child.pid = static_cast<pid_t>(pid);
  child.pidfd.Reset(pidfd);
  if (report.stage != 0) {
    // The child exited after reporting; reap it.
    siginfo_t info;
    waitid(P_PID, child.pid, &info, WEXITED | __WALL);
    Stage stage = static_cast<Stage>(report.stage);
    std::string what = StageName(stage);
    if (report.index >= 0) absl::StrAppend(&what, " #", report.index);
    return WithSetupFailure(
        ErrnoError(report.err, absl::StrCat("child setup: ", what)), stage,
        report.err, child.pid);
  }
  return child;
}

}  // namespace ncp::spawner
