// Children never outlive the app: an app SIGKILLed takes its children (and
// the library's zygote and spares) with it, even though the thread that started
// them had already exited. Runs through the zygote and (_direct) without it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "api/testing/child_test_util.h"
#include "gtest/gtest.h"

extern char** environ;

namespace {

TEST(ParentDeathTest, ChildrenDieWithTheApp) {
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string helper = "testdata/ncp_parent_helper";
  std::string entry = ncp::testing::FixturePath("libncp_sleeper.so") + ":Sleep";
  char* argv[] = {helper.data(), entry.data(), const_cast<char*>("5"), nullptr};
  pid_t app;
  ASSERT_EQ(posix_spawn(&app, helper.c_str(), &actions, nullptr, argv, environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);

  std::string text;
  char buf[256];
  while (text.find("ready\n") == std::string::npos) {
    ssize_t n = read(out[0], buf, sizeof(buf));
    ASSERT_GT(n, 0) << "helper died early: " << text;
    text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);

  std::vector<int> pidfds;
  int zygotes = 0, spares = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    int pid;
    if (absl::ConsumePrefix(&line, "zygote ")) ++zygotes;
    if (absl::ConsumePrefix(&line, "spare ")) ++spares;
    if (!absl::SimpleAtoi(line, &pid)) continue;
    int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    ASSERT_GE(fd, 0) << "child " << pid << " is already gone";
    pidfds.push_back(fd);
  }
  // Five children, and the zygote that forked them (it must die too).
  const char* zygote_env = getenv("NCP_ZYGOTE");
  const bool zygote_on = zygote_env == nullptr || strcmp(zygote_env, "0") != 0;
  // (A spare being forked is named like the zygote for a moment.)
  if (zygote_on) {
    EXPECT_GE(zygotes, 1);
  } else {
    EXPECT_EQ(zygotes, 0);
  }
  if (!zygote_on) {
    EXPECT_EQ(spares, 0);
  }
  ASSERT_EQ(pidfds.size(), 5u + zygotes + spares);
  // The starting thread has exited; the children must still be alive.
  for (int fd : pidfds) {
    struct pollfd pfd = {fd, POLLIN, 0};
    EXPECT_EQ(poll(&pfd, 1, 0), 0);
  }

  absl::Time killed = absl::Now();
  ASSERT_EQ(kill(app, SIGKILL), 0);
  ASSERT_EQ(waitpid(app, nullptr, 0), app);
  for (int fd : pidfds) {
    struct pollfd pfd = {fd, POLLIN, 0};
    EXPECT_EQ(poll(&pfd, 1, 10000), 1) << "a child outlived its app";
    close(fd);
  }
  // Not an assertion on timing (see docs), just a figure in the log.
  printf("children gone %.1f ms after the app was killed\n",
         absl::ToDoubleMilliseconds(absl::Now() - killed));
}

}  // namespace
