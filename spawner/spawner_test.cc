#include "spawner/spawner.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "spawner/child_setup.h"

namespace ncp::spawner {
namespace {

int WaitExit(const SpawnedChild& child) {
  siginfo_t info = {};
  EXPECT_EQ(waitid(P_PIDFD, child.pidfd.get(), &info, WEXITED | __WALL), 0);
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 1000 + info.si_status;
}

TEST(SpawnerTest, ExecsAndExitsWithStatus) {
  char arg0[] = "sh";
  char arg1[] = "-c";
  char arg2[] = "exit 7";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  char* envp[] = {nullptr};
  int fds[] = {0, 1, 2};
  SpawnPlan plan;
  plan.exec_path = "/bin/sh";
  plan.argv = argv;
  plan.envp = envp;
  plan.source_fds = fds;
  plan.n_fds = 3;
  absl::StatusOr<SpawnedChild> child = Spawn(plan);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_GT(child->pid, 0);
  EXPECT_TRUE(child->pidfd.valid());
  EXPECT_EQ(WaitExit(*child), 7);
}

TEST(SpawnerTest, ReportsExecFailureWithStage) {
  char arg0[] = "nope";
  char* argv[] = {arg0, nullptr};
  char* envp[] = {nullptr};
  SpawnPlan plan;
  plan.exec_path = "/nonexistent/binary";
  plan.argv = argv;
  plan.envp = envp;
  absl::StatusOr<SpawnedChild> child = Spawn(plan);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(std::string(child.status().message()).find("exec"),
            std::string::npos)
      << child.status();
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound);
  std::optional<SetupFailure> failure = GetSetupFailure(child.status());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->stage, Stage::kExec);
  EXPECT_EQ(failure->err, ENOENT);
  EXPECT_GT(failure->pid, 0);
}

TEST(SpawnerTest, ChildGetsOnlyPlannedFds) {
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  int leaked = open("/dev/null", O_RDONLY);  // no CLOEXEC on purpose
  ASSERT_GE(leaked, 0);
  char arg0[] = "sh";
  char arg1[] = "-c";
  char arg2[] = "ls /proc/self/fd | tr '\\n' ' ' >&3";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  char* envp[] = {nullptr};
  int fds[] = {0, 1, 2, pipefd[1]};
  SpawnPlan plan;
  plan.exec_path = "/bin/sh";
  plan.argv = argv;
  plan.envp = envp;
  plan.source_fds = fds;
  plan.n_fds = 4;
  absl::StatusOr<SpawnedChild> child = Spawn(plan);
  ASSERT_TRUE(child.ok()) << child.status();
  close(pipefd[1]);
  close(leaked);
  EXPECT_EQ(WaitExit(*child), 0);
  char buf[256] = {};
  ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);
  close(pipefd[0]);
  ASSERT_GT(n, 0);
  // fds 0-3 plus the one `ls` opens for the directory.
  EXPECT_EQ(std::string(buf), "0 1 2 3 4 ");
}

// The fd phase keeps a plan's kept fds as it keeps the report fd: above
// the table, CLOEXEC, the same open files, their new numbers told; every
// other fd is closed. (A zygote's isolated child keeps its link to its
// init and its status pipe so.)
TEST(ChildSetupTest, TheFdPhaseKeepsTheReportAndTheKeptFds) {
  int report[2], kept[2], second[2];
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(kept, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(second, O_CLOEXEC), 0);
  const int stray = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(stray, 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fds[] = {0, 1, 2};
    SpawnPlan plan;
    plan.source_fds = fds;
    plan.n_fds = 3;
    plan.phases = kPhaseFds;
    plan.report_fd = report[1];
    plan.kept_fds[0] = kept[1];
    plan.kept_fds[1] = second[1];
    int report_fd = -1;
    int kept_fds[SpawnPlan::kMaxKeptFds];
    if (RunChildSetup(&plan, &report_fd, kept_fds) != 0) _exit(10);
    if (report_fd != 3 || kept_fds[0] != 4 || kept_fds[1] != 5) _exit(11);
    for (int fd = 3; fd <= 5; ++fd) {
      if (fcntl(fd, F_GETFD) != FD_CLOEXEC) _exit(12);
    }
    for (int fd = 6; fd < 256; ++fd) {
      if (fcntl(fd, F_GETFD) != -1) _exit(13);  // stray among them
    }
    if (write(kept_fds[0], "k", 1) != 1 || write(kept_fds[1], "s", 1) != 1 ||
        write(report_fd, "r", 1) != 1) {
      _exit(14);
    }
    _exit(0);
  }
  close(report[1]);
  close(kept[1]);
  close(second[1]);
  close(stray);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  char c = 0;
  EXPECT_EQ(read(kept[0], &c, 1), 1);
  EXPECT_EQ(c, 'k');
  EXPECT_EQ(read(second[0], &c, 1), 1);
  EXPECT_EQ(c, 's');
  close(second[0]);
  EXPECT_EQ(read(report[0], &c, 1), 1);
  EXPECT_EQ(c, 'r');
  close(report[0]);
  close(kept[0]);
}

