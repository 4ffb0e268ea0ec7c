#include "api/child_runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "IPCKit/ipc_cparcel.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/app_context.h"
#include "api/error_mapping.h"
#include "api/launcher.h"
#include "api/limits.h"
#include "base/errno_status.h"
#include "base/per_process.h"
#include "base/status_macros.h"
#include "ipc/bridge.h"
#include "isolation/isolation.h"
#include "spawner/spawner.h"

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

namespace ncp::api {
namespace {

bool PidfdExited(int pidfd) {
  struct pollfd pfd = {pidfd, POLLIN, 0};
  return poll(&pfd, 1, 0) == 1;
}

}  // namespace

ChildRuntime& ChildRuntime::Get() { return PerProcess<ChildRuntime>::Get(); }

int ChildRuntime::CountedChildren(Kind kind) {
  int count = 0;
  for (const auto& [pid, record] : children_) {
    if (kind == Kind::kCreate && record->kind != Kind::kCreate) continue;
    // Exited, but the supervisor has not got to it yet: it is gone. (A
    // Create* child's IPC death is seen before its pidfd says so; the
    // caller may already be creating its replacement.)
    if (PidfdExited(record->pidfd.get())) continue;
    ++count;
  }
  return count;
}

void ChildRuntime::AwaitAnIpcChildExit(std::chrono::milliseconds timeout) {
  std::vector<UniqueFd> pidfds;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [pid, record] : children_) {
      if (record->kind != Kind::kCreate) continue;
      pidfds.emplace_back(fcntl(record->pidfd.get(), F_DUPFD_CLOEXEC, 0));
    }
  }
  std::vector<struct pollfd> polled;
  for (const UniqueFd& fd : pidfds) {
    if (fd.valid()) polled.push_back({fd.get(), POLLIN, 0});
  }
  if (!polled.empty()) {
    poll(polled.data(), polled.size(), static_cast<int>(timeout.count()));
  }
}

