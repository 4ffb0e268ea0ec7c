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

// The threads of process `pid` (0: this one) named `comm` (NULL: any) that
// are blocked in system call `number` with `first_arg` as its first
// argument (-1: any), from /proc/<pid>/task/*/{comm,syscall}.
int ThreadsBlockedIn(pid_t pid, const char* comm, long number,
                     long first_arg = -1);

// The same, matching argument `arg_index` (0-5; -1: any) against `value`
// (as the kernel shows it, unsigned: an int -1 is 0xffffffff).
int ThreadsBlockedInWith(pid_t pid, const char* comm, long number,
                         int arg_index, unsigned long value);

}  // namespace ncp::testing

#endif  // NCP_BASE_TESTING_TASK_VIEW_H_
