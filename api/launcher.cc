#include "api/launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/app_context.h"
#include "api/error_mapping.h"
#include "api/zygote_protocol.h"
#include "base/errno_status.h"
#include "base/per_process.h"
#include "base/status_macros.h"
#include "spawner/plan_codec.h"
#include "spawner/supervisor.h"

extern char** environ;

namespace ncp::api {

// The trampoline executable, embedded at build time (trampoline_blob.cc).
extern const unsigned char kTrampoline[];
extern const size_t kTrampolineSize;

namespace {

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

absl::Status WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrnoError("write");
    p += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// The trampoline in a sealed memfd, created once per process and checked
// before each use (the app may have closed our fd).
class TrampolineFile {
 public:
  absl::StatusOr<int> Fd() {
    std::lock_guard<std::mutex> lock(mu_);
    struct stat st;
    if (fd_.valid() && fstat(fd_.get(), &st) == 0 && st.st_dev == dev_ &&
        st.st_ino == ino_) {
      return fd_.get();
    }
    fd_.Release();  // not ours any more, if it was ever closed under us
    UniqueFd fd(static_cast<int>(syscall(SYS_memfd_create, "ncp-child",
                                         MFD_CLOEXEC | MFD_ALLOW_SEALING)));
    if (!fd.valid()) return LastErrnoError("memfd_create", "ncp-child");
    NCP_RETURN_IF_ERROR(WriteAll(fd.get(), kTrampoline, kTrampolineSize));
    if (fchmod(fd.get(), 0555) != 0) return LastErrnoError("fchmod");
    fcntl(fd.get(), F_ADD_SEALS,
          F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    if (fstat(fd.get(), &st) != 0) return LastErrnoError("fstat");
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    fd_ = std::move(fd);
    return fd_.get();
  }

 private:
  std::mutex mu_;
  UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

TrampolineFile& Trampoline() {
  static TrampolineFile* file = new TrampolineFile();
  return *file;
}

// A pidfd of `pid`, or invalid (pidfd_open sets close-on-exec itself).
UniqueFd OpenPidfd(pid_t pid) {
  return UniqueFd(static_cast<int>(syscall(__NR_pidfd_open, pid, 0)));
}

// A pidfd of this process, for the child's "parent already gone?" check.
// Re-opened in a forked process.
int SelfPidfd() {
  static std::mutex mu;
  static pid_t owner = 0;
  static int fd = -1;
  std::lock_guard<std::mutex> lock(mu);
  if (owner != getpid()) {
    // After fork the old fd names our parent; it stays open (harmless)
    // because closing it could race with an fd the app reuses.
    fd = OpenPidfd(getpid()).Release();
    owner = getpid();
  }
  return fd;
}

// libipc_capi.so, opened once: the child loads it through /proc/self/fd, so
// it needs no path to it (inside a sandbox, or as another user).
int IpcLibraryFd() {
  static std::mutex mu;
  static UniqueFd* fd = new UniqueFd();
  std::lock_guard<std::mutex> lock(mu);
  if (!fd->valid() && !IpcLibraryPath().empty()) {
    fd->Reset(open(IpcLibraryPath().c_str(), O_RDONLY | O_CLOEXEC));
  }
  return fd->get();
}

// A stdio fd for the child: the parent's, or /dev/null if it has none.
int StdioSource(int fd, UniqueFd* devnull) {
  if (fcntl(fd, F_GETFD) >= 0) return fd;
  if (!devnull->valid()) devnull->Reset(open("/dev/null", O_RDWR | O_CLOEXEC));
  return devnull->get();
}

// The failure of a spawn, as the API reports it (see launcher.h).
absl::Status MapSpawnFailure(const absl::Status& failed, bool isolated,
                             bool uses_user_namespace) {
  if (isolated) {
    // The kernel refused part of the sandbox (namespaces, a mount, the
    // filter): ISOLATED is not available here. Never run unisolated.
    std::string why =
        absl::StrCat("ISOLATED mode is not available: ", failed.message(),
                     uses_user_namespace
                         ? " (are unprivileged user namespaces disabled? see "
                           "/proc/sys/user/max_user_namespaces)"
                         : "");
    fprintf(stderr, "ncp: %s\n", why.c_str());
    absl::Status mapped = NcpError(NCP_ERR_NOT_SUPPORTED, why);
    spawner::CopySetupFailure(failed, &mapped);
    return mapped;
  }
  if (auto failure = spawner::GetSetupFailure(failed);
      failure.has_value() && failure->stage == spawner::Stage::kNone &&
      failure->err == ENOSYS) {
    // COMPAT(kernel 5.3): no pidfds, so no race-free way to watch a child.
    absl::Status mapped =
        NcpError(NCP_ERR_NOT_SUPPORTED,
                 absl::StrCat("this kernel has no pidfds: ", failed.message()));
    spawner::CopySetupFailure(failed, &mapped);
    return mapped;
  }
  // As OpenHarmony maps a failed fork: an internal error.
  absl::Status mapped =
      NcpError(NCP_ERR_INTERNAL,
               absl::StrCat("cannot start the child: ", failed.message()));
  spawner::CopySetupFailure(failed, &mapped);
  return mapped;
}

// NCP_ZYGOTE_HAND_SPARES=0: the app keeps no spare's request socket, so
// every request goes through the zygote, which hands it to a spare (the
// path a request takes when a spare's notice is still on its way; for
// tests and debugging).
bool HandSpares() {
  const char* value = getenv("NCP_ZYGOTE_HAND_SPARES");
  return value == nullptr || strcmp(value, "0") != 0;
}

// What both launchers prepare: the child's fd table, its bootstrap message
// (fd numbers filled in) and its spawn plan (isolation, parent death).
struct Prepared {
  std::vector<int> sources;  // the child's fd i is a dup of sources[i]
  UniqueFd devnull;
  UniqueFd bootstrap_fd;  // direct launcher only (child fd 3)
  UniqueFd status_write;  // isolated: the init's report pipe
  UniqueFd status_read;
  UniqueFd channel_ours;  // LaunchRequest::wants_channel
  UniqueFd channel_theirs;
  spawner::SpawnPlan plan;
  std::shared_ptr<const isolation::IsolationPlan> isolation;
};

// An isolated child's status pipe (its init reports on it how the child
// ended): the write end goes into the child's fd table.
absl::Status AddStatusPipe(LaunchRequest& request, Prepared* out) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
    return LastErrnoError("pipe2", "init report");
  }
  out->status_read.Reset(pipefd[0]);
  out->status_write.Reset(pipefd[1]);
  request.bootstrap.status_fd = static_cast<int>(out->sources.size());
  out->sources.push_back(out->status_write.get());
  return absl::OkStatus();
}

// A Create* child's channel (LaunchRequest::wants_channel): the child's end
// goes into its fd table.
absl::Status AddChannel(LaunchRequest& request, Prepared* out) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return LastErrnoError("socketpair", "IPC channel");
  }
  out->channel_ours.Reset(sv[0]);
  out->channel_theirs.Reset(sv[1]);
  request.bootstrap.channel_fd = static_cast<int>(out->sources.size());
  out->sources.push_back(out->channel_theirs.get());
  return absl::OkStatus();
}