absl::StatusOr<uint64_t> ChildRuntime::Reserve(Kind kind) {
  if (kind == Kind::kCreate) {
    bool full;
    {
      std::lock_guard<std::mutex> lock(mu_);
      full =
          CountedChildren(Kind::kCreate) + reserved_ipc_ >= kMaxLiveIpcChildren;
    }
    // An app that saw a child's IPC death (which comes first) may be
    // replacing it while the process is still exiting: give that exit a
    // moment to become visible before saying no.
    if (full) AwaitAnIpcChildExit(std::chrono::milliseconds(500));
  }
  std::lock_guard<std::mutex> lock(mu_);
  int live = static_cast<int>(children_.size()) + reserved_;
  if (live >= kMaxLiveChildren &&
      CountedChildren(Kind::kStart) + reserved_ >= kMaxLiveChildren) {
    return NcpError(NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
                    absl::StrCat(kMaxLiveChildren, " children are alive"));
  }
  if (kind == Kind::kCreate &&
      live_ipc_ + reserved_ipc_ >= kMaxLiveIpcChildren &&
      CountedChildren(Kind::kCreate) + reserved_ipc_ >= kMaxLiveIpcChildren) {
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

absl::StatusOr<pid_t> ChildRuntime::Launch(
    Kind kind, Bootstrap boot, const std::vector<NamedFd>& fds,
    const ChildOptions& options, UniqueFd* channel,
    std::shared_ptr<CreateSession> session, std::shared_ptr<SpawnTrace> trace) {
  if (!MultiProcessEnabled()) {
    return NcpError(NCP_ERR_MULTI_PROCESS_DISABLED,
                    "NCP_MULTI_PROCESS=0 turns child processes off");
  }
  NCP_ASSIGN_OR_RETURN(uint64_t counter, Reserve(kind));

  LaunchRequest request;
  request.trace = trace.get();
  request.bootstrap = std::move(boot);
  request.bootstrap.process_name = ChildProcessName(
      options.process_name, request.bootstrap.library, counter);
  bool library_canonical = false;
  request.bootstrap.library =
      ResolveLibrary(request.bootstrap.library, &library_canonical);
  request.fds = fds;
  request.wants_channel = channel != nullptr;

  isolation::IsolationOptions isolation;
  if (options.isolated) {
    isolation.separate_uid = options.isolation_uid;
    if (isolation.separate_uid) {
      isolation.uid_slot = TakeUidSlot();
      if (isolation.uid_slot < 0) {
        Unreserve(kind);
        return NcpError(NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
                        "the isolation uid pool is exhausted");
      }
    }
    isolation.data_dir =
        options.data_dir.empty() ? AppDataDir() : options.data_dir;
    for (const auto& [path, writable] : options.sandbox_paths) {
      isolation.extra_binds.push_back(isolation::BindPath{path, writable});
    }
    if (library_canonical) {
      isolation.canonical_read_only_paths.push_back(request.bootstrap.library);
    } else if (request.bootstrap.library.find('/') != std::string::npos) {
      isolation.read_only_paths.push_back(request.bootstrap.library);
    }
    request.isolation = &isolation;
  }

  if (trace != nullptr) trace->Stamp(NCP_STAGE_LAUNCHING);
  absl::StatusOr<LaunchedChild> launched = DefaultLauncher().Launch(request);
  if (!launched.ok()) {
    Unreserve(kind);
    ReturnUidSlot(isolation.uid_slot);
    if (auto failure = spawner::GetSetupFailure(launched.status());
        failure.has_value() && failure->pid > 0) {
      // A child existed, briefly: tell the extension's listeners why.
      NCP_ChildExitInfo info = {};
      info.pid = failure->pid;
      info.kind = NCP_CHILD_SETUP_FAILED;
      info.ipc_flavour = kind == Kind::kCreate;
      info.isolated = options.isolated;
      info.setup_stage = static_cast<NCP_SetupStage>(failure->stage);
      info.setup_errno = failure->err;
      PostToListeners(info);
    }
    return launched.status();
  }

  auto record = std::make_unique<Record>();
  if (channel != nullptr) {
    *channel = std::move(launched->channel);
    // If this fails (no fd left), the child's death decides (OnExit).
    record->channel.Reset(fcntl(channel->get(), F_DUPFD_CLOEXEC, 0));
  }
  record->pid = launched->pid;
  record->kind = kind;
  record->pidfd = std::move(launched->pidfd);
  record->status_fd = std::move(launched->status_fd);
  record->uid_slot = isolation.uid_slot;
  record->isolated = options.isolated;
  record->session = std::move(session);
  const pid_t pid = record->pid;
  const int pidfd = record->pidfd.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    --reserved_;
    if (kind == Kind::kCreate) {
      --reserved_ipc_;
      ++live_ipc_;
    }
    children_[pid] = std::move(record);
  }
  if (!spawner::Supervisor::Get().Watch(
          pid, pidfd,
          [this](const spawner::ChildExit& exit) { OnExit(exit); })) {
    // Nobody would ever hear of its end: it ends now, and its record with
    // it (OnExit on this thread), unreported.
    {
      std::lock_guard<std::mutex> lock(mu_);
      children_[pid]->unreported = true;
    }
    OnExit(spawner::KillAndReap(pid, pidfd));
    return NcpError(NCP_ERR_INTERNAL, "cannot watch the child (epoll_ctl)");
  }
  if (trace != nullptr) {
    trace->Stamp(NCP_STAGE_RETURNED);
    SpawnTrace::Register(pid, std::move(trace));
  }
  return pid;
}

absl::StatusOr<pid_t> ChildRuntime::Start(const EntryPoint& entry,
                                          const char* params,
                                          const std::vector<NamedFd>& fds,
                                          const ChildOptions& options) {
  std::shared_ptr<SpawnTrace> trace = SpawnTrace::MaybeStart();
  Bootstrap boot;
  boot.kind = Bootstrap::kStart;
  boot.library = entry.library;
  boot.symbol = entry.symbol;
  boot.params = params != nullptr ? params : "";
  return Launch(Kind::kStart, std::move(boot), fds, options,
                /*channel=*/nullptr, nullptr, std::move(trace));
}

absl::Status ChildRuntime::Create(
    const std::string& library,
    OH_Ability_OnNativeChildProcessStarted on_started,
    const ChildOptions& options) {
  std::shared_ptr<SpawnTrace> trace = SpawnTrace::MaybeStart();
  const ipc::Bridge* bridge = IpcBridge();
  if (bridge == nullptr) {
    return NcpError(NCP_ERR_INTERNAL, "libipc_capi.so is not ncp's");
  }
  auto session = std::make_shared<CreateSession>(on_started);
  session->SetTrace(trace);

  // The channel: a socket pair the launcher makes, or a zygote's spare made
  // in advance (off the path to the child's start).
  Bootstrap boot;
  boot.kind = Bootstrap::kCreate;
  boot.library = library;
  // An app confined to one CPU gets the report sync (api/child_main.cc):
  // with this thread pinned, one-way measured 1.46-1.48x Start NORMAL in
  // ncp bench's pinned pass, sync 1.31-1.36x.
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) == 1) {
    boot.flags |= Bootstrap::kSyncReport;
  }
  UniqueFd ours;
  absl::StatusOr<pid_t> pid = Launch(Kind::kCreate, std::move(boot), {},
                                     options, &ours, session, std::move(trace));
  if (!pid.ok()) return pid.status();
  const pid_t child = *pid;
  // Made once the child is on its way: nothing reports into it before its
  // connection is adopted below.
  OHIPCRemoteStub* registrar = CreateSession::MakeRegistrar(session);
  if (registrar == nullptr || !ours.valid()) {
    session->Claim();  // a call that fails calls nothing back
    Abandon(child);
    if (registrar != nullptr) OH_IPCRemoteStub_Destroy(registrar);
    return NcpError(NCP_ERR_INTERNAL,
                    registrar == nullptr ? "registrar stub" : "IPC channel");
  }
  // Our end is adopted while the child starts (whatever it sends waits in
  // the socket): off the path to its start. The connection keeps a
  // reference to the registrar for as long as the child is connected; the
  // child's record then takes ours (unless the child is gone already). Its
  // HELLO goes with the first message it sends the child: the reply to a
  // sync report, or (one-way report, api/child_main.cc) its first call, so
  // no system call here for it, and nothing to fail if the child is already
  // gone (ipc::kAdoptDeferHello). Until then the child holds back the
  // release of its proxy of the registrar (it learns from the HELLO that
  // there is a root), and the app's pool watches the socket. The app calls
  // the child through this connection: no pool worker keeps reading it
  // after serving the report (ipc::kAdoptNeverLinger).
  if (int rc = bridge->adopt_connection_with(ours.Release(), registrar, nullptr,
                                             ipc::kAdoptDeferHello |
                                                 ipc::kAdoptOwnSocket |
                                                 ipc::kAdoptNeverLinger);
      rc != 0) {
    session->Claim();  // a call that fails calls nothing back
    Abandon(child);
    OH_IPCRemoteStub_Destroy(registrar);
    return NcpError(NCP_ERR_INTERNAL, absl::StrCat("adopt_connection: ", rc));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(child);
    if (it != children_.end() && it->second->session == session) {
      it->second->registrar = registrar;
      registrar = nullptr;
    }
  }
  if (registrar != nullptr) OH_IPCRemoteStub_Destroy(registrar);
  session->SetTimer(spawner::Supervisor::Get().AddTimer(
      absl::Now() + StartTimeout(), [this, session, child] {
        if (!session->Claim()) return;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (auto it = children_.find(child); it != children_.end()) {
            it->second->timed_out = true;
          }
        }
        Signal(child, SIGKILL);  // it had its chance
        spawner::Supervisor::Get().Post(
            [session] { session->Fire(NCP_ERR_TIMEOUT, nullptr); });
      }));
  return absl::OkStatus();
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
    if (record->kind == Kind::kCreate) --live_ipc_;
    if (record->uid_slot >= 0)
      uid_slots_[static_cast<size_t>(record->uid_slot)] = false;
    if (record->kind == Kind::kStart && !record->unreported) {
      callbacks = exit_callbacks_;
    }
    child_gone_.notify_all();
  }
  if (record->unreported) {
    if (record->registrar != nullptr) {
      OH_IPCRemoteStub_Destroy(record->registrar);
    }
    return;  // its fds are closed with the record
  }

  NCP_ChildExitInfo info = {};
  info.pid = exit.pid;
  info.ipc_flavour = record->kind == Kind::kCreate;
  info.isolated = record->isolated;
  bool signaled = exit.signaled;
  int status = exit.status;
  info.core_dumped = exit.core_dumped;
  // An isolated child's pid is its namespace's init; the init reports how
  // the real child ended (after the child's own seccomp report, if any).
  if (record->status_fd.valid()) {
    InitReport report;
    while (read(record->status_fd.get(), &report, sizeof(report)) ==
           static_cast<ssize_t>(sizeof(report))) {
      if (report.magic == kSeccompReportMagic) {
        info.kind = NCP_CHILD_SECCOMP_KILLED;
        info.syscall_nr = report.signaled;  // {magic, syscall, arch, 0}
        info.syscall_arch = report.status;
      } else if (report.magic == kInitReportMagic) {
        signaled = report.signaled != 0;
        status = report.status;
        info.core_dumped = report.core_dumped != 0;
      }
    }
  }
  if (exit.status_unknown) {
    info.kind = NCP_CHILD_STATUS_UNKNOWN;
  } else if (record->timed_out) {
    info.kind = NCP_CHILD_START_TIMEOUT;
  } else if (info.kind == NCP_CHILD_SECCOMP_KILLED) {
    info.signal = status;
  } else if (signaled) {
    info.kind = NCP_CHILD_KILLED;
    info.signal = status;
  } else {
    info.kind = NCP_CHILD_EXITED;
    info.exit_code = status;
  }
  // OpenHarmony's value: the signal, or the exit status; -1 when the app
  // reaped the child itself (waitpid(-1)).
  if (exit.status_unknown) status = -1;
  std::shared_ptr<CreateSession> session = std::move(record->session);
  // A Create* child's report may still be unread (a one-way report, just
  // before the child died): what decides "died before connecting" is the
  // end of its connection, once everything it sent has been read
  // (create_session.cc, OnRegistrarDestroy). Shut down for reading, the
  // connection ends even if a process the child started holds its end.
  const bool connection_decides = record->channel.valid();
  if (connection_decides) shutdown(record->channel.get(), SHUT_RD);
  if (record->registrar != nullptr) OH_IPCRemoteStub_Destroy(record->registrar);
  record.reset();  // its fds are closed before anyone hears of the exit

  if (session != nullptr && !connection_decides && session->Claim()) {
    // It died before it reported.
    spawner::Supervisor::Get().Post(
        [session] { session->Fire(NCP_ERR_INTERNAL, nullptr); });
  }
  PostToListeners(info);
  if (callbacks.empty()) return;
  const int32_t pid = exit.pid;
  spawner::Supervisor::Get().Post([callbacks, pid, status] {
    for (OH_Ability_OnNativeChildProcessExit cb : callbacks) cb(pid, status);
  });
}