TEST(SpawnerTest, NewNamespacesDiffer) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root for namespaces without userns";
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  char arg0[] = "sh";
  char arg1[] = "-c";
  char arg2[] = "stat -L -c %i /proc/self/ns/net /proc/self/ns/uts >&3";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  char* envp[] = {nullptr};
  int fds[] = {0, 1, 2, pipefd[1]};
  SpawnPlan plan;
  plan.exec_path = "/bin/sh";
  plan.argv = argv;
  plan.envp = envp;
  plan.source_fds = fds;
  plan.n_fds = 4;
  plan.namespace_flags = CLONE_NEWNET | CLONE_NEWUTS;
  plan.hostname = "ncp-test";
  plan.loopback_up = true;
  absl::StatusOr<SpawnedChild> child = Spawn(plan);
  ASSERT_TRUE(child.ok()) << child.status();
  close(pipefd[1]);
  EXPECT_EQ(WaitExit(*child), 0);
  char buf[256] = {};
  ASSERT_GT(read(pipefd[0], buf, sizeof(buf) - 1), 0);
  close(pipefd[0]);
  struct stat net, uts;
  ASSERT_EQ(stat("/proc/self/ns/net", &net), 0);
  ASSERT_EQ(stat("/proc/self/ns/uts", &uts), 0);
  EXPECT_EQ(std::string(buf).find(std::to_string(net.st_ino)),
            std::string::npos);
  EXPECT_EQ(std::string(buf).find(std::to_string(uts.st_ino)),
            std::string::npos);
}

}  // namespace
}  // namespace ncp::spawner

namespace ncp::spawner {
namespace {

// Runs `body` in a forked copy of this (single-threaded) test process and
// returns its exit status; `body` returns 0 for success.
int InForkedChild(int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

int SpawnExit5() {
  char arg0[] = "sh";
  char arg1[] = "-c";
  char arg2[] = "exit 5";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  char* envp[] = {nullptr};
  int fds[] = {0, 1, 2};
  SpawnPlan plan;
  plan.exec_path = "/bin/sh";
  plan.argv = argv;
  plan.envp = envp;
  plan.source_fds = fds;
  plan.n_fds = 3;
  absl::StatusOr<SpawnedChild> child = Spawn(plan);
  if (!child.ok()) return 10;
  siginfo_t info = {};
  if (waitid(P_PIDFD, child->pidfd.get(), &info, WEXITED | __WALL) != 0)
    return 11;
  if (info.si_code != CLD_EXITED || info.si_status != 5) return 12;
  return 0;
}

template <int kErrno>
int Clone3RefusedWith() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr ||
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(kErrno), SCMP_SYS(clone3), 0) != 0 ||
      seccomp_load(ctx) != 0) {
    return 20;
  }
  seccomp_release(ctx);
  int r = SpawnExit5();
  if (r != 0) return r;
  return LastCloneMethod() == CloneMethod::kClone ? 0 : 13;
}

TEST(SpawnerFallbackTest, Clone3AvailableHere) {
  ASSERT_EQ(InForkedChild(&SpawnExit5), 0);
  // The first choice works on these machines (kernel >= 5.5).
  EXPECT_EQ(
      InForkedChild(+[] {
        int r = SpawnExit5();
        return r != 0 ? r : LastCloneMethod() == CloneMethod::kClone3 ? 0 : 14;
      }),
      0);
}

TEST(SpawnerFallbackTest, Clone3RefusedWithEnosysFallsBackToClone) {
  EXPECT_EQ(InForkedChild(&Clone3RefusedWith<ENOSYS>), 0);
}

TEST(SpawnerFallbackTest, Clone3RefusedWithEpermFallsBackToClone) {
  EXPECT_EQ(InForkedChild(&Clone3RefusedWith<EPERM>), 0);
}

}  // namespace
}  // namespace ncp::spawner
