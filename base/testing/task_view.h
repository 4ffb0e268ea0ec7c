// What the kernel shows of one of this process's threads: for tests that
// prove how a thread waits by what the kernel reports, not by the code's
// own bookkeeping.
#ifndef NCP_BASE_TESTING_TASK_VIEW_H_
#define NCP_BASE_TESTING_TASK_VIEW_H_

#include <sys/types.h>

namespace ncp::testing {

// The number of the system call thread `tid` of this process is blocked
// in, from /proc/self/task/<tid>/syscall; -1 if it is running (or the
// kernel does not say), -2 if there is no such thread.
long BlockedSyscall(pid_t tid);

}  // namespace ncp::testing

#endif  // NCP_BASE_TESTING_TASK_VIEW_H_