void ChildRuntime::PostToListeners(const NCP_ChildExitInfo& info) {
  std::vector<std::pair<NCP_OnChildExit, void*>> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listeners = exit_listeners_;
  }
  if (listeners.empty()) return;
  spawner::Supervisor::Get().Post([listeners, info] {
    for (const auto& [listener, user_data] : listeners)
      listener(&info, user_data);
  });
}

absl::Status ChildRuntime::AddExitListener(NCP_OnChildExit listener,
                                           void* user_data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto entry = std::make_pair(listener, user_data);
  if (std::find(exit_listeners_.begin(), exit_listeners_.end(), entry) ==
      exit_listeners_.end()) {
    exit_listeners_.push_back(entry);
  }
  return absl::OkStatus();
}

absl::Status ChildRuntime::RemoveExitListener(NCP_OnChildExit listener,
                                              void* user_data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(exit_listeners_.begin(), exit_listeners_.end(),
                      std::make_pair(listener, user_data));
  if (it == exit_listeners_.end()) {
    return NcpError(NCP_ERR_CALLBACK_NOT_EXIST, "listener is not registered");
  }
  exit_listeners_.erase(it);
  return absl::OkStatus();
}

void ChildRuntime::Abandon(pid_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(pid);
  if (it == children_.end()) return;
  it->second->unreported = true;
  syscall(__NR_pidfd_send_signal, it->second->pidfd.get(), SIGKILL, nullptr, 0);
}

void ChildRuntime::Signal(pid_t pid, int signal) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(pid);
  if (it != children_.end()) {
    syscall(__NR_pidfd_send_signal, it->second->pidfd.get(), signal, nullptr,
            0);
  }
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
