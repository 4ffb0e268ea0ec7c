#include "api/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "api/app_context.h"
#include "api/error_mapping.h"
#include "base/errno_status.h"
#include "base/status_macros.h"
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
    fd = static_cast<int>(syscall(__NR_pidfd_open, getpid(), 0));
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
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

class DirectLauncher : public Launcher {
 public:
  absl::StatusOr<LaunchedChild> Launch(LaunchRequest& request) override {
    NCP_ASSIGN_OR_RETURN(int trampoline_fd, Trampoline().Fd());

    // The child's fd table: 0-2 stdio, 3 bootstrap, then the user's fds in
    // name order, then the IPC channel and the init's report pipe.
    UniqueFd devnull;
    std::vector<int> sources = {StdioSource(0, &devnull),
                                StdioSource(1, &devnull),
                                StdioSource(2, &devnull)};
    UniqueFd bootstrap_fd(static_cast<int>(
        syscall(SYS_memfd_create, "ncp-bootstrap", MFD_CLOEXEC)));
    if (!bootstrap_fd.valid()) {
      return LastErrnoError("memfd_create", "ncp-bootstrap");
    }
    sources.push_back(bootstrap_fd.get());

    Bootstrap& boot = request.bootstrap;
    boot.fds.clear();
    for (const NamedFd& fd : request.fds) {
      boot.fds.emplace_back(fd.name, static_cast<int>(sources.size()));
      sources.push_back(fd.fd);
    }
    boot.ipc_library.clear();
    if (int ipc_fd = IpcLibraryFd(); ipc_fd >= 0) {
      boot.ipc_library =
          absl::StrCat("/proc/self/fd/", static_cast<int>(sources.size()));
      sources.push_back(ipc_fd);
    }
    boot.channel_fd = -1;
    if (request.channel_fd >= 0) {
      boot.channel_fd = static_cast<int>(sources.size());
      sources.push_back(request.channel_fd);
    }

    spawner::SpawnPlan plan;
    std::unique_ptr<isolation::IsolationPlan> isolation_plan;
    LaunchedChild child;
    UniqueFd status_write;
    boot.status_fd = -1;
    boot.flags &= ~Bootstrap::kRunAsInit;
    if (request.isolation != nullptr) {
      absl::StatusOr<std::unique_ptr<isolation::IsolationPlan>> built =
          isolation::BuildIsolationPlan(*request.isolation);
      if (!built.ok()) {
        // A configuration problem the developer has to see.
        fprintf(stderr, "ncp: cannot build the sandbox: %s\n",
                std::string(built.status().message()).c_str());
        return built.status();
      }
      isolation_plan = *std::move(built);
      isolation_plan->ApplyTo(plan);
      if ((plan.namespace_flags & CLONE_NEWPID) != 0) {
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
          return LastErrnoError("pipe2", "init report");
        }
        child.status_fd.Reset(pipefd[0]);
        status_write.Reset(pipefd[1]);
        boot.flags |= Bootstrap::kRunAsInit;
        boot.status_fd = static_cast<int>(sources.size());
        sources.push_back(status_write.get());
      }
    }

    std::string message = EncodeBootstrap(boot);
    NCP_RETURN_IF_ERROR(
        WriteAll(bootstrap_fd.get(), message.data(), message.size()));

    std::string argv0 = boot.process_name;
    char* argv[] = {argv0.data(), nullptr};
    plan.exec_fd = trampoline_fd;
    plan.argv = argv;
    plan.envp = environ;
    plan.source_fds = sources.data();
    plan.n_fds = static_cast<int>(sources.size());
    plan.pdeath_signal = SIGKILL;
    plan.parent_pidfd = SelfPidfd();

    absl::StatusOr<spawner::SpawnedChild> spawned =
        spawner::Supervisor::Get().Spawn(plan);
    if (!spawned.ok()) {
      if (request.isolation != nullptr) {
        // The kernel refused part of the sandbox (namespaces, a mount, the
        // filter): ISOLATED is not available here. Never run unisolated.
        std::string why = absl::StrCat(
            "ISOLATED mode is not available: ", spawned.status().message(),
            isolation_plan->UsesUserNamespace()
                ? " (are unprivileged user namespaces disabled? see "
                  "/proc/sys/user/max_user_namespaces)"
                : "");
        fprintf(stderr, "ncp: %s\n", why.c_str());
        absl::Status mapped = NcpError(NCP_ERR_NOT_SUPPORTED, why);
        spawner::CopySetupFailure(spawned.status(), &mapped);
        return mapped;
      }
      if (auto failure = spawner::GetSetupFailure(spawned.status());
          failure.has_value() && failure->stage == spawner::Stage::kNone &&
          failure->err == ENOSYS) {
        // COMPAT(kernel 5.3): no pidfds, so no race-free way to watch a
        // child. This kernel cannot give what the call asks for.
        absl::Status mapped = NcpError(
            NCP_ERR_NOT_SUPPORTED, absl::StrCat("this kernel has no pidfds: ",
                                                spawned.status().message()));
        spawner::CopySetupFailure(spawned.status(), &mapped);
        return mapped;
      }
      // As OpenHarmony maps a failed fork: an internal error.
      absl::Status mapped = NcpError(
          NCP_ERR_INTERNAL,
          absl::StrCat("cannot start the child: ", spawned.status().message()));
      spawner::CopySetupFailure(spawned.status(), &mapped);
      return mapped;
    }
    child.pid = spawned->pid;
    child.pidfd = std::move(spawned->pidfd);
    return child;
  }
};

}  // namespace

Launcher& DefaultLauncher() {
  static Launcher* launcher = new DirectLauncher();
  return *launcher;
}

bool LauncherAvailable() { return Trampoline().Fd().ok(); }

}  // namespace ncp::api