// `direct`: the child execs the trampoline, which reads its bootstrap from
// fd 3 and loads libipc_capi.so from the fd table; a zygote's child has
// both already. An isolated child gets its status pipe here for the direct
// launcher only: a zygote's isolated spare has one of its own, made in
// advance, whose read end comes back with the verdict (AddStatusPipe makes
// one for a request the zygote itself serves).
absl::Status Prepare(LaunchRequest& request, bool direct, Prepared* out) {
  out->sources = {StdioSource(0, &out->devnull), StdioSource(1, &out->devnull),
                  StdioSource(2, &out->devnull)};
  if (direct) {
    out->bootstrap_fd.Reset(static_cast<int>(
        syscall(SYS_memfd_create, "ncp-bootstrap", MFD_CLOEXEC)));
    if (!out->bootstrap_fd.valid()) {
      return LastErrnoError("memfd_create", "ncp-bootstrap");
    }
    out->sources.push_back(out->bootstrap_fd.get());
  }
  Bootstrap& boot = request.bootstrap;
  boot.fds.clear();
  for (const NamedFd& fd : request.fds) {
    boot.fds.emplace_back(fd.name, static_cast<int>(out->sources.size()));
    out->sources.push_back(fd.fd);
  }
  boot.ipc_library.clear();
  if (int ipc_fd = IpcLibraryFd(); direct && ipc_fd >= 0) {
    boot.ipc_library =
        absl::StrCat("/proc/self/fd/", static_cast<int>(out->sources.size()));
    out->sources.push_back(ipc_fd);
  }
  boot.channel_fd = -1;
  if (request.channel_fd >= 0) {
    boot.channel_fd = static_cast<int>(out->sources.size());
    out->sources.push_back(request.channel_fd);
  } else if (request.wants_channel && direct) {
    NCP_RETURN_IF_ERROR(AddChannel(request, out));
  }
  boot.status_fd = -1;
  boot.trace_fd = -1;
  if (request.trace != nullptr) {
    boot.trace_fd = static_cast<int>(out->sources.size());
    out->plan.trace_fd_index = boot.trace_fd;
    out->sources.push_back(request.trace->fd());
  }
  boot.flags &= ~Bootstrap::kRunAsInit;
  if (request.isolation != nullptr) {
    absl::StatusOr<std::shared_ptr<const isolation::IsolationPlan>> built =
        isolation::BuildIsolationPlan(*request.isolation);
    if (!built.ok()) {
      // A configuration problem the developer has to see.
      fprintf(stderr, "ncp: cannot build the sandbox: %s\n",
              std::string(built.status().message()).c_str());
      return built.status();
    }
    out->isolation = *std::move(built);
    out->isolation->ApplyTo(out->plan);
    if ((out->plan.namespace_flags & CLONE_NEWPID) != 0) {
      boot.flags |= Bootstrap::kRunAsInit;
      if (direct) NCP_RETURN_IF_ERROR(AddStatusPipe(request, out));
    }
  }
  out->plan.pdeath_signal = SIGKILL;
  return absl::OkStatus();
}

