// The zygote: see zygote_protocol.h. Runs in the child trampoline.
//
// Single-threaded by design: it forks. It never touches the IPC runtime
// (which would start threads); libipc_capi.so is only loaded, so children
// start with it mapped and relocated.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "api/bootstrap.h"
#include "api/child_flows.h"
#include "api/zygote_protocol.h"
#include "spawner/child_setup.h"
#include "spawner/plan_codec.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

extern char** environ;

namespace ncp::api {
namespace {

constexpr int kMaxFds = 2 + kZygoteMaxTableFds;

struct Received {
  ZygoteRequest header = {};
  std::vector<int> fds;  // closed by the caller
};

// One request; false when the app has gone (EOF or a broken socket).
bool ReceiveRequest(int control, Received* out, bool* malformed) {
  *malformed = false;
  out->fds.clear();
  char control_buf[CMSG_SPACE(sizeof(int) * kMaxFds)];
  struct iovec iov = {&out->header, sizeof(out->header)};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_buf;
  msg.msg_controllen = sizeof(control_buf);
  ssize_t n;
  do {
    n = recvmsg(control, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
    out->fds.insert(out->fds.end(), fds, fds + count);
  }
  if (n != static_cast<ssize_t>(sizeof(out->header)) ||
      (msg.msg_flags & MSG_CTRUNC) ||
      out->header.magic != kZygoteRequestMagic ||
      out->header.table_fds > kZygoteMaxTableFds ||
      out->fds.size() != 2 + out->header.table_fds) {
    *malformed = true;
  }
  return true;
}

bool ReadAll(int fd, std::string* out) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 0 || st.st_size > (8 << 20))
    return false;
  out->assign(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n =
        pread(fd, &(*out)[done], out->size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void Reply(int control, const ZygoteReply& reply, int pidfd) {
  struct iovec iov = {const_cast<ZygoteReply*>(&reply), sizeof(reply)};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  char control_buf[CMSG_SPACE(sizeof(int))] = {};
  if (pidfd >= 0) {
    msg.msg_control = control_buf;
    msg.msg_controllen = sizeof(control_buf);
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(control, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
}

class Zygote {
 public:
  Zygote(const Bootstrap& boot, void* ipc_library)
      : boot_(boot), ipc_library_(ipc_library), control_(boot.channel_fd) {}

  [[noreturn]] void Run() {
    if (prctl(PR_GET_TID_ADDRESS, &tid_address_) != 0 ||
        tid_address_ == nullptr) {
      // Without it a fork-like clone would leave glibc's idea of the
      // child's thread id stale; the app falls back to exec'ing children.
      fprintf(stderr, "ncp-zygote: PR_GET_TID_ADDRESS: %s\n", strerror(errno));
      _exit(69);
    }
    app_pidfd_ = static_cast<int>(syscall(__NR_pidfd_open, getppid(), 0));
    Preload();
    for (;;) {
      Received request;
      bool malformed;
      if (!ReceiveRequest(control_, &request, &malformed)) _exit(0);
      ZygoteReply reply = {kZygoteReplyMagic, 0, 0, EINVAL, -1};
      int pidfd = -1;
      if (!malformed) pidfd = Spawn(request, &reply);
      Reply(control_, reply, pidfd);
      if (pidfd >= 0) close(pidfd);
      for (int fd : request.fds) close(fd);
    }
  }

 private:
  void Preload() {
    // boot.params: libraries every child wants, loaded once here.
    size_t start = 0;
    while (start < boot_.params.size()) {
      size_t end = boot_.params.find(':', start);
      if (end == std::string::npos) end = boot_.params.size();
      std::string lib = boot_.params.substr(start, end - start);
      if (!lib.empty() &&
          dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
        fprintf(stderr, "ncp-zygote: cannot preload %s: %s\n", lib.c_str(),
                dlerror());
      }
      start = end + 1;
    }
  }

  // Fork-like clone: CLONE_PARENT (the app's child), a pidfd, and glibc's
  // thread id of the copy kept right (CLONE_CHILD_SETTID at the address
  // glibc registered, as fork() itself does).
  long Clone(uint64_t ns_flags, int* pidfd) {
    uint64_t flags = CLONE_PARENT | CLONE_PIDFD | CLONE_CHILD_SETTID |
                     CLONE_CHILD_CLEARTID | ns_flags;
    if (!no_clone3_) {
      struct clone_args args = {};
      args.flags = flags;
      args.pidfd = reinterpret_cast<uint64_t>(pidfd);
      args.child_tid = reinterpret_cast<uint64_t>(tid_address_);
      args.exit_signal = 0;  // CLONE_PARENT: the app's own exit signal rules
      long r = syscall(SYS_clone3, &args, sizeof(args));
      if (r >= 0 || (errno != ENOSYS && errno != EPERM)) return r;
      no_clone3_ = true;  // COMPAT: clone3 refused (kernel < 5.3, seccomp)
    }
    return syscall(SYS_clone, flags, nullptr, pidfd, tid_address_, 0);
  }

  int Spawn(const Received& request, ZygoteReply* reply) {
    std::string bytes;
    ZygotePayload payload;
    Bootstrap boot;
    spawner::DecodedPlan decoded;
    if (!ReadAll(request.fds[0], &bytes) ||
        !DecodeZygotePayload(bytes.data(), bytes.size(), &payload) ||
        !DecodeBootstrap(payload.bootstrap.data(), payload.bootstrap.size(),
                         &boot) ||
        !decoded.Decode(payload.plan.data(), payload.plan.size())) {
      return -1;  // reply says EINVAL
    }
    spawner::SpawnPlan& plan = decoded.plan();
    std::vector<int> table(request.fds.begin() + 2, request.fds.end());
    plan.source_fds = table.data();
    plan.n_fds = static_cast<int>(table.size());
    if (plan.trace_fd_index >= plan.n_fds) return -1;  // reply says EINVAL
    plan.parent_pidfd = app_pidfd_;
    plan.reset_signal_handlers = true;
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
      reply->err = errno;
      return -1;
    }
    plan.report_fd = report[1];

    // The child starts with every signal blocked (the setup unblocks them
    // last, as after an exec).
    sigset_t all, saved;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &saved);
    int pidfd = -1;
    long pid = Clone(plan.namespace_flags, &pidfd);
    if (pid == 0) {
      close(report[0]);
      RunInChild(boot, payload, plan, request.fds[1], saved);
    }
    const int clone_errno = errno;
    sigprocmask(SIG_SETMASK, &saved, nullptr);
    close(report[1]);
    if (pid < 0) {
      close(report[0]);
      reply->stage = 0;
      reply->err = clone_errno;
      return -1;
    }
    // The setup's verdict: a failure record, or EOF (success: the child
    // closed the pipe and runs on; or it died, which the app will see).
    int32_t record[3] = {0, 0, -1};
    ssize_t n;
    do {
      n = read(report[0], record, sizeof(record));
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    reply->pid = static_cast<int32_t>(pid);
    if (n == static_cast<ssize_t>(sizeof(record))) {
      reply->stage = record[0];
      reply->err = record[1];
      reply->index = record[2];
    } else {
      reply->err = 0;
    }
    return pidfd;
  }

  [[noreturn]] void RunInChild(const Bootstrap& boot,
                               const ZygotePayload& payload,
                               const spawner::SpawnPlan& plan, int cwd_fd,
                               const sigset_t& saved_mask) {
    // Named before the app hears of it, as an exec'd child is.
    SetProcessName(boot.process_name);
    // A NORMAL child works where the app works (an isolated one gets "/").
    if (fchdir(cwd_fd) != 0) {
      // Keep the zygote's directory; the setup may still succeed.
    }
    umask(payload.umask);
    int report_fd = -1;
    if (spawner::RunChildSetup(&plan, &report_fd) != 0)
      _exit(spawner::kSetupFailedExitCode);
    close(report_fd);  // EOF: set up
    // The app's environment at the time of the request.
    char** env =
        static_cast<char**>(calloc(payload.env.size() + 1, sizeof(char*)));
    for (size_t i = 0; env != nullptr && i < payload.env.size(); ++i) {
      env[i] = strdup(payload.env[i].c_str());
    }
    if (env != nullptr) environ = env;
    sigset_t none;
    sigemptyset(&none);
    (void)saved_mask;
    sigprocmask(SIG_SETMASK, &none, nullptr);
    RunChild(boot, ipc_library_, /*become_init=*/true);
  }

  const Bootstrap& boot_;
  void* ipc_library_;
  int control_;
  int* tid_address_ = nullptr;
  int app_pidfd_ = -1;
  bool no_clone3_ = false;
};

}  // namespace

void RunZygote(const Bootstrap& boot, void* ipc_library) {
  prctl(PR_SET_NAME, "ncp-zygote");
  Zygote zygote(boot, ipc_library);
  zygote.Run();
}

}  // namespace ncp::api
