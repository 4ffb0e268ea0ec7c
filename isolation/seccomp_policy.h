// The seccomp filter of isolated children, built with libseccomp in the
// parent (once per process) and applied by the spawner's child as the last
// step before exec.
//
// Default: allow. Refused with EPERM: mounting and namespaces (mount,
// umount2, pivot_root, unshare, setns, the new mount API, clone with any
// CLONE_NEW* flag), process inspection (ptrace, process_vm_*, pidfd_getfd,
// kcmp), kernel attack surface (bpf, perf_event_open, io_uring_*,
// userfaultfd, keyctl/add_key/request_key, module loading, kexec, reboot,
// swap, acct, quotactl, open_by_handle_at, iopl/ioperm, clock and time
// setting, syslog), and TIOCSTI. clone3 answers ENOSYS so that libc falls
// back to clone, whose flags the filter can see. Other architectures' system
// calls are trapped (SIGSYS; the trampoline reports the call and the child
// dies by SIGSYS).
#ifndef NCP_ISOLATION_SECCOMP_POLICY_H_
#define NCP_ISOLATION_SECCOMP_POLICY_H_

#include <linux/filter.h>

#include <vector>

#include "absl/status/statusor.h"

namespace ncp::isolation {

// The compiled BPF program (cached after the first call).
absl::StatusOr<const std::vector<sock_filter>*> IsolatedSeccompFilter();

}  // namespace ncp::isolation

#endif  // NCP_ISOLATION_SECCOMP_POLICY_H_
