#include "spawner/spawner.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

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

TEST(SpawnerTest, NewNamespacesDiffer) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for namespaces without userns";
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
  EXPECT_EQ(std::string(buf).find(std::to_string(net.st_ino)), std::string::npos);
  EXPECT_EQ(std::string(buf).find(std::to_string(uts.st_ino)), std::string::npos);
}

}  // namespace
}  // namespace ncp::spawner
