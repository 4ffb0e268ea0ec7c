// See child_setup.h: everything here is async-signal-safe and uses only
// raw system calls on the plan and the stack.
#include "spawner/child_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/raw_syscall.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

namespace ncp::spawner {
namespace {

using raw::P;
using raw::Syscall;
using raw::SyscallNoIntr;

constexpr unsigned long kMountAttrRdonly = 0x00000001;  // MOUNT_ATTR_RDONLY

struct MountAttr {  // struct mount_attr (linux/mount.h)
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

// Where a failure goes: the shared report (vfork child) and/or the report
// pipe (a zygote's child), whose number changes when the fd table is set up.
// Records the failure and returns the exit code.
NCP_CHILD_FN int Fail(const SpawnPlan* plan, int report_fd, Stage stage,
                      long neg_errno, int index = -1) {
  if (plan->report != nullptr) {
    plan->report->err = static_cast<int32_t>(-neg_errno);
    plan->report->index = index;
    plan->report->stage = static_cast<int32_t>(stage);
  }
  if (report_fd >= 0) {
    int32_t record[3] = {static_cast<int32_t>(stage),
                         static_cast<int32_t>(-neg_errno), index};
    raw::SyscallNoIntr(__NR_write, report_fd, P(record), sizeof(record));
  }
  return kSetupFailedExitCode;
}

NCP_CHILD_FN long WriteFile(const char* path, const char* text) {
  long fd = Syscall(__NR_openat, AT_FDCWD, P(path), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fd;
  size_t len = raw::StrLen(text);
  long r = SyscallNoIntr(__NR_write, fd, P(text), static_cast<long>(len));
  Syscall(__NR_close, fd);
  if (r < 0) return r;
  return static_cast<size_t>(r) == len ? 0 : -EIO;
}

NCP_CHILD_FN long SetupUserNamespace(const SpawnPlan* plan) {
  long r = WriteFile("/proc/self/setgroups", "deny");
  // Kernels before 3.19 have no setgroups file.
  if (r < 0 && r != -ENOENT) return r;
  if (plan->uid_map != nullptr) {
    r = WriteFile("/proc/self/uid_map", plan->uid_map);
    if (r < 0) return r;
  }
  if (plan->gid_map != nullptr) {
    r = WriteFile("/proc/self/gid_map", plan->gid_map);
    if (r < 0) return r;
  }
  return 0;
}

NCP_CHILD_FN long Mount(const char* source, const char* target,
                        const char* fstype, unsigned long flags,
                        const char* data) {
  return Syscall(__NR_mount, P(source), P(target), P(fstype),
                 static_cast<long>(flags), P(data));
}

// Makes the mount at `target` (and everything below it) read-only.
NCP_CHILD_FN long MakeReadOnly(const char* target, unsigned long flags) {
  MountAttr attr = {kMountAttrRdonly, 0, 0, 0};
  long r = Syscall(__NR_mount_setattr, AT_FDCWD, P(target), AT_RECURSIVE,
                   P(&attr), sizeof(attr));
  if (r != -ENOSYS) return r;
  // COMPAT(kernel 5.12): mount_setattr. A remount changes only the top
  // mount and must repeat the flags the kernel locked (nosuid/nodev/...).
  return Mount(nullptr, target, nullptr,
               MS_REMOUNT | MS_BIND | MS_RDONLY | flags, nullptr);
}

NCP_CHILD_FN long RunMountOp(const MountOp& op) {
  switch (op.kind) {
    case MountOpKind::kMkdir: {
      long r = Syscall(__NR_mkdirat, AT_FDCWD, P(op.target), 0755);
      return r == -EEXIST ? 0 : r;
    }
    case MountOpKind::kBind:
    case MountOpKind::kBindReadOnly: {
      long r = Mount(op.source, op.target, nullptr, MS_BIND | MS_REC, nullptr);
      if (r == -ENOENT && op.optional) return 0;
      if (r < 0) return r;
      if (op.kind == MountOpKind::kBindReadOnly) {
        return MakeReadOnly(op.target, op.flags);
      }
      return 0;
    }
    case MountOpKind::kTmpfs:
      return Mount("tmpfs", op.target, "tmpfs", op.flags, op.data);
    case MountOpKind::kProc:
      return Mount("proc", op.target, "proc",
                   MS_NOSUID | MS_NODEV | MS_NOEXEC | op.flags, nullptr);
    case MountOpKind::kCreateFile: {
      long fd = Syscall(__NR_openat, AT_FDCWD, P(op.target),
                        O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
      if (fd < 0) return fd;
      Syscall(__NR_close, fd);
      return 0;
    }
    case MountOpKind::kSymlink: {
      long r = Syscall(__NR_symlinkat, P(op.source), AT_FDCWD, P(op.target));
      return r == -EEXIST ? 0 : r;
    }
    case MountOpKind::kRemountReadOnly:
      return MakeReadOnly(op.target, op.flags);
  }
  return -EINVAL;
}

// Builds the new root (see SpawnPlan::root_staging). Returns 0 or the
// failing stage through *stage / *index.
NCP_CHILD_FN long SetupFileSystem(const SpawnPlan* plan, Stage* stage,
                                  int* index) {
  *stage = Stage::kMountPrivate;
  // Nothing we mount may propagate back to the host.
  long r = Mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  if (r < 0) return r;
  if (plan->root_staging == nullptr) return 0;

  *stage = Stage::kMountRoot;
  r = Mount("tmpfs", plan->root_staging, "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755");
  if (r < 0) return r;
  if ((r = Syscall(__NR_chdir, P(plan->root_staging))) < 0) return r;
  if ((r = Syscall(__NR_mkdirat, AT_FDCWD, P("newroot"), 0755)) < 0) return r;
  r = Mount("newroot", "newroot", nullptr, MS_BIND | MS_REC, nullptr);
  if (r < 0) return r;
  if ((r = Syscall(__NR_mkdirat, AT_FDCWD, P("oldroot"), 0755)) < 0) return r;
  *stage = Stage::kPivotRoot;
  if ((r = Syscall(__NR_pivot_root, P("."), P("oldroot"))) < 0) return r;
  if ((r = Syscall(__NR_chdir, P("/"))) < 0) return r;

  *stage = Stage::kMountOp;
  for (int i = 0; i < plan->n_mounts; ++i) {
    r = RunMountOp(plan->mounts[i]);
    if (r < 0) {
      *index = i;
      return r;
    }
  }

  *stage = Stage::kPivotRoot;
  if ((r = Syscall(__NR_umount2, P("/oldroot"), MNT_DETACH)) < 0) return r;
  if ((r = Syscall(__NR_chdir, P("/newroot"))) < 0) return r;
  // pivot_root(".", ".") stacks the old root on top of the new one; the
  // detach below removes it, leaving /newroot as "/".
  if ((r = Syscall(__NR_pivot_root, P("."), P("."))) < 0) return r;
  if ((r = Syscall(__NR_umount2, P("."), MNT_DETACH)) < 0) return r;
  if ((r = Syscall(__NR_chdir, P("/"))) < 0) return r;
  if (plan->root_read_only) {
    r = Mount(nullptr, "/", nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr);
    if (r < 0) return r;
  }
  return 0;
}

NCP_CHILD_FN long LoopbackUp() {
  long s = Syscall(__NR_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return s;
  struct ifreq req;
  for (size_t i = 0; i < sizeof(req); ++i) reinterpret_cast<char*>(&req)[i] = 0;
  req.ifr_name[0] = 'l';
  req.ifr_name[1] = 'o';
  long r = Syscall(__NR_ioctl, s, SIOCGIFFLAGS, P(&req));
  if (r == 0) {
    req.ifr_flags |= IFF_UP | IFF_RUNNING;
    r = Syscall(__NR_ioctl, s, SIOCSIFFLAGS, P(&req));
  }
  Syscall(__NR_close, s);
  return r;
}

// Closes every fd >= `from`.
NCP_CHILD_FN long CloseFrom(int from) {
  long r = Syscall(__NR_close_range, from, ~0U, 0);
  if (r != -ENOSYS && r != -EINVAL) return r;
  // COMPAT(kernel 5.9): close_range. Walk /proc/self/fd with a stack buffer.
  long dir = Syscall(__NR_openat, AT_FDCWD, P("/proc/self/fd"),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    alignas(8) char buf[1024];
    for (;;) {
      long n = Syscall(__NR_getdents64, dir, P(buf), sizeof(buf));
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const char* ent = buf + off;
        unsigned short reclen =
            *reinterpret_cast<const unsigned short*>(ent + 16);
        const char* name = ent + 19;
        long fd = 0;
        bool numeric = name[0] != '\0';
        for (const char* c = name; *c != '\0'; ++c) {
          if (*c < '0' || *c > '9') {
            numeric = false;
            break;
          }
          fd = fd * 10 + (*c - '0');
        }
        if (numeric && fd >= from && fd != dir) Syscall(__NR_close, fd);
        off += reclen;
      }
    }
    Syscall(__NR_close, dir);
    return 0;
  }
  // No /proc: a bounded loop.
  for (int fd = from; fd < 65536; ++fd) Syscall(__NR_close, fd);
  return 0;
}

// Installs the fd table: fd i := source_fds[i]; then `extra` fds (kept
// CLOEXEC, so they vanish at exec) right above them; everything else closed.
// Writes the new numbers of the extra fds back to `extra`.
NCP_CHILD_FN long SetupFds(const SpawnPlan* plan, int* extra, int n_extra,
                           int* index) {
  const int n = plan->n_fds;
  if (n_extra > 3 + SpawnPlan::kMaxKeptFds) return -EINVAL;
  // First park every source above the final table so no dup3 can clobber a
  // source that is still needed.
  const int park_base = n + n_extra + 3;
  int parked[64];
  if (n > 64) return -EMFILE;
  for (int i = 0; i < n; ++i) {
    long r =
        Syscall(__NR_fcntl, plan->source_fds[i], F_DUPFD_CLOEXEC, park_base);
    if (r < 0) {
      *index = i;
      return r;
    }
    parked[i] = static_cast<int>(r);
  }
  int parked_extra[3 + SpawnPlan::kMaxKeptFds];
  for (int j = 0; j < n_extra; ++j) {
    long r = Syscall(__NR_fcntl, extra[j], F_DUPFD_CLOEXEC, park_base);
    if (r < 0) return r;
    parked_extra[j] = static_cast<int>(r);
  }
  for (int i = 0; i < n; ++i) {
    long r = Syscall(__NR_dup3, parked[i], i, 0);
    if (r < 0) {
      *index = i;
      return r;
    }
  }
  for (int j = 0; j < n_extra; ++j) {
    long r = Syscall(__NR_dup3, parked_extra[j], n + j, O_CLOEXEC);
    if (r < 0) return r;
    extra[j] = n + j;
  }
  return CloseFrom(n + n_extra);
}

NCP_CHILD_FN long DropCapabilities(const SpawnPlan* plan) {
  long r = Syscall(__NR_prctl, PR_SET_SECUREBITS,
                   SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP |
                       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NOROOT |
                       SECBIT_NOROOT_LOCKED);
  if (r < 0) return r;
  for (int cap = 0; cap <= plan->cap_last_cap; ++cap) {
    r = Syscall(__NR_prctl, PR_CAPBSET_DROP, cap);
    if (r < 0 && r != -EINVAL) return r;
  }
  r = Syscall(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (r < 0 && r != -EINVAL) return r;
  return 0;
}

NCP_CHILD_FN long ClearCapabilitySets() {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {{0, 0, 0}, {0, 0, 0}};
  return Syscall(__NR_capset, P(&header), P(data));
}

NCP_CHILD_FN long SetIds(const SpawnPlan* plan) {
  long r = Syscall(__NR_setgroups, 0, 0);
  // In a user namespace with setgroups denied, there are none to drop.
  if (r < 0 && r != -EPERM) return r;
  if ((r = Syscall(__NR_setresgid, plan->gid, plan->gid, plan->gid)) < 0) {
    return r;
  }
  return Syscall(__NR_setresuid, plan->uid, plan->uid, plan->uid);
}

struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  unsigned long mask;
};

}  // namespace

NCP_CHILD_FN int64_t MonotonicNs() {
  struct timespec now = {0, 0};
  Syscall(__NR_clock_gettime, CLOCK_MONOTONIC, P(&now));
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

NCP_CHILD_FN int RunChildSetup(const SpawnPlan* plan, int* report_fd_out,
                               int* kept_fds_out) {
  long r;
  int report_fd = plan->report_fd;
  const uint32_t phases = plan->phases;
  // Trace slots kTraceStageCloned .. kTraceStageSandboxed.
  int64_t stamps[3] = {plan->trace_fd_index >= 0 ? MonotonicNs() : 0, 0, 0};

  // Signals stay blocked (the spawning thread blocks all of them) until
  // just before exec. Without CLONE_CLEAR_SIGHAND, reset the handlers we
  // inherited so that none of the host's handlers can run in here.
  if (plan->reset_signal_handlers) {
    KernelSigaction dfl = {reinterpret_cast<void*>(SIG_DFL), 0, nullptr, 0};
    for (int sig = 1; sig < 65; ++sig) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      Syscall(__NR_rt_sigaction, sig, P(&dfl), 0, 8);
    }
  }

  if ((phases & kPhaseNamespaces) != 0) {
    if ((plan->namespace_flags & CLONE_NEWUSER) != 0) {
      if ((r = SetupUserNamespace(plan)) < 0) {
        return Fail(plan, report_fd, Stage::kUserNamespace, r);
      }
    }

    if ((plan->namespace_flags & CLONE_NEWNS) != 0) {
      Stage stage = Stage::kMountPrivate;
      int index = -1;
      if ((r = SetupFileSystem(plan, &stage, &index)) < 0) {
        return Fail(plan, report_fd, stage, r, index);
      }
      if (plan->trace_fd_index >= 0) stamps[1] = MonotonicNs();
    }

    if (plan->hostname != nullptr) {
      r = Syscall(__NR_sethostname, P(plan->hostname),
                  static_cast<long>(raw::StrLen(plan->hostname)));
      if (r < 0) return Fail(plan, report_fd, Stage::kHostname, r);
    }
    if (plan->loopback_up && (r = LoopbackUp()) < 0) {
      return Fail(plan, report_fd, Stage::kLoopback, r);
    }
  }

  int parent_pidfd = plan->parent_pidfd;
  int kept[SpawnPlan::kMaxKeptFds];
  for (int k = 0; k < SpawnPlan::kMaxKeptFds; ++k) kept[k] = plan->kept_fds[k];
  if ((phases & kPhaseFds) != 0) {
    int extra[3 + SpawnPlan::kMaxKeptFds];
    int n_extra = 0;
    if (plan->exec_fd >= 0) extra[n_extra++] = plan->exec_fd;
    const int parent_slot = n_extra;
    if (plan->parent_pidfd >= 0) extra[n_extra++] = plan->parent_pidfd;
    const int report_slot = n_extra;
    if (report_fd >= 0) extra[n_extra++] = report_fd;
    int kept_slot[SpawnPlan::kMaxKeptFds];
    for (int k = 0; k < SpawnPlan::kMaxKeptFds; ++k) {
      kept_slot[k] = n_extra;
      if (kept[k] >= 0) extra[n_extra++] = kept[k];
    }
    int index = -1;
    if ((r = SetupFds(plan, extra, n_extra, &index)) < 0) {
      return Fail(plan, report_fd, Stage::kFds, r, index);
    }
    if (report_fd >= 0) report_fd = extra[report_slot];
    if (plan->parent_pidfd >= 0) parent_pidfd = extra[parent_slot];
    for (int k = 0; k < SpawnPlan::kMaxKeptFds; ++k) {
      if (kept[k] >= 0) kept[k] = extra[kept_slot[k]];
    }
  }
  if (report_fd_out != nullptr) *report_fd_out = report_fd;
  if (kept_fds_out != nullptr) {
    for (int k = 0; k < SpawnPlan::kMaxKeptFds; ++k) kept_fds_out[k] = kept[k];
  }

  if ((phases & kPhaseCredentials) != 0) {
    if (plan->drop_capabilities && (r = DropCapabilities(plan)) < 0) {
      return Fail(plan, report_fd, Stage::kCapabilities, r);
    }
    if (plan->set_ids && (r = SetIds(plan)) < 0) {
      return Fail(plan, report_fd, Stage::kIds, r);
    }
    if (plan->drop_capabilities && (r = ClearCapabilitySets()) < 0) {
      return Fail(plan, report_fd, Stage::kCapabilities, r);
    }
    if (plan->no_new_privs &&
        (r = Syscall(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0) {
      return Fail(plan, report_fd, Stage::kNoNewPrivs, r);
    }

    // Last credential change is done: PR_SET_PDEATHSIG survives from here
    // on (a uid change would have cleared it).
    if (plan->pdeath_signal != 0) {
      r = Syscall(__NR_prctl, PR_SET_PDEATHSIG, plan->pdeath_signal);
      if (r < 0) return Fail(plan, report_fd, Stage::kParentDeath, r);
      if (parent_pidfd >= 0) {
        // The parent may have died before the prctl; its pidfd is readable.
        struct pollfd pfd = {parent_pidfd, POLLIN, 0};
        struct timespec zero = {0, 0};
        r = Syscall(__NR_ppoll, P(&pfd), 1, P(&zero), 0, 8);
        if (r > 0) raw::ExitGroup(kSetupFailedExitCode);
      }
    }
  }
  // Done with it (a forked child that does not exec keeps no extra fd).
  if (parent_pidfd >= 0 && (phases & kPhaseFds) != 0) {
    Syscall(__NR_close, parent_pidfd);
  }

  // The filter goes last: it may forbid what the steps above needed.
  if ((phases & kPhaseCredentials) != 0 && plan->seccomp_filter != nullptr) {
    struct sock_fprog prog = {plan->seccomp_filter_len,
                              const_cast<sock_filter*>(plan->seccomp_filter)};
    r = Syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, P(&prog));
    if (r < 0) return Fail(plan, report_fd, Stage::kSeccomp, r);
  }

  if (plan->trace_fd_index >= 0 && (phases & kPhaseFds) != 0) {
    stamps[2] = MonotonicNs();
    Syscall(__NR_pwrite64, plan->trace_fd_index, P(stamps), sizeof(stamps),
            8 * kTraceStageCloned);
  }
  return 0;
}

NCP_CHILD_FN int ChildSetupMain(void* arg) {
  const SpawnPlan* plan = static_cast<const SpawnPlan*>(arg);
  int report_fd = -1;
  if (int failed = RunChildSetup(plan, &report_fd); failed != 0) return failed;
  // The exec fd went right above the fd table (SetupFds), first of the
  // extra fds.
  const int exec_fd = plan->exec_fd >= 0 ? plan->n_fds : -1;
  unsigned long empty_mask = 0;
  Syscall(__NR_rt_sigprocmask, SIG_SETMASK, P(&empty_mask), 0, 8);
  long r;
  if (exec_fd >= 0) {
    r = Syscall(__NR_execveat, exec_fd, P(""), P(plan->argv), P(plan->envp),
                AT_EMPTY_PATH);
  } else {
    r = Syscall(__NR_execve, P(plan->exec_path), P(plan->argv), P(plan->envp));
  }
  return Fail(plan, report_fd, Stage::kExec, r);
}

NCP_CHILD_FN long BringLoopbackUp() { return LoopbackUp(); }

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kNone:
      return "none";
    case Stage::kSignals:
      return "signals";
    case Stage::kUserNamespace:
      return "user namespace id maps";
    case Stage::kMountPrivate:
      return "make mounts private";
    case Stage::kMountRoot:
      return "mount new root";
    case Stage::kMountOp:
      return "mount";
    case Stage::kPivotRoot:
      return "pivot_root";
    case Stage::kHostname:
      return "sethostname";
    case Stage::kLoopback:
      return "loopback up";
    case Stage::kFds:
      return "fd table";
    case Stage::kCloseFds:
      return "close fds";
    case Stage::kCapabilities:
      return "drop capabilities";
    case Stage::kIds:
      return "set uid/gid";
    case Stage::kNoNewPrivs:
      return "no_new_privs";
    case Stage::kParentDeath:
      return "parent death signal";
    case Stage::kSeccomp:
      return "seccomp";
    case Stage::kExec:
      return "exec";
  }
  return "unknown";
}

}  // namespace ncp::spawner