class DirectLauncher : public Launcher {
 public:
  absl::StatusOr<LaunchedChild> Launch(LaunchRequest& request) override {
    NCP_ASSIGN_OR_RETURN(int trampoline_fd, Trampoline().Fd());
    Prepared prepared;
    NCP_RETURN_IF_ERROR(Prepare(request, /*direct=*/true, &prepared));
    std::string message = EncodeBootstrap(request.bootstrap);
    NCP_RETURN_IF_ERROR(
        WriteAll(prepared.bootstrap_fd.get(), message.data(), message.size()));

    std::vector<std::string> args = {request.bootstrap.process_name};
    args.insert(args.end(), request.extra_argv.begin(),
                request.extra_argv.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    spawner::SpawnPlan& plan = prepared.plan;
    plan.exec_fd = trampoline_fd;
    plan.argv = argv.data();
    plan.envp = environ;
    plan.source_fds = prepared.sources.data();
    plan.n_fds = static_cast<int>(prepared.sources.size());
    plan.parent_pidfd = SelfPidfd();

    absl::StatusOr<spawner::SpawnedChild> spawned =
        spawner::Supervisor::Get().Spawn(plan);
    if (!spawned.ok()) {
      return MapSpawnFailure(spawned.status(), request.isolation != nullptr,
                             prepared.isolation != nullptr &&
                                 prepared.isolation->UsesUserNamespace());
    }
    LaunchedChild child;
    child.pid = spawned->pid;
    child.pidfd = std::move(spawned->pidfd);
    child.status_fd = std::move(prepared.status_read);
    child.channel = std::move(prepared.channel_ours);
    return child;
  }
};

DirectLauncher& Direct() {
  static DirectLauncher* launcher = new DirectLauncher();
  return *launcher;
}

// --------------------------------------------------------------- zygote

// The app's name for the kind of spare a sandboxed plan needs
// (ZygoteRequest::kind): a hash of what the zygote's kind is made of, the
// plan's encoding without the trace fd (`key`, as sent: see Parse in
// zygote.cc); never 0, which names NORMAL. A spare checks that a request is
// of its kind, so a collision only costs a retry.
uint64_t KindOf(const std::string& key) {
  // FNV-1a over 8-byte words (the key is a few KiB: bytewise costs ~10 us).
  uint64_t h = 14695981039346656037ull;
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t word;
    memcpy(&word, key.data() + i, 8);
    h ^= word;
    h *= 1099511628211ull;
  }
  for (; i < key.size(); ++i) {
    h ^= static_cast<unsigned char>(key[i]);
    h *= 1099511628211ull;
  }
  return h != 0 ? h : 1;
}

