// The zygote, observed from /proc: it is the app's child, it forks the
// children (which stay the app's children), it is replaced when killed or
// when the app's privileges change, a forked app gets its own, and an
// unusable one means the direct path, not an error. Its spares: used,
// replaced, reaped, each network namespace given to one child only, within
// user.max_net_namespaces.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "api/testing/child_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ncp/trace.h"

namespace {

using ::ncp::testing::Eventually;
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

// How `pid` came to be (NCP_SpawnStages::via_zygote), from a traced spawn.
int HowStarted(int32_t pid) {
  NCP_SpawnStages stages;
  return ncp_GetSpawnStages(pid, &stages) == NCP_NO_ERROR ? stages.via_zygote
                                                          : -1;
}

// The zygote that forked `pid` (every spawn of this test is traced), or -1.
pid_t ZygoteOf(int32_t pid) {
  NCP_SpawnStages stages;
  if (ncp_GetSpawnStages(pid, &stages) != NCP_NO_ERROR) return -1;
  return stages.zygote_pid > 0 ? stages.zygote_pid : -1;
}

// A forked copy has no exit callback thread yet; it waits with a pidfd.
bool KillAndWait(int32_t pid) {
  return OH_Ability_KillChildProcess(pid) == NCP_NO_ERROR && WaitForExit(pid);
}

TEST(ZygoteTest, TheZygoteForksChildrenThatStayTheAppsOwn) {
  int32_t child = StartSleeper();
  ASSERT_GT(child, 0);
  const pid_t zygote = ZygoteOf(child);
  ASSERT_GT(zygote, 0);
  EXPECT_THAT(ZygotesOf(getpid()), ::testing::Contains(zygote));
  EXPECT_EQ(ParentOf(zygote), getpid());
  EXPECT_EQ(ParentOf(child), getpid());
  // Forked from the zygote, not exec'd: same place for the stack.
  EXPECT_NE(StackRange(child), "");
  EXPECT_EQ(StackRange(child), StackRange(zygote));
  // The child has its own name, the zygote keeps its own.
  EXPECT_EQ(ncp::testing::ReadComm(zygote), "ncp-zygote");
  EXPECT_NE(ncp::testing::ReadComm(child), "ncp-zygote");
  EXPECT_EQ(OH_Ability_KillChildProcess(child), NCP_NO_ERROR);
  EXPECT_EQ(ExitOf(child), SIGKILL);
}

TEST(ZygoteTest, AKilledZygoteIsReplacedAndItsChildrenStayManaged) {
  int32_t before = StartSleeper();
  ASSERT_GT(before, 0);
  const pid_t old = ZygoteOf(before);
  ASSERT_GT(old, 0);
  ASSERT_EQ(kill(old, SIGKILL), 0);
  ASSERT_TRUE(WaitForExit(old));
  // The child it forked lives on, and is still the app's: Kill works and
  // the exit callback reports it.
  EXPECT_TRUE(ProcessAlive(before));
  // The next spawn starts a new zygote, transparently.
  int32_t after = Start("libncp_reporter.so", "ExitWith3");
  ASSERT_GT(after, 0);
  EXPECT_EQ(ExitOf(after), 3);
  const pid_t now = ZygoteOf(after);
  EXPECT_GT(now, 0);
  EXPECT_NE(now, old);
  EXPECT_EQ(OH_Ability_KillChildProcess(before), NCP_NO_ERROR);
  EXPECT_EQ(ExitOf(before), SIGKILL);
}

TEST(ZygoteTest, AForkedAppStartsAZygoteOfItsOwn) {
  int32_t warm = Start("libncp_reporter.so", "ReturnNormally");
  ASSERT_GT(warm, 0);
  ASSERT_EQ(ExitOf(warm), 0);
  static pid_t parents_zygote;
  parents_zygote = ZygoteOf(warm);
  ASSERT_GT(parents_zygote, 0);
  EXPECT_EQ(InFork(+[] {
              int32_t child = StartSleeper();
              if (child <= 0) return 10;
              // Its child, through its own zygote, not the parent's.
              if (ParentOf(child) != getpid()) return 11;
              const pid_t mine = ZygoteOf(child);
              if (mine <= 0 || mine == parents_zygote) return 12;
              if (ParentOf(mine) != getpid()) return 12;
              if (StackRange(child) != StackRange(mine)) return 13;
              if (!KillAndWait(child)) return 14;
              return 0;
            }),
            0);
  // The parent's zygote still serves the parent.
  int32_t again = Start("libncp_reporter.so", "ReturnNormally");
  ASSERT_GT(again, 0);
  EXPECT_EQ(ExitOf(again), 0);
  EXPECT_EQ(ZygoteOf(again), parents_zygote);
}

TEST(ZygoteTest, AnAppThatRestrictsItselfGetsANewZygote) {
  // Children never have more privileges than the app has now: after a
  // seccomp filter or a change of groups, a new zygote inherits them.
  EXPECT_EQ(InFork(+[] {
              int32_t first = StartSleeper();
              if (first <= 0) return 10;
              const pid_t z1 = ZygoteOf(first);
              if (z1 <= 0) return 11;
              if (StatusField(z1, "Seccomp") != "0") return 12;

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
              const pid_t z2 = ZygoteOf(second);
              if (z2 <= 0 || z2 == z1) return 16;
              if (!WaitForExit(z1)) return 17;  // the old one left
              if (StatusField(z2, "Seccomp") != "2") return 18;
              if (StatusField(second, "Seccomp") != "2") return 19;

              gid_t groups[] = {4242};
              if (setgroups(1, groups) != 0) return 20;
              int32_t third = StartSleeper();
              if (third <= 0) return 21;
              const pid_t z3 = ZygoteOf(third);
              if (z3 <= 0 || z3 == z2) return 22;
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

TEST(ZygoteTest, AnAppThatChangesItsNamespacesKeepsTheZygote) {
  // The zygote's children, like a direct spawn's, get the namespaces of
  // the library's spawning thread, which the app's own unshare does not
  // change (it moves the calling thread only): the zygote stays, and so do
  // its children's namespaces.
  auto net = [](pid_t pid) -> ino_t {
    struct stat st;
    return stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) == 0
               ? st.st_ino
               : 0;
  };
  const ino_t ours = net(getpid());
  EXPECT_EQ(InFork(+[] {
              struct stat st;
              if (stat("/proc/self/ns/net", &st) != 0) return 9;
              const ino_t before = st.st_ino;
              int32_t first = StartSleeper();
              if (first <= 0) return 10;
              const pid_t zygote = ZygoteOf(first);
              if (zygote <= 0) return 11;
              // The main thread (this one) moves.
              if (unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) {
                KillAndWait(first);
                return errno == EPERM ? 77 : 12;
              }
              if (stat("/proc/self/ns/net", &st) != 0 || st.st_ino == before)
                return 13;
              int32_t second = StartSleeper();
              if (second <= 0) return 14;
              if (ZygoteOf(second) != zygote) return 15;
              if (stat(("/proc/" + std::to_string(second) + "/ns/net").c_str(),
                       &st) != 0 ||
                  st.st_ino != before) {
                return 16;
              }
              for (int32_t pid : {first, second}) {
                if (!KillAndWait(pid)) return 17;
              }
              return 0;
            }),
            0)
      << "77: unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN";
  EXPECT_EQ(net(getpid()), ours);
}

TEST(ZygoteTest, PreloadedLibrariesAreMappedBeforeTheChildStarts) {
  EXPECT_EQ(InFork(+[] {
              std::string lib = FixturePath("libncp_reporter.so");
              setenv("NCP_ZYGOTE_PRELOAD", lib.c_str(), 1);
              int32_t child = StartSleeper();
              if (child <= 0) return 10;
              const pid_t zygote = ZygoteOf(child);
              if (zygote <= 0) return 11;
              if (!MapsMention(zygote, "libncp_reporter.so")) return 12;
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
                if (HowStarted(child) != 0) return 35 + i;  // exec'd
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
              if (HowStarted(child) != 0) return 12;
              if (!KillAndWait(child)) return 13;
              return 0;
            }),
            0);
}

// ------------------------------------------------------------- spares

// Spawns (traced, as every spawn here); the pid, or -code.
int32_t TracedStart(const std::string& library, const std::string& symbol,
                    NativeChildProcess_IsolationMode mode) {
  std::string entry = FixturePath(library) + ":" + symbol;
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = mode;
  int32_t pid = -1;
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  return code == NCP_NO_ERROR ? pid : -code;
}

// A child that has run and exited: once it is gone, the zygote has its
// spares back by the time it serves the next request.
bool StartedAndGone() {
  int32_t pid = Start("libncp_reporter.so", "ReturnNormally");
  return pid > 0 && WaitForExit(pid);
}

// The app's children that are spares of `zygote`: named ncp-spare, or
// still named ncp-zygote if just forked.
std::vector<pid_t> SparesOf(pid_t app, pid_t zygote) {
  std::vector<pid_t> found;
  // (Spares are forked by the zygote with CLONE_PARENT: they are children
  // of the app's thread that started the zygote, so look at every thread.)
  DIR* tasks = opendir(("/proc/" + std::to_string(app) + "/task").c_str());
  while (struct dirent* t = tasks != nullptr ? readdir(tasks) : nullptr) {
    if (t->d_name[0] == '.') continue;
    std::ifstream list("/proc/" + std::to_string(app) + "/task/" + t->d_name +
                       "/children");
    pid_t pid;
    while (list >> pid) {
      const std::string comm = ncp::testing::ReadComm(pid);
      if (comm == "ncp-spare" || (comm == "ncp-zygote" && pid != zygote)) {
        found.push_back(pid);
      }
    }
  }
  if (tasks != nullptr) closedir(tasks);
  return found;
}

// `pid` has been reaped (not even a zombie).
bool Reaped(pid_t pid) {
  return Eventually([pid] {
    struct stat st;
    return stat(("/proc/" + std::to_string(pid)).c_str(), &st) != 0;
  });
}

// `pid` has died (a zombie, or reaped already).
bool Died(pid_t pid) {
  return Eventually([pid] {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;  // reaped
    const size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() &&
           line[close + 2] == 'Z';
  });
}

ino_t NetNs(pid_t pid) {
  struct stat st;
  return stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) == 0
             ? st.st_ino
             : 0;
}

TEST(SpareTest, ChildrenAfterTheFirstAreSpares) {
  EXPECT_EQ(InFork(+[] {
              // A spare per kind: the first child of a kind is forked on
              // request, the next ones were ready (spares are refilled as
              // soon as a child is past its start, and before the next
              // request is served).
              for (auto mode :
                   {NCP_ISOLATION_MODE_NORMAL, NCP_ISOLATION_MODE_ISOLATED}) {
                int32_t first =
                    TracedStart("libncp_reporter.so", "ReturnNormally", mode);
                if (first <= 0) return 10;
                if (!WaitForExit(first)) return 11;
                for (int i = 0; i < 5; ++i) {
                  int32_t next =
                      TracedStart("libncp_reporter.so", "ReturnNormally", mode);
                  if (next <= 0) return 12;
                  if (HowStarted(next) != 2) return 13;
                  if (!WaitForExit(next)) return 14;
                }
              }
              return 0;
            }),
            0);
}

// Waiting spares of `mode` among the app's children, as the kernel shows
// them: named ncp-spare, in a network namespace of their own if ISOLATED.
std::vector<pid_t> WaitingSpares(NativeChildProcess_IsolationMode mode) {
  std::vector<pid_t> found;
  for (pid_t pid : SparesOf(getpid(), -1)) {
    const bool own_net = NetNs(pid) != NetNs(getpid());
    if (ncp::testing::ReadComm(pid) == "ncp-spare" &&
        own_net == (mode == NCP_ISOLATION_MODE_ISOLATED)) {
      found.push_back(pid);
    }
  }
  return found;
}

// Untraced requests (the other tests trace every spawn) are matched to a
// spare's kind by their plan as sent: they must come from spares too. The
// pid a Start returns was a waiting spare before the call.
TEST(SpareTest, UntracedChildrenComeFromSparesToo) {
  EXPECT_EQ(
      InFork(+[] {
        unsetenv("NCP_TRACE_STAGES");
        // Pools of known sizes: the app may pick any spare of the pool, so
        // wait for the whole pool before each call.
        setenv("NCP_ZYGOTE_SPARES", "1", 1);
        setenv("NCP_NETNS_POOL", "2", 1);
        for (auto mode :
             {NCP_ISOLATION_MODE_NORMAL, NCP_ISOLATION_MODE_ISOLATED}) {
          const size_t pool = mode == NCP_ISOLATION_MODE_ISOLATED ? 2 : 1;
          int32_t first =
              TracedStart("libncp_reporter.so", "ReturnNormally", mode);
          if (first <= 0) return 10;
          if (!WaitForExit(first)) return 11;
          for (int i = 0; i < 3; ++i) {
            std::vector<pid_t> ready;
            if (!Eventually([&ready, mode, pool] {
                  ready = WaitingSpares(mode);
                  return ready.size() >= pool;
                })) {
              return 12;
            }
            int32_t next =
                TracedStart("libncp_reporter.so", "ReturnNormally", mode);
            if (next <= 0) return 13;
            if (std::find(ready.begin(), ready.end(), next) == ready.end()) {
              return 14 + 10 * mode;
            }
            if (!WaitForExit(next)) return 15;
          }
        }
        return 0;
      }),
      0);
}

TEST(SpareTest, PoolSizesOfZeroTurnSparesOff) {
  EXPECT_EQ(InFork(+[] {
              setenv("NCP_ZYGOTE_SPARES", "0", 1);
              setenv("NCP_NETNS_POOL", "0", 1);
              pid_t zygote = -1;
              for (auto mode :
                   {NCP_ISOLATION_MODE_NORMAL, NCP_ISOLATION_MODE_ISOLATED}) {
                for (int i = 0; i < 3; ++i) {
                  int32_t pid =
                      TracedStart("libncp_reporter.so", "ReturnNormally", mode);
                  if (pid <= 0) return 10;
                  if (HowStarted(pid) != 1) return 11;
                  zygote = ZygoteOf(pid);
                  if (!WaitForExit(pid)) return 12;
                }
              }
              if (!SparesOf(getpid(), zygote).empty()) return 13;
              return 0;
            }),
            0);
}

TEST(SpareTest, EveryIsolatedChildHasANetworkNamespaceOfItsOwn) {
  EXPECT_EQ(InFork(+[] {
              std::vector<int32_t> children;
              std::set<ino_t> seen = {NetNs(getpid())};
              for (int i = 0; i < 6; ++i) {
                int32_t pid = TracedStart("libncp_sleeper.so", "Sleep",
                                          NCP_ISOLATION_MODE_ISOLATED);
                if (pid <= 0) return 10;
                children.push_back(pid);
                ino_t ns = NetNs(pid);
                if (ns == 0 || !seen.insert(ns).second) return 11;
              }
              // Nor does a waiting spare share one with a child.
              for (pid_t spare : SparesOf(getpid(), ZygoteOf(children[0]))) {
                ino_t ns = NetNs(spare);
                if (ns != NetNs(getpid()) && seen.count(ns) != 0) return 12;
              }
              for (int32_t pid : children) {
                if (!KillAndWait(pid)) return 13;
              }
              return 0;
            }),
            0);
}

TEST(SpareTest, AKilledSpareIsReapedAndReplaced) {
  EXPECT_EQ(InFork(+[] {
              setenv("NCP_ZYGOTE_SPARES", "2", 1);
              if (!StartedAndGone()) return 10;
              // From a spare; the zygote refills the pool (of two) when the
              // child is past its start.
              int32_t b = StartSleeper();
              if (b <= 0) return 11;
              std::vector<pid_t> spares;
              if (!Eventually([&spares, zygote = ZygoteOf(b)] {
                    spares = SparesOf(getpid(), zygote);
                    return !spares.empty();
                  })) {
                return 12;
              }
              if (kill(spares[0], SIGKILL) != 0) return 13;
              int32_t c = StartSleeper();  // the zygote noticed, or will
              if (c <= 0) return 14;
              int32_t d = StartSleeper();
              if (d <= 0) return 15;
              // The app hears of a dead spare from the zygote, with its next
              // spawn: once the spare has died (a zombie, which the zygote
              // sees), that one reaps it.
              if (!Died(spares[0])) return 16;
              int32_t e = StartSleeper();
              if (e <= 0) return 17;
              if (!Reaped(spares[0])) return 18;
              for (int32_t pid : {b, c, d, e}) {
                if (!KillAndWait(pid)) return 19;
              }
              return 0;
            }),
            0);
}

// Some thread of this process is blocked in recvmsg (the library's
// spawning thread waits there for the zygote's answer).
bool SomeThreadInRecvmsg() {
  bool found = false;
  DIR* tasks = opendir("/proc/self/task");
  while (struct dirent* t = tasks != nullptr ? readdir(tasks) : nullptr) {
    if (t->d_name[0] == '.') continue;
    std::ifstream syscall_file(std::string("/proc/self/task/") + t->d_name +
                               "/syscall");
    long nr = -1;
    if (syscall_file >> nr && nr == SYS_recvmsg) found = true;
  }
  if (tasks != nullptr) closedir(tasks);
  return found;
}

TEST(SpareTest, ASpareThatDiesWithARequestOnItsWayIsReplaced) {
  EXPECT_EQ(InFork(+[] {
              // A NORMAL request goes straight to a spare the app was handed
              // (or through the zygote to it). Stopped, the spare cannot take
              // it; killed, it never will: the zygote says so and the app
              // asks the same zygote.
              if (!StartedAndGone()) return 10;
              int32_t a = StartSleeper();
              if (a <= 0) return 11;
              const pid_t zygote = ZygoteOf(a);
              std::vector<pid_t> spares;
              if (zygote <= 0 || !Eventually([&spares, zygote] {
                    spares = SparesOf(getpid(), zygote);
                    for (pid_t pid : spares) {
                      if (ncp::testing::ReadComm(pid) != "ncp-spare") {
                        return false;
                      }
                    }
                    return !spares.empty();
                  })) {
                return 12;
              }
              for (pid_t spare : spares) {
                if (kill(spare, SIGSTOP) != 0) return 13;
              }
              std::atomic<int32_t> b{0};
              std::thread starter([&b] { b = StartSleeper(); });
              // The request is on its way once the spawning thread waits.
              const bool waiting = Eventually(SomeThreadInRecvmsg);
              for (pid_t spare : spares) kill(spare, SIGKILL);
              starter.join();
              if (!waiting) return 14;
              if (b <= 0) return 15;
              // Not a new zygote's doing: the same one forked it.
              if (ZygoteOf(b) != zygote) return 19;
              for (pid_t spare : spares) {
                if (spare == b) return 16;
                if (!Reaped(spare)) return 17;
              }
              for (int32_t pid : {a, b.load()}) {
                if (!KillAndWait(pid)) return 18;
              }
              return 0;
            }),
            0);
}

TEST(SpareTest, SparesOfAKilledZygoteAreReaped) {
  EXPECT_EQ(InFork(+[] {
              setenv("NCP_ZYGOTE_SPARES", "2", 1);
              if (!StartedAndGone()) return 10;
              int32_t a = StartSleeper();  // from a spare; the pool refills
              if (a <= 0) return 10;
              const pid_t zygote = ZygoteOf(a);
              std::vector<pid_t> spares;
              if (zygote <= 0 || !Eventually([&spares, zygote] {
                    spares = SparesOf(getpid(), zygote);
                    return !spares.empty();
                  })) {
                return 11;
              }
              if (kill(zygote, SIGKILL) != 0) return 12;
              if (!WaitForExit(zygote)) return 13;
              int32_t c = StartSleeper();  // a new zygote
              if (c <= 0) return 14;
              for (pid_t spare : spares) {
                if (!Reaped(spare)) return 15;
              }
              if (!Reaped(zygote)) return 16;
              for (int32_t pid : {a, c}) {
                if (!KillAndWait(pid)) return 17;
              }
              return 0;
            }),
            0);
}

TEST(SpareTest, ASpareTheZygoteCouldNotAnnounceIsReapedToo) {
  EXPECT_EQ(InFork(+[] {
              // A zygote killed between cloning a spare and telling the app
              // leaves a child the app has not heard of. Stand-in: a child
              // of the app with a spare's name.
              int32_t a = StartSleeper();
              if (a <= 0) return 10;
              const pid_t zygote = ZygoteOf(a);
              if (zygote <= 0) return 11;
              int ready[2];
              if (pipe2(ready, O_CLOEXEC) != 0) return 12;
              const pid_t unannounced = fork();
              if (unannounced == 0) {
                prctl(PR_SET_NAME, "ncp-spare");
                close(ready[0]);
                close(ready[1]);  // named: the parent reads EOF
                for (;;) pause();
              }
              close(ready[1]);
              char byte;
              if (read(ready[0], &byte, 1) != 0) return 13;
              close(ready[0]);
              if (kill(zygote, SIGKILL) != 0) return 14;
              if (!WaitForExit(zygote)) return 15;
              int32_t c = StartSleeper();  // a new zygote; the old one's
              if (c <= 0) return 16;       // spares are stopped and reaped
              if (!Reaped(unannounced)) return 17;
              for (int32_t pid : {a, c}) {
                if (!KillAndWait(pid)) return 18;
              }
              return 0;
            }),
            0);
}

TEST(SpareTest, ThePoolStaysWithinTheNetworkNamespaceQuota) {
  EXPECT_EQ(InFork(+[] {
              // A user namespace of our own allowing 3 network namespaces:
              // spares never take one a child could have had.
              uid_t uid = getuid();
              gid_t gid = getgid();
              if (unshare(CLONE_NEWUSER) != 0) return 10;
              std::ofstream("/proc/self/setgroups") << "deny";
              std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
              std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
              {
                std::ofstream limit("/proc/sys/user/max_net_namespaces");
                limit << "3";
                if (!limit.good()) return 11;
              }
              std::vector<int32_t> children;
              for (int i = 0; i < 3; ++i) {
                int32_t pid = TracedStart("libncp_sleeper.so", "Sleep",
                                          NCP_ISOLATION_MODE_ISOLATED);
                if (pid <= 0) return 20 + i;
                children.push_back(pid);
              }
              // The fourth has no network namespace left.
              int32_t fourth = TracedStart("libncp_sleeper.so", "Sleep",
                                           NCP_ISOLATION_MODE_ISOLATED);
              if (fourth != -NCP_ERR_NOT_SUPPORTED) return 30;
              for (int32_t pid : children) {
                if (!KillAndWait(pid)) return 31;
              }
              return 0;
            }),
            0);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  // Every spawn traced: ncp_GetSpawnStages says which zygote made a child.
  setenv("NCP_TRACE_STAGES", "1", 1);
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  return RUN_ALL_TESTS();
}
