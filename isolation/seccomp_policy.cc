#include "isolation/seccomp_policy.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "base/errno_status.h"
#include "base/unique_fd.h"

namespace ncp::isolation {
namespace {

constexpr uint64_t kNamespaceFlags =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
    CLONE_NEWNET | CLONE_NEWCGROUP | 0x00000080;
// 0x80: CLONE_NEWTIME

// Names, so that syscalls unknown to this libseccomp or kernel are skipped
// rather than failing the whole policy.
constexpr const char* kRefused[] = {
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "unshare",
    "setns",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "bpf",
    "perf_event_open",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "open_by_handle_at",
    "name_to_handle_at",
    "iopl",
    "ioperm",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "syslog",
    "lookup_dcookie",
    "uselib",
    "personality",
    "vhangup",
    "nfsservctl",
    "fanotify_init",
};

absl::StatusOr<std::vector<sock_filter>> Build() {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(
      seccomp_init(SCMP_ACT_ALLOW), &seccomp_release);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  // Foreign architectures' system calls (int 0x80 on x86_64, ...) would slip
  // past rules written for the native numbers: trap them (the child's
  // trampoline reports which one, then dies by SIGSYS).
  if (int rc =
          seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
      rc != 0) {
    return ErrnoError(-rc, "seccomp_attr_set", "ACT_BADARCH");
  }
  auto check = [](int rc, const char* what) -> absl::Status {
    if (rc == 0) return absl::OkStatus();
    return ErrnoError(-rc, "seccomp_rule_add", what);
  };
  for (const char* name : kRefused) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;
    absl::Status s =
        check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 0), name);
    if (!s.ok()) return s;
  }
  absl::Status s = check(
      seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0),
      "clone3");
  if (!s.ok()) return s;
  // clone with any namespace flag: one rule per flag (rules are OR'ed).
  for (uint64_t bit = 1; bit != 0; bit <<= 1) {
    if ((kNamespaceFlags & bit) == 0) continue;
    s = check(
        seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit)),
        "clone");
    if (!s.ok()) return s;
  }
  // Pushing characters into the controlling terminal's input (TIOCSTI)
  // would let a child type commands into the app's terminal.
  s = check(
      seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)),
      "ioctl");
  if (!s.ok()) return s;

  // libseccomp 2.5.4 exports only to an fd.
  UniqueFd fd(
      static_cast<int>(syscall(SYS_memfd_create, "ncp-seccomp", MFD_CLOEXEC)));
  if (!fd.valid()) return LastErrnoError("memfd_create", "ncp-seccomp");
  int rc = seccomp_export_bpf(ctx.get(), fd.get());
  if (rc != 0) return ErrnoError(-rc, "seccomp_export_bpf");
  off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0 ||
      size / sizeof(sock_filter) > 0xffff) {
    return absl::InternalError(absl::StrCat("bad seccomp program size ", size));
  }
  std::vector<sock_filter> program(static_cast<size_t>(size) /
                                   sizeof(sock_filter));
  if (pread(fd.get(), program.data(), static_cast<size_t>(size), 0) != size) {
    return LastErrnoError("pread", "seccomp program");
  }
  return program;
}

}  // namespace

absl::StatusOr<const std::vector<sock_filter>*> IsolatedSeccompFilter() {
  static std::mutex mu;
  static std::vector<sock_filter>* cached = nullptr;
  std::lock_guard<std::mutex> lock(mu);
  if (cached != nullptr) return cached;
  absl::StatusOr<std::vector<sock_filter>> built = Build();
  if (!built.ok()) return built.status();
  cached = new std::vector<sock_filter>(std::move(*built));
  return cached;
}

}  // namespace ncp::isolation
