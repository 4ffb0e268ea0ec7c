#include "api/child_runtime.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/app_context.h"
#include "api/bootstrap.h"
#include "api/error_mapping.h"
#include "api/launcher.h"
#include "api/limits.h"
#include "base/per_process.h"
#include "base/status_macros.h"
#include "isolation/isolation.h"

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

namespace ncp::api {

ChildRuntime& ChildRuntime::Get() { return PerProcess<ChildRuntime>::Get(); }

absl::StatusOr<uint64_t> ChildRuntime::Reserve(Kind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  int live = static_cast<int>(children_.size()) + reserved_;
  if (live >= kMaxLiveChildren) {
    return NcpError(NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
                    absl::StrCat(kMaxLiveChildren, " children are alive"));
  }
  if (kind == Kind::kCreate &&
      live_ipc_ + reserved_ipc_ >= kMaxLiveIpcChildren) {
    return NcpError(
        NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
        absl::StrCat(kMaxLiveIpcChildren, " Create*-type children are alive"));
  }
  ++reserved_;
  if (kind == Kind::kCreate) ++reserved_ipc_;
  return name_counter_++;
}

void ChildRuntime::Unreserve(Kind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  --reserved_;
  if (kind == Kind::kCreate) --reserved_ipc_;
}

int ChildRuntime::TakeUidSlot() {
  std::lock_guard<std::mutex> lock(mu_);
  if (uid_slots_.empty()) uid_slots_.resize(isolation::kIsolatedUidCount);
  for (size_t i = 0; i < uid_slots_.size(); ++i) {
    if (!uid_slots_[i]) {
      uid_slots_[i] = true;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void ChildRuntime::ReturnUidSlot(int slot) {
  if (slot < 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  uid_slots_[static_cast<size_t>(slot)] = false;
}

absl::StatusOr<pid_t> ChildRuntime::Start(const EntryPoint& entry,
                                          const char* params,
                                          const std::vector<NamedFd>& fds,
                                          const ChildOptions& options) {
  if (!MultiProcessEnabled()) {
    return NcpError(NCP_ERR_MULTI_PROCESS_DISABLED,
                    "NCP_MULTI_PROCESS=0 turns child processes off");
  }
  NCP_ASSIGN_OR_RETURN(uint64_t counter, Reserve(Kind::kStart));

  LaunchRequest request;
  Bootstrap& boot = request.bootstrap;
  boot.kind = Bootstrap::kStart;
  boot.process_name =
      ChildProcessName(options.process_name, entry.library, counter);
  boot.ipc_library = IpcLibraryPath();
  boot.library = ResolveLibrary(entry.library);
  boot.symbol = entry.symbol;
  boot.params = params != nullptr ? params : "";
  request.fds = fds;

  isolation::IsolationOptions isolation;
  if (options.isolated) {
    isolation.separate_uid = options.isolation_uid;
    if (isolation.separate_uid) {
      isolation.uid_slot = TakeUidSlot();
      if (isolation.uid_slot < 0) {
        Unreserve(Kind::kStart);
        return NcpError(NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
                        "the isolation uid pool is exhausted");
      }
    }
    isolation.data_dir = AppDataDir();
    if (boot.library.find('/') != std::string::npos) {
      isolation.read_only_paths.push_back(boot.library);
    }
    request.isolation = &isolation;
  }

  absl::StatusOr<LaunchedChild> launched = DefaultLauncher().Launch(request);
  if (!launched.ok()) {
    Unreserve(Kind::kStart);
    ReturnUidSlot(isolation.uid_slot);
    return launched.status();
  }

  auto record = std::make_unique<Record>();
  record->pid = launched->pid;
  record->kind = Kind::kStart;
  record->pidfd = std::move(launched->pidfd);
  record->status_fd = std::move(launched->status_fd);
  record->uid_slot = isolation.uid_slot;
  const pid_t pid = record->pid;
  const int pidfd = record->pidfd.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    --reserved_;
    children_[pid] = std::move(record);
  }
  spawner::Supervisor::Get().Watch(
      pid, pidfd, [this](const spawner::ChildExit& exit) { OnExit(exit); });
  return pid;
}

void ChildRuntime::OnExit(const spawner::ChildExit& exit) {
  std::unique_ptr<Record> record;
  std::vector<OH_Ability_OnNativeChildProcessExit> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(exit.pid);
    if (it == children_.end()) return;
    record = std::move(it->second);
    children_.erase(it);
    if (record->uid_slot >= 0)
      uid_slots_[static_cast<size_t>(record->uid_slot)] = false;
    child_gone_.notify_all();
    if (record->kind == Kind::kCreate) --live_ipc_;
    if (record->kind == Kind::kStart) callbacks = exit_callbacks_;
  }

  // An isolated child's pid is its namespace's init; the init reports how
  // the real child ended.
  bool signaled = exit.signaled;
  // -1: the app reaped the child itself (waitpid(-1)); its status is lost.
  int status = exit.status_unknown ? -1 : exit.status;
  if (record->status_fd.valid()) {
    InitReport report;
    if (read(record->status_fd.get(), &report, sizeof(report)) ==
            static_cast<ssize_t>(sizeof(report)) &&
        report.magic == kInitReportMagic) {
      signaled = report.signaled != 0;
      status = report.status;
    }
  }
  (void)signaled;
  record.reset();  // its fds are closed before anyone hears of the exit
  if (callbacks.empty()) return;
  const int32_t pid = exit.pid;
  spawner::Supervisor::Get().Post([callbacks, pid, status] {
    for (OH_Ability_OnNativeChildProcessExit cb : callbacks) cb(pid, status);
  });
}

absl::Status ChildRuntime::Kill(pid_t pid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(pid);
    if (it == children_.end()) {
      return NcpError(NCP_ERR_INVALID_PID,
                      absl::StrCat(pid, " is not a live child"));
    }
    if (syscall(__NR_pidfd_send_signal, it->second->pidfd.get(), SIGKILL,
                nullptr, 0) != 0) {
      return NcpError(NCP_ERR_INVALID_PID,
                      absl::StrCat(pid, " has already exited"));
    }
  }
  // Wait (bounded) for the supervisor to record the exit. SIGKILL cannot be
  // blocked; only a process stuck in the kernel takes longer.
  std::unique_lock<std::mutex> lock(mu_);
  child_gone_.wait_for(lock, std::chrono::seconds(10),
                       [this, pid] { return !children_.contains(pid); });
  return absl::OkStatus();
}

absl::Status ChildRuntime::RegisterExitCallback(
    OH_Ability_OnNativeChildProcessExit cb) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::find(exit_callbacks_.begin(), exit_callbacks_.end(), cb) ==
      exit_callbacks_.end()) {
    exit_callbacks_.push_back(cb);
  }
  return absl::OkStatus();
}

absl::Status ChildRuntime::UnregisterExitCallback(
    OH_Ability_OnNativeChildProcessExit cb) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(exit_callbacks_.begin(), exit_callbacks_.end(), cb);
  if (it == exit_callbacks_.end()) {
    return NcpError(NCP_ERR_CALLBACK_NOT_EXIST, "callback is not registered");
  }
  exit_callbacks_.erase(it);
  return absl::OkStatus();
}

int ChildRuntime::LiveChildren() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(children_.size());
}

}  // namespace ncp::api
