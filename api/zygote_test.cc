// The zygote, observed from /proc: it is the app's child, it forks the
// children (which stay the app's children), it is replaced when killed or
// when the app's privileges change, a forked app gets its own, and an
// unusable one means the direct path, not an error.
#include <fcntl.h>
#include <grp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "api/testing/child_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::ncp::testing::FixturePath;
using ::ncp::testing::ProcessAlive;
using ::ncp::testing::StackRange;
using ::ncp::testing::WaitForExit;
using ::ncp::testing::ZygotesOf;
using ::testing::SizeIs;

// Exit reports, by pid, from the library's exit callback.
std::mutex g_mu;
std::condition_variable g_cv;
std::map<int32_t, int32_t> g_exits;

void OnExit(int32_t pid, int32_t signal) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_exits[pid] = signal;
  g_cv.notify_all();
}

// The exit callback's report for `pid` (waits up to 10 s; -1 if none).
int32_t ExitOf(int32_t pid) {
  std::unique_lock<std::mutex> lock(g_mu);
  if (!g_cv.wait_for(lock, std::chrono::seconds(10),
                     [pid] { return g_exits.count(pid) != 0; })) {
    return -1;
  }
  int32_t signal = g_exits[pid];
  g_exits.erase(pid);
  return signal;
}

int32_t Start(const std::string& library, const std::string& symbol) {
  std::string entry = FixturePath(library) + ":" + symbol;
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  return code == NCP_NO_ERROR ? pid : -code;
}

int32_t StartSleeper() { return Start("libncp_sleeper.so", "Sleep"); }

pid_t ParentOf(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 1));
  char state = 0;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

std::string StatusField(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string value = line.substr(field.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      return value;
    }
  }
  return "";
}

bool MapsMention(pid_t pid, const std::string& what) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find(what) != std::string::npos;
}

// Runs `body` in a forked copy of this process; its exit code (or 100 +
// the signal that killed it).
int InFork(int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

// A forked copy has no exit callback thread yet; it waits with a pidfd.
bool KillAndWait(int32_t pid) {
  return OH_Ability_KillChildProcess(pid) == NCP_NO_ERROR && WaitForExit(pid);
}

TEST(ZygoteTest, TheZygoteForksChildrenThatStayTheAppsOwn) {
  int32_t child = StartSleeper();
  ASSERT_GT(child, 0);
  std::vector<pid_t> zygotes = ZygotesOf(getpid());
  ASSERT_THAT(zygotes, SizeIs(1));
  EXPECT_EQ(ParentOf(zygotes[0]), getpid());
  EXPECT_EQ(ParentOf(child), getpid());
  // Forked from the zygote, not exec'd: same place for the stack.
  EXPECT_NE(StackRange(child), "");
  EXPECT_EQ(StackRange(child), StackRange(zygotes[0]));
  // The child has its own name, the zygote keeps its own.
  EXPECT_EQ(ncp::testing::ReadComm(zygotes[0]), "ncp-zygote");
  EXPECT_NE(ncp::testing::ReadComm(child), "ncp-zygote");
  EXPECT_EQ(OH_Ability_KillChildProcess(child), NCP_NO_ERROR);
  EXPECT_EQ(ExitOf(child), SIGKILL);
}

TEST(ZygoteTest, AKilledZygoteIsReplacedAndItsChildrenStayManaged) {
  int32_t before = StartSleeper();
  ASSERT_GT(before, 0);
  std::vector<pid_t> old = ZygotesOf(getpid());
  ASSERT_THAT(old, SizeIs(1));
  ASSERT_EQ(kill(old[0], SIGKILL), 0);
  ASSERT_TRUE(WaitForExit(old[0]));
  // The child it forked lives on, and is still the app's: Kill works and
  // the exit callback reports it.
  EXPECT_TRUE(ProcessAlive(before));
  // The next spawn starts a new zygote, transparently.
  int32_t after = Start("libncp_reporter.so", "ExitWith3");
  ASSERT_GT(after, 0);
  EXPECT_EQ(ExitOf(after), 3);
  std::vector<pid_t> now = ZygotesOf(getpid());
  ASSERT_THAT(now, SizeIs(1));
  EXPECT_NE(now[0], old[0]);
  EXPECT_EQ(OH_Ability_KillChildProcess(before), NCP_NO_ERROR);
  EXPECT_EQ(ExitOf(before), SIGKILL);
}

TEST(ZygoteTest, AForkedAppStartsAZygoteOfItsOwn) {
  int32_t warm = Start("libncp_reporter.so", "ReturnNormally");
  ASSERT_GT(warm, 0);
  ASSERT_EQ(ExitOf(warm), 0);
  static pid_t parents_zygote;
  std::vector<pid_t> zygotes = ZygotesOf(getpid());
  ASSERT_THAT(zygotes, SizeIs(1));
  parents_zygote = zygotes[0];
  EXPECT_EQ(InFork(+[] {
              int32_t child = StartSleeper();
              if (child <= 0) return 10;
              // Its child, through its own zygote, not the parent's.
              if (ParentOf(child) != getpid()) return 11;
              std::vector<pid_t> mine = ZygotesOf(getpid());
              if (mine.size() != 1 || mine[0] == parents_zygote) return 12;
              if (StackRange(child) != StackRange(mine[0])) return 13;
              if (!KillAndWait(child)) return 14;
              return 0;
            }),
            0);
  // The parent's zygote still serves the parent.
  EXPECT_THAT(ZygotesOf(getpid()), ::testing::ElementsAre(parents_zygote));
  int32_t again = Start("libncp_reporter.so", "ReturnNormally");
  ASSERT_GT(again, 0);
  EXPECT_EQ(ExitOf(again), 0);
}

TEST(ZygoteTest, AnAppThatRestrictsItselfGetsANewZygote) {
  // Children never have more privileges than the app has now: after a
  // seccomp filter or a change of groups, a new zygote inherits them.
  EXPECT_EQ(InFork(+[] {
              int32_t first = StartSleeper();
              if (first <= 0) return 10;
              std::vector<pid_t> z1 = ZygotesOf(getpid());
              if (z1.size() != 1) return 11;
              if (StatusField(z1[0], "Seccomp") != "0") return 12;

              if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 13;
              // On every thread (the library's too), as an app that
              // sandboxes itself does.
              scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
              seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
              seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(acct), 0);
              if (seccomp_load(ctx) != 0) return 14;
              seccomp_release(ctx);
              int32_t second = StartSleeper();
              if (second <= 0) return 15;
              std::vector<pid_t> z2 = ZygotesOf(getpid());
              if (z2.size() != 1 || z2[0] == z1[0]) return 16;
              if (!WaitForExit(z1[0])) return 17;  // the old one left
              if (StatusField(z2[0], "Seccomp") != "2") return 18;
              if (StatusField(second, "Seccomp") != "2") return 19;

              gid_t groups[] = {4242};
              if (setgroups(1, groups) != 0) return 20;
              int32_t third = StartSleeper();
              if (third <= 0) return 21;
              std::vector<pid_t> z3 = ZygotesOf(getpid());
              if (z3.size() != 1 || z3[0] == z2[0]) return 22;
              if (StatusField(third, "Groups") != "4242") return 23;
              // The first child, forked before, is untouched and managed.
              if (StatusField(first, "Seccomp") != "0") return 24;
              for (int32_t pid : {first, second, third}) {
                if (!KillAndWait(pid)) return 25;
              }
              return 0;
            }),
            0);
}

