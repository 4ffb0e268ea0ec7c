// The code that runs in the child between clone and exec.
//
// ASYNC-SIGNAL-SAFE ONLY: the child is a clone of a possibly multithreaded
// host, running on a private stack inside the host's address space
// (CLONE_VM|CLONE_VFORK). It executes a SpawnPlan prepared by the parent
// with raw system calls: no malloc, no locks, no stdio, no errno, no
// sanitizer runtime. On failure it records {stage, errno, index} in
// plan->report and exits with kSetupFailedExitCode.
#ifndef NCP_SPAWNER_CHILD_SETUP_H_
#define NCP_SPAWNER_CHILD_SETUP_H_

#include "spawner/spawn_plan.h"

namespace ncp::spawner {

// Exit status of a child whose setup failed before exec.
inline constexpr int kSetupFailedExitCode = 127;

// Entry point for clone: `arg` is a const SpawnPlan*. Never returns on
// success (execs); returns kSetupFailedExitCode after reporting a failure.
int ChildSetupMain(void* arg);

// Every stage but exec (for a zygote's child, which goes on running the
// code it already has). Returns 0, or kSetupFailedExitCode after reporting
// the failure to plan->report and/or plan->report_fd. On success the report
// fd's new number (it is moved above the fd table) is stored in
// *report_fd_out, and those of plan->kept_fds in kept_fds_out (if not
// NULL; -1 where none); signals are still blocked.
int RunChildSetup(const SpawnPlan* plan, int* report_fd_out,
                  int* kept_fds_out = nullptr);

// Brings the loopback interface of the caller's network namespace up (what
// SpawnPlan::loopback_up does): 0 or -errno. For a zygote's spare that
// prepares its namespaces before it knows its plan.
long BringLoopbackUp();

}  // namespace ncp::spawner

#endif  // NCP_SPAWNER_CHILD_SETUP_H_