// A request: `inline_payload` (may be empty: then fds[0] is a memfd with
// it) and fds [payload memfd?, cwd, fd table...].
bool SendRequest(int control, const std::string& inline_payload,
                 const std::vector<int>& fds, uint32_t flags, uint64_t kind) {
  const uint32_t first_table = inline_payload.empty() ? 2 : 1;
  ZygoteRequest header = {
      kZygoteRequestMagic, static_cast<uint32_t>(fds.size() - first_table),
      static_cast<uint32_t>(inline_payload.size()), flags, kind};
  struct iovec iov[2] = {
      {&header, sizeof(header)},
      {const_cast<char*>(inline_payload.data()), inline_payload.size()}};
  std::vector<char> control_buf(CMSG_SPACE(sizeof(int) * fds.size()));
  struct msghdr msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = inline_payload.empty() ? 1 : 2;
  msg.msg_control = control_buf.data();
  msg.msg_controllen = control_buf.size();
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  ssize_t n;
  do {
    n = sendmsg(control, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof(header) + inline_payload.size());
}

// One message from the zygote: a reply or a notice (zygote_protocol.h),
// with at most one fd. False when the zygote is gone (or, with
// MSG_DONTWAIT, nothing is queued).
struct ZygoteMessage {
  union {
    uint32_t magic;
    ZygoteReply reply;
    ZygoteNotice notice;
  };
  size_t size = 0;
  UniqueFd fd;
};

bool ReceiveMessage(int control, int flags, ZygoteMessage* out) {
  std::vector<int> fds;
  const ssize_t n = ReceiveWithFds(control, &out->reply, sizeof(ZygoteReply),
                                   flags, /*max_fds=*/4, &fds);
  for (size_t i = 0; i < fds.size(); ++i) {
    if (i == 0 && !out->fd.valid()) {
      out->fd.Reset(fds[i]);
    } else {
      close(fds[i]);
    }
  }
  if (n <= 0) return false;
  out->size = static_cast<size_t>(n);
  return true;
}

// What a zygote inherited from the app when it started and its children
// would inherit from it rather than from the app at the time of the
// request: credentials, capabilities, seccomp, CPU affinity and nice
// value. (Resource limits, the cgroup and the scheduling policy are not
// compared: see docs/design.md.) When any of it has changed the zygote is
// replaced, so a child never has more (or other) privileges than a direct
// spawn would give it. Namespaces are not compared: the zygote and a direct
// child are both cloned by the supervisor thread, whose namespaces never
// change (setns and unshare act on the calling thread only, and only the
// app's threads make those calls). Stat'ing /proc/self/ns/* cost ~43 us of
// every spawn (pinned, A/B in one process) and compared the main thread's.
struct AppState {
  uid_t uids[3] = {};
  gid_t gids[3] = {};
  std::vector<gid_t> groups;
  uint32_t caps[6] = {};
  int seccomp = 0;
  int no_new_privs = 0;
  std::string seccomp_filters;  // "Seccomp_filters:" when in filter mode
  cpu_set_t affinity;
  int nice = 0;

  static AppState Now() {
    AppState s;
    getresuid(&s.uids[0], &s.uids[1], &s.uids[2]);
    getresgid(&s.gids[0], &s.gids[1], &s.gids[2]);
    // Per-thread: the supervisor thread's, which clones the zygote (and,
    // on the direct path, every child).
    const pid_t spawner = spawner::Supervisor::Get().ThreadId();
    CPU_ZERO(&s.affinity);
    sched_getaffinity(spawner, sizeof(s.affinity), &s.affinity);
    errno = 0;
    s.nice = getpriority(PRIO_PROCESS, static_cast<id_t>(spawner));
    int n = getgroups(0, nullptr);
    if (n > 0) {
      s.groups.resize(static_cast<size_t>(n));
      n = getgroups(n, s.groups.data());
      s.groups.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
    struct {
      uint32_t version;
      int pid;
    } header = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    syscall(SYS_capget, &header, s.caps);
    s.seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    s.no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (s.seccomp == 2) s.seccomp_filters = SeccompFilters();
    return s;
  }

  bool operator==(const AppState& o) const {
    return memcmp(uids, o.uids, sizeof(uids)) == 0 &&
           memcmp(gids, o.gids, sizeof(gids)) == 0 && groups == o.groups &&
           memcmp(caps, o.caps, sizeof(caps)) == 0 && seccomp == o.seccomp &&
           no_new_privs == o.no_new_privs &&
           seccomp_filters == o.seccomp_filters &&
           CPU_EQUAL(&affinity, &o.affinity) && nice == o.nice;
  }
  bool operator!=(const AppState& o) const { return !(*this == o); }

 private:
  // The number of stacked filters (kernel 5.9+), so a filter added after
  // the zygote started is noticed too.
  static std::string SeccompFilters() {
    FILE* f = fopen("/proc/self/status", "re");
    if (f == nullptr) return "";
    char line[256];
    std::string found;
    while (fgets(line, sizeof(line), f) != nullptr) {
      if (strncmp(line, "Seccomp_filters:", 16) == 0) found = line;
    }
    fclose(f);
    return found;
  }
};

// Starts children through a zygote (see zygote_protocol.h), restarting it
// when it has died. UNAVAILABLE means "use the direct launcher".
class ZygoteLauncher : public Launcher {
 public:
  ZygoteLauncher() {
    // Forked from an app that had a zygote: that zygote and its spares
    // belong to the parent (its children would be the parent's). Drop our
    // copy of its socket; this process starts its own on first use.
    if (owner_ != 0 && owner_ != getpid()) {
      for (std::atomic<int>& slot : owned_fds_) {
        const int v = slot.exchange(0);
        if (v != 0) close(v - 1);
      }
    }
  }

  absl::StatusOr<LaunchedChild> Launch(LaunchRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    AppState now = AppState::Now();
    if (control_.valid() && now != started_with_) {
      // The app changed its credentials, filters or namespaces: a new
      // zygote inherits the new ones.
      LoseZygote();
      broken_ = false;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!control_.valid()) {
        if (broken_) {
          return absl::UnavailableError("the zygote cannot run here");
        }
        absl::Status started = StartZygote();
        started_with_ = now;
        if (!started.ok()) {
          // Not for good: it may be for want of fds or memory, which pass.
          return absl::UnavailableError(started.message());
        }
      }
      absl::StatusOr<LaunchedChild> child = Request(request);
      if (child.ok() || child.status().code() != absl::StatusCode::kAborted) {
        return child;
      }
      LoseZygote();  // it died under us: once more with a new one
    }
    broken_ = true;  // until the app's state changes (see above)
    return absl::UnavailableError("the zygote keeps dying");
  }

 private:
  absl::Status StartZygote() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      return LastErrnoError("socketpair", "zygote");
    }
    UniqueFd ours(sv[0]), theirs(sv[1]);
    LaunchRequest start;
    start.bootstrap.kind = Bootstrap::kZygote;
    start.bootstrap.process_name = "ncp-zygote";
    const char* preload = getenv("NCP_ZYGOTE_PRELOAD");
    start.bootstrap.params = preload != nullptr ? preload : "";
    start.channel_fd = theirs.get();
    // Room in argv for the children's names (see SetProcessName).
    start.extra_argv.push_back(std::string(kZygoteNameRoom, '.'));
    absl::StatusOr<LaunchedChild> zygote = Direct().Launch(start);
    if (!zygote.ok()) return zygote.status();
    control_ = std::move(ours);
    owner_ = getpid();
    Track(control_.get());
    // When it dies (or was never usable), the next request notices EOF.
    pid_ = zygote->pid;
    Reap(pid_, std::move(zygote->pidfd));
    return absl::OkStatus();
  }

  // The zygote is gone or must go: collect what it told us about its
  // spares (up to its EOF, so none is missed), then reap them as they
  // exit (they do when the zygote does).
  void LoseZygote() {
    shutdown(control_.get(), SHUT_WR);  // the zygote reads EOF and exits
    for (;;) {
      struct pollfd pfd = {control_.get(), POLLIN, 0};
      if (poll(&pfd, 1, kLoseTimeoutMs) <= 0) {
        kill(pid_, SIGKILL);  // stuck: make sure it goes
        break;
      }
      ZygoteMessage m;
      if (!ReceiveMessage(control_.get(), MSG_DONTWAIT, &m)) break;  // EOF
      OnMessage(&m);
    }
    while (!handed_.empty()) DropHanded(handed_.back().pid);
    // Spares end when the zygote does, but one may have taken a request
    // whose reply never came (it would run as a child nobody reports); and a
    // spare the zygote cloned but could not tell us about (it died between
    // the clone and the notice; a request's child before its reply,
    // likewise) is our child all the same, found by the zygote's names. Stop
    // and reap them all.
    std::vector<pid_t> ours = UnannouncedSpares();
    ours.insert(ours.end(), spares_.begin(), spares_.end());
    for (pid_t pid : ours) {
      UniqueFd pidfd = OpenPidfd(pid);
      if (!pidfd.valid()) continue;
      syscall(__NR_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
      Reap(pid, std::move(pidfd));
    }
    spares_.clear();
    Untrack(control_.get());
    control_.Reset();
  }

  // This process's children (of any thread) that bear a spare's name
  // ("ncp-spare", or "ncp-zygote" if just cloned), other than the zygote
  // itself and the spares we know of.
  std::vector<pid_t> UnannouncedSpares() const {
    std::vector<pid_t> found;
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == nullptr) return found;
    while (struct dirent* t = readdir(tasks)) {
      if (t->d_name[0] == '.') continue;
      FILE* list = fopen(
          absl::StrCat("/proc/self/task/", t->d_name, "/children").c_str(),
          "re");
      if (list == nullptr) continue;
      int pid;
      while (fscanf(list, "%d", &pid) == 1) {
        if (pid == pid_ || spares_.count(pid) != 0) continue;
        FILE* comm = fopen(absl::StrCat("/proc/", pid, "/comm").c_str(), "re");
        if (comm == nullptr) continue;
        char name[32] = {};
        if (fgets(name, sizeof(name), comm) != nullptr &&
            (strcmp(name, "ncp-spare\n") == 0 ||
             strcmp(name, "ncp-zygote\n") == 0)) {
          found.push_back(pid);
        }
        fclose(comm);
      }
      fclose(list);
    }
    closedir(tasks);
    return found;
  }

  // A notice is handled; true for a reply (left in *m).
  bool OnMessage(ZygoteMessage* m) {
    if (m->size == sizeof(ZygoteNotice) && m->magic == kZygoteNoticeMagic) {
      const ZygoteNotice& n = m->notice;
      if (n.event == ZygoteNotice::kSpareCreated) {
        spares_.insert(n.pid);
        // Its request socket. NCP_ZYGOTE_HAND_SPARES=0: not kept, so every
        // request goes through the zygote, which hands it to the spare.
        if (m->fd.valid() && HandSpares()) {
          Track(m->fd.get());
          handed_.push_back({n.pid, n.kind, std::move(m->fd)});
        }
      } else if (n.event == ZygoteNotice::kSpareGone) {
        DropHanded(n.pid);
        if (spares_.erase(n.pid) != 0) Reap(n.pid, UniqueFd());
      }
      return false;
    }
    return m->size == sizeof(ZygoteReply) && m->magic == kZygoteReplyMagic;
  }

  // Lets the supervisor reap `pid` (not one of the API's children), by
  // `pidfd` or, if invalid, a pidfd opened now.
  static void Reap(pid_t pid, UniqueFd pidfd) {
    if (!pidfd.valid()) pidfd = OpenPidfd(pid);
    if (!pidfd.valid()) return;
    auto* owned = new UniqueFd(std::move(pidfd));
    if (!spawner::Supervisor::Get().Watch(
            pid, owned->get(),
            [owned](const spawner::ChildExit&) { delete owned; })) {
      spawner::KillAndReap(pid, owned->get());  // no zombie left behind
      delete owned;
    }
  }

  // The request's plan as sent to the zygote: encoded without the trace fd
  // (the bootstrap names it; see Parse in zygote.cc), so that a sandbox's
  // encoding is the same for every request. `*kind` is its KindOf (0 for
  // NORMAL). A sandbox's encoding and kind are kept with the isolation
  // plan they come from (BuildIsolationPlan returns the same plan for the
  // same inputs; the rest of what is encoded is the same for every
  // request): encoding its 3 KiB cost ~5 us of every ISOLATED start, warm.
  // With mu_ held.
  void PlanAsSent(const Prepared& prepared, std::string* encoded,
                  uint64_t* kind) {
    if (prepared.isolation != nullptr &&
        prepared.isolation == encoded_isolation_) {
      *encoded = encoded_plan_;
      *kind = encoded_kind_;
      return;
    }
    spawner::SpawnPlan keyed = prepared.plan;
    keyed.trace_fd_index = -1;
    *encoded = spawner::EncodePlan(keyed);
    *kind = keyed.namespace_flags == 0 ? 0 : KindOf(*encoded);
    if (prepared.isolation != nullptr) {
      encoded_isolation_ = prepared.isolation;
      encoded_plan_ = *encoded;
      encoded_kind_ = *kind;
    }
  }

  // ABORTED: the zygote is gone (retry with a new one).
  absl::StatusOr<LaunchedChild> Request(LaunchRequest& request) {
    Prepared prepared;
    NCP_RETURN_IF_ERROR(Prepare(request, /*direct=*/false, &prepared));
    ZygotePayload payload;
    const bool normal = prepared.plan.namespace_flags == 0;
    // A NORMAL spare has a channel for a Create* child made in advance (its
    // end comes back with the verdict); an isolated one does not.
    if (request.wants_channel && !normal) {
      NCP_RETURN_IF_ERROR(AddChannel(request, &prepared));
    }
    uint64_t kind = 0;
    PlanAsSent(prepared, &payload.plan, &kind);
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      payload.env.push_back(*e);
    }
    mode_t mask = umask(022);
    umask(mask);
    payload.umask = mask;
    UniqueFd cwd(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cwd.valid() && errno != EMFILE && errno != ENFILE) {
      cwd.Reset(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!cwd.valid()) return LastErrnoError("open", "the working directory");
    // The request as sent: its bytes and fds (the bootstrap names fds of
    // the table, which an isolated request sent to the zygote itself gets
    // one more of: its status pipe).
    std::string bytes;
    std::vector<int> fds;
    UniqueFd payload_fd;
    auto encode = [&]() -> absl::Status {
      payload.bootstrap = EncodeBootstrap(request.bootstrap);
      bytes = EncodeZygotePayload(payload);
      fds.clear();
      payload_fd.Reset();
      if (bytes.size() > kZygoteMaxInline) {
        payload_fd.Reset(static_cast<int>(
            syscall(SYS_memfd_create, "ncp-request", MFD_CLOEXEC)));
        if (!payload_fd.valid()) {
          return LastErrnoError("memfd_create", "ncp-request");
        }
        NCP_RETURN_IF_ERROR(
            WriteAll(payload_fd.get(), bytes.data(), bytes.size()));
        bytes.clear();
        fds.push_back(payload_fd.get());
      }
      fds.push_back(cwd.get());
      fds.insert(fds.end(), prepared.sources.begin(), prepared.sources.end());
      return absl::OkStatus();
    };
    NCP_RETURN_IF_ERROR(encode());

    // A NORMAL Create* goes to spares of its own (which make its IPC
    // runtime and channel in advance; zygote.cc, CreateKey).
    const bool normal_create = normal && request.wants_channel;
    if (normal_create) kind = kZygoteCreateKind;
    const uint32_t flags =
        (normal ? uint32_t{ZygoteRequest::kNormal} : 0) |
        (normal_create ? uint32_t{ZygoteRequest::kCreate} : 0);
    // The notices queued so far: a new spare may be among them.
    for (;;) {
      ZygoteMessage m;
      errno = 0;
      if (!ReceiveMessage(control_.get(), MSG_DONTWAIT, &m)) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return absl::AbortedError("the zygote is gone");
      }
      if (OnMessage(&m)) return absl::AbortedError("the zygote sent garbage");
    }
    // The request goes straight to a spare of its kind the zygote handed
    // over, if there is one, and the spare answers with its setup's verdict
    // (the zygote refills when the child is past its start); neither the
    // request nor the answer passes through the zygote. If that spare died
    // before it began (EOF), or there is none, the zygote gets the request.
    ZygoteReply reply = {kZygoteReplyMagic, -1, 0, 0, -1, 0};
    UniqueFd pidfd;
    for (;;) {
      auto it =
          std::find_if(handed_.rbegin(), handed_.rend(),
                       [kind](const Handed& h) { return h.kind == kind; });
      if (reply.pid >= 0 || it == handed_.rend()) break;
      const pid_t spare = it->pid;
      UniqueFd sock = std::move(it->sock);
      handed_.erase(std::next(it).base());
      Untrack(sock.get());
      int32_t verdict[3];
      // An isolated spare's status pipe (read end), or a NORMAL spare's
      // end of the channel it made.
      std::vector<int> got;
      if (SendRequest(sock.get(), bytes, fds, flags, kind) &&
          ReceiveWithFds(sock.get(), verdict, sizeof(verdict), 0,
                         /*max_fds=*/1,
                         &got) == static_cast<ssize_t>(sizeof(verdict))) {
        reply = {kZygoteReplyMagic, spare,      verdict[0],
                 verdict[1],        verdict[2], 1};
        pidfd = OpenPidfd(spare);  // our child, not reaped: still `spare`
      }
      for (int fd : got) {
        if (!normal && !prepared.status_read.valid()) {
          prepared.status_read.Reset(fd);
        } else if (normal && request.wants_channel &&
                   !prepared.channel_ours.valid()) {
          prepared.channel_ours.Reset(fd);
        } else {
          close(fd);
        }
      }
      if (spares_.erase(spare) != 0 && reply.pid < 0) Reap(spare, UniqueFd());
    }
    if (reply.pid < 0) {
      // The zygote forks the child or hands the request to a spare: the
      // request brings what a spare would have made.
      bool again = false;
      if ((request.bootstrap.flags & Bootstrap::kRunAsInit) != 0 &&
          !prepared.status_write.valid()) {
        NCP_RETURN_IF_ERROR(AddStatusPipe(request, &prepared));
        again = true;
      }
      if (request.wants_channel && !prepared.channel_theirs.valid()) {
        prepared.channel_ours.Reset();  // (a spare's, if one died after)
        NCP_RETURN_IF_ERROR(AddChannel(request, &prepared));
        again = true;
      }
      if (again) NCP_RETURN_IF_ERROR(encode());
      if (!SendRequest(control_.get(), bytes, fds, flags, kind)) {
        return absl::AbortedError("the zygote is gone");
      }
      ZygoteMessage m;
      for (;;) {
        if (!ReceiveMessage(control_.get(), 0, &m)) {
          return absl::AbortedError("the zygote is gone");
        }
        if (OnMessage(&m)) break;
        if (m.size != sizeof(ZygoteNotice)) {
          return absl::AbortedError("the zygote sent garbage");
        }
        m = ZygoteMessage();
      }
      reply = m.reply;
      pidfd = std::move(m.fd);
      spares_.erase(reply.pid);  // a spare became this child
      DropHanded(reply.pid);     // (one the zygote used for us, see Handle)
    }

    // The child is ours (CLONE_PARENT), not reaped yet.
    auto reap = [&pidfd] {
      siginfo_t info;
      waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()),
             &info, WEXITED | __WALL);
    };
    if (reply.pid <= 0 || reply.err != 0) {
      if (reply.pid > 0 && pidfd.valid()) reap();
      absl::Status failed = spawner::MakeSetupFailure(
          static_cast<spawner::Stage>(reply.stage), reply.err,
          reply.pid > 0 ? reply.pid : 0, reply.index);
      return MapSpawnFailure(failed, request.isolation != nullptr,
                             prepared.isolation != nullptr &&
                                 prepared.isolation->UsesUserNamespace());
    }
    if (!pidfd.valid()) return absl::AbortedError("the zygote sent no pidfd");
    if ((request.wants_channel && !prepared.channel_ours.valid()) ||
        (!normal && !prepared.status_read.valid())) {
      // A spare's verdict without the fds it brings (this process at its
      // fd limit drops them): the child could not report, or its end would
      // not be known: stopped and reaped here.
      kill(reply.pid, SIGKILL);
      reap();
      return absl::ResourceExhaustedError(
          "the spare's verdict came without its fds");
    }
    if (request.trace != nullptr) {
      request.trace->SetViaZygote(reply.spare != 0 ? 2 : 1, pid_);
    }
    LaunchedChild child;
    child.pid = reply.pid;
    child.pidfd = std::move(pidfd);
    child.status_fd = std::move(prepared.status_read);
    child.channel = std::move(prepared.channel_ours);
    return child;
  }

  // Forgets the handed spare `pid` (if it is one): closes its socket.
  void DropHanded(pid_t pid) {
    for (size_t i = 0; i < handed_.size(); ++i) {
      if (handed_[i].pid != pid) continue;
      Untrack(handed_[i].sock.get());
      handed_.erase(handed_.begin() + static_cast<long>(i));
      return;
    }
  }

  // fds a forked copy of this process must close: the zygote's socket and
  // the handed spares' sockets.
  // Slots hold fd + 1 (0: free); lock-free, so that a
  // fork at any moment leaves them consistent.
  static void Track(int fd) {
    for (std::atomic<int>& slot : owned_fds_) {
      int free = 0;
      if (slot.compare_exchange_strong(free, fd + 1)) return;
    }
  }
  static void Untrack(int fd) {
    for (std::atomic<int>& slot : owned_fds_) {
      int mine = fd + 1;
      if (slot.compare_exchange_strong(mine, 0)) return;
    }
  }

  static constexpr size_t kZygoteNameRoom = 512;
  static constexpr int kLoseTimeoutMs = 2000;
  static inline std::atomic<int> owned_fds_[64] = {};
  static inline std::atomic<pid_t> owner_{0};
  std::mutex mu_;
  UniqueFd control_;
  pid_t pid_ = -1;
  bool broken_ = false;
  AppState started_with_;
  std::set<pid_t> spares_;  // the zygote's spares (our children)
  // Spares whose request sockets the zygote handed over.
  struct Handed {
    pid_t pid;
    uint64_t kind;  // ZygoteRequest::kind
    UniqueFd sock;
  };
  std::vector<Handed> handed_;
  // The last sandbox's encoded plan and kind (PlanAsSent).
  std::shared_ptr<const isolation::IsolationPlan> encoded_isolation_;
  std::string encoded_plan_;
  uint64_t encoded_kind_ = 0;
};

// The zygote when it can be used (NCP_ZYGOTE is not 0), else the direct
// launcher; and the direct launcher whenever the zygote is unavailable.
class AutoLauncher : public Launcher {
 public:
  absl::StatusOr<LaunchedChild> Launch(LaunchRequest& request) override {
    if (ZygoteEnabled()) {
      absl::StatusOr<LaunchedChild> child = zygote_.Launch(request);
      if (child.ok() ||
          child.status().code() != absl::StatusCode::kUnavailable) {
        return child;
      }
    }
    return Direct().Launch(request);
  }

 private:
  static bool ZygoteEnabled() {
    const char* value = getenv("NCP_ZYGOTE");
    return value == nullptr || strcmp(value, "0") != 0;
  }
  ZygoteLauncher zygote_;
};

}  // namespace

// Per process: a forked copy of the app gets a launcher (and zygote) of its
// own.
Launcher& DefaultLauncher() { return PerProcess<AutoLauncher>::Get(); }

bool LauncherAvailable() { return Trampoline().Fd().ok(); }

}  // namespace ncp::api