TEST(ZygoteTest, PreloadedLibrariesAreMappedBeforeTheChildStarts) {
  EXPECT_EQ(InFork(+[] {
              std::string lib = FixturePath("libncp_reporter.so");
              setenv("NCP_ZYGOTE_PRELOAD", lib.c_str(), 1);
              int32_t child = StartSleeper();
              if (child <= 0) return 10;
              std::vector<pid_t> zygotes = ZygotesOf(getpid());
              if (zygotes.size() != 1) return 11;
              if (!MapsMention(zygotes[0], "libncp_reporter.so")) return 12;
              if (!MapsMention(child, "libncp_reporter.so")) return 13;
              if (!KillAndWait(child)) return 14;
              return 0;
            }),
            0);
}

TEST(ZygoteTest, AZygoteThatCannotRunMeansTheDirectPath) {
  // A preload that crashes kills every zygote at start: children still
  // start (exec'd directly), and no zygote is left behind.
  EXPECT_EQ(InFork(+[] {
              std::string lib = FixturePath("libncp_crash_constructor.so");
              setenv("NCP_ZYGOTE_PRELOAD", lib.c_str(), 1);
              for (int i = 0; i < 3; ++i) {
                int32_t child = StartSleeper();
                if (child <= 0) return 10 + i;
                // (A crashed zygote may still be dumping core: wait.)
                for (pid_t zygote : ZygotesOf(getpid())) {
                  if (!WaitForExit(zygote)) return 20 + i;
                }
                if (ParentOf(child) != getpid()) return 30 + i;
                if (!KillAndWait(child)) return 40 + i;
              }
              return 0;
            }),
            0);
}

TEST(ZygoteTest, DisabledByNcpZygote0) {
  EXPECT_EQ(InFork(+[] {
              setenv("NCP_ZYGOTE", "0", 1);
              int32_t child = StartSleeper();
              if (child <= 0) return 10;
              if (!ZygotesOf(getpid()).empty()) return 11;
              if (!KillAndWait(child)) return 12;
              return 0;
            }),
            0);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  return RUN_ALL_TESTS();
}
