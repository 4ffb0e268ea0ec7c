// End-to-end tests of the Start* flavour through the shipped
// libchild_process.so, with real children running //testdata fixtures.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "api/testing/child_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::ncp::testing::FdList;
using ::ncp::testing::FixturePath;
using ::ncp::testing::Pipe;
using ::ncp::testing::WaitForExit;
using ::testing::HasSubstr;
using ::testing::StartsWith;

NativeChildProcess_Options Normal() {
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_NORMAL;
  return options;
}

std::string Entry(const std::string& lib, const std::string& symbol) {
  return FixturePath(lib) + ":" + symbol;
}

// Starts `entry` with "out" (and any extra fds) and returns what the child
// wrote to "out" by the time it exited.
std::string RunAndCollect(const std::string& entry, const char* params,
                          std::vector<std::pair<std::string, int>> extra = {}) {
  Pipe out;
  extra.emplace_back("out", out.write_fd());
  FdList fds(extra);
  NativeChildProcess_Args args = {};
  args.entryParams = const_cast<char*>(params);
  args.fdList = fds.list();
  int32_t pid = -1;
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid);
  EXPECT_EQ(code, NCP_NO_ERROR);
  if (code != NCP_NO_ERROR) return "";
  EXPECT_GT(pid, 0);
  return out.ReadAll();
}

std::map<std::string, std::string> ParseReport(const std::string& report) {
  std::map<std::string, std::string> items;
  for (absl::string_view line :
       absl::StrSplit(report, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    items[kv.first] = kv.second;
  }
  return items;
}

// ---- Exit callbacks: global, since the callback is a plain C function. ----

struct ExitEvent {
  int32_t signal;
  std::string thread;
};
std::mutex g_exit_mu;
std::condition_variable g_exit_cv;
std::map<int32_t, std::vector<ExitEvent>>* g_exits =
    new std::map<int32_t, std::vector<ExitEvent>>();

void RecordExit(int32_t pid, int32_t signal) {
  std::lock_guard<std::mutex> lock(g_exit_mu);
  (*g_exits)[pid].push_back({signal, ncp::testing::CurrentThreadName()});
  g_exit_cv.notify_all();
}

void RecordExitToo(int32_t pid, int32_t signal) { RecordExit(-pid, signal); }

// Waits until `pid`'s exit was reported, then returns all reports for it.
std::vector<ExitEvent> ExitsOf(int32_t pid) {
  std::unique_lock<std::mutex> lock(g_exit_mu);
  g_exit_cv.wait_for(lock, std::chrono::seconds(10),
                     [pid] { return g_exits->count(pid) > 0; });
  auto it = g_exits->find(pid);
  return it == g_exits->end() ? std::vector<ExitEvent>{} : it->second;
}

class StartTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(OH_Ability_RegisterNativeChildProcessExitCallback(&RecordExit),
              NCP_NO_ERROR);
  }
  static void TearDownTestSuite() {
    OH_Ability_UnregisterNativeChildProcessExitCallback(&RecordExit);
  }

  int32_t StartOk(const std::string& entry, NativeChildProcess_Args args = {}) {
    int32_t pid = -1;
    EXPECT_EQ(
        OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid),
        NCP_NO_ERROR);
    EXPECT_GT(pid, 0);
    return pid;
  }
};

// ---------------------------------------------------------------- spec §1.13

TEST_F(StartTest, ConformanceEntryWritesSucc) {
  char path[] = "/tmp/ncp_succ_XXXXXX";
  int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  FdList fds({{"fd1", file}});
  NativeChildProcess_Args args = {};
  args.entryParams = const_cast<char*>("testEntryParams");
  args.fdList = fds.list();
  int32_t pid = StartOk(Entry("libncp_reporter.so", "Main"), args);
  close(dup(file));  // the caller may close its fds right away; a dup stays
  ASSERT_EQ(ExitsOf(pid).size(), 1u);
  char buf[8] = {};
  ASSERT_EQ(pread(file, buf, sizeof(buf), 0), 4);
  EXPECT_STREQ(buf, "SUCC");
  close(file);
}

TEST_F(StartTest, NullParamsAndNoFdsWork) {
  int32_t pid = StartOk(Entry("libncp_reporter.so", "ReturnNormally"));
  std::vector<ExitEvent> exits = ExitsOf(pid);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, 0);
}

TEST_F(StartTest, MissingLibraryOrSymbolStillStartsAndExits127) {
  for (const std::string& entry : {std::string("libnoexisted.so:Main"),
                                   Entry("libncp_reporter.so", "notexisted"),
                                   Entry("libncp_missing_symbol.so", "Main")}) {
    Ability_ChildProcessConfigs* configs =
        OH_Ability_CreateChildProcessConfigs();
    ASSERT_NE(configs, nullptr);
    int32_t pid = -1;
    NativeChildProcess_Args args = {};
    EXPECT_EQ(OH_Ability_StartNativeChildProcessWithConfigs(entry.c_str(), args,
                                                            configs, &pid),
              NCP_NO_ERROR)
        << entry;
    EXPECT_GT(pid, 0);
    EXPECT_EQ(OH_Ability_DestroyChildProcessConfigs(configs), NCP_NO_ERROR);
    std::vector<ExitEvent> exits = ExitsOf(pid);
    ASSERT_EQ(exits.size(), 1u) << entry;
    EXPECT_EQ(exits[0].signal, 127) << entry;
  }
}

TEST_F(StartTest, GetCurrentChildProcessArgsIsNullInParent) {
  EXPECT_EQ(OH_Ability_GetCurrentChildProcessArgs(), nullptr);
}

TEST_F(StartTest, KillOfNonChildIsInvalidPid) {
  EXPECT_EQ(OH_Ability_KillChildProcess(-1), NCP_ERR_INVALID_PID);
  EXPECT_EQ(OH_Ability_KillChildProcess(0), NCP_ERR_INVALID_PID);
  EXPECT_EQ(OH_Ability_KillChildProcess(getpid()), NCP_ERR_INVALID_PID);
  EXPECT_EQ(OH_Ability_KillChildProcess(1), NCP_ERR_INVALID_PID);
}

// ------------------------------------------------------- argument checking

TEST_F(StartTest, InvalidEntriesAre401) {
  NativeChildProcess_Args args = {};
  int32_t pid = -1;
  for (const char* entry : {static_cast<const char*>(nullptr), "", "libx.so",
                            "../libx.so:Main", "dir/../libx.so:Main"}) {
    EXPECT_EQ(OH_Ability_StartNativeChildProcess(entry, args, Normal(), &pid),
              NCP_ERR_INVALID_PARAM)
        << (entry ? entry : "NULL");
  }
  EXPECT_EQ(OH_Ability_StartNativeChildProcess("libx.so:Main", args, Normal(),
                                               nullptr),
            NCP_ERR_INVALID_PARAM);
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  EXPECT_EQ(OH_Ability_StartNativeChildProcessWithConfigs(nullptr, args,
                                                          configs, &pid),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_StartNativeChildProcessWithConfigs("libx.so:Main", args,
                                                          nullptr, &pid),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_StartNativeChildProcessWithConfigs("libx.so", args,
                                                          configs, &pid),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_StartNativeChildProcessWithConfigs("libx.so:Main", args,
                                                          configs, nullptr),
            NCP_ERR_INVALID_PARAM);
  OH_Ability_DestroyChildProcessConfigs(configs);
  EXPECT_EQ(pid, -1);  // written only on success
}

TEST_F(StartTest, InvalidFdListsAre401) {
  NativeChildProcess_Args args = {};
  int32_t pid = -1;
  const std::string entry = Entry("libncp_reporter.so", "ReturnNormally");
  auto start = [&](std::vector<std::pair<std::string, int>> list) {
    FdList fds(list);
    args.fdList = fds.list();
    return OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(),
                                              &pid);
  };
  std::vector<std::pair<std::string, int>> seventeen;
  for (int i = 0; i < 17; ++i) seventeen.emplace_back(absl::StrCat("n", i), 1);
  EXPECT_EQ(start(seventeen), NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(start({{std::string(21, 'a'), 1}}), NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(start({{"", 1}}), NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(start({{"neg", -1}}), NCP_ERR_INVALID_PARAM);
  int closed = dup(1);
  close(closed);
  EXPECT_EQ(start({{"closed", closed}}), NCP_ERR_INVALID_PARAM);
  // A bad fd behind a repeated name is still checked: the first one wins.
  EXPECT_EQ(pid, -1);

  NativeChildProcess_Fd null_name = {nullptr, 1, nullptr};
  args.fdList.head = &null_name;
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid),
      NCP_ERR_INVALID_PARAM);
  NativeChildProcess_Fd cycle = {const_cast<char*>("loop"), 1, nullptr};
  cycle.next = &cycle;
  args.fdList.head = &cycle;
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid),
      NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(pid, -1);
}

TEST_F(StartTest, SixteenNamesOfTwentyBytesAndDuplicatesAreFine) {
  std::vector<std::pair<std::string, int>> list;
  for (int i = 0; i < 15; ++i) {  // + "out" = 16 distinct names
    std::string name = absl::StrCat(std::string(18, 'a' + i), i % 10, "x");
    ASSERT_EQ(name.size(), 20u);
    list.emplace_back(name, 2);
  }
  list.emplace_back(list[0].first, 1);  // 17 nodes, 16 names with "out"
  std::string report =
      RunAndCollect(Entry("libncp_reporter.so", "Report"), nullptr, list);
  std::map<std::string, std::string> items = ParseReport(report);
  // 16 names, sorted; the duplicate kept its first fd.
  std::vector<std::string> fds =
      absl::StrSplit(items["fds"], ' ', absl::SkipEmpty());
  ASSERT_EQ(fds.size(), 16u);
  EXPECT_TRUE(std::is_sorted(fds.begin(), fds.end()));
}

TEST_F(StartTest, EntryParamsLimitIsExact) {
  std::string max(153600, 'p');
  for (size_t i = 0; i < max.size(); ++i)
    max[i] = static_cast<char>('!' + i % 90);
  EXPECT_EQ(
      RunAndCollect(Entry("libncp_reporter.so", "EchoParams"), max.c_str()),
      max);

  std::string over(153601, 'p');
  NativeChildProcess_Args args = {};
  args.entryParams = over.data();
  int32_t pid = -1;
  EXPECT_EQ(OH_Ability_StartNativeChildProcess(
                Entry("libncp_reporter.so", "EchoParams").c_str(), args,
                Normal(), &pid),
            NCP_ERR_INVALID_PARAM);
}

// ---------------------------------------------------------- in the child

TEST_F(StartTest, ChildSeesParamsFdsArgsAndNothingElse) {
  Pipe a, b;
  int stray = open("/dev/null", O_RDONLY);  // not CLOEXEC: must not leak
  ASSERT_GE(stray, 0);
  std::string report =
      RunAndCollect(Entry("libncp_reporter.so", "Report"), "hello world",
                    {{"zeta", a.write_fd()}, {"alpha", b.write_fd()}});
  close(stray);
  std::map<std::string, std::string> items = ParseReport(report);
  EXPECT_THAT(items["params"], StartsWith("11 "));
  // Sorted by name; numbers are the child's.
  std::vector<std::string> fds =
      absl::StrSplit(items["fds"], ' ', absl::SkipEmpty());
  ASSERT_EQ(fds.size(), 3u);
  EXPECT_THAT(fds[0], StartsWith("alpha="));
  EXPECT_THAT(fds[1], StartsWith("out="));
  EXPECT_THAT(fds[2], StartsWith("zeta="));
  EXPECT_EQ(items["same_args"], "1 1");
  // Open in the child: stdio and the three passed fds, nothing else.
  std::vector<std::string> open_fds =
      absl::StrSplit(items["open"], ' ', absl::SkipEmpty());
  std::vector<std::string> expected = {"0", "1", "2"};
  for (const std::string& fd : fds)
    expected.push_back(fd.substr(fd.find('=') + 1));
  std::sort(open_fds.begin(), open_fds.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(open_fds, expected) << report;
}

TEST_F(StartTest, PassedFdSharesTheOpenFileDescription) {
  char path[] = "/tmp/ncp_offset_XXXXXX";
  int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  ASSERT_EQ(write(file, "AB", 2), 2);
  FdList fds({{"file", file}});
  NativeChildProcess_Args args = {};
  args.fdList = fds.list();
  int32_t pid = StartOk(Entry("libncp_reporter.so", "AppendCD"), args);
  ASSERT_EQ(ExitsOf(pid).size(), 1u);
  EXPECT_EQ(lseek(file, 0, SEEK_CUR), 4);  // the child's write moved our offset
  char buf[8] = {};
  ASSERT_EQ(pread(file, buf, sizeof(buf), 0), 4);
  EXPECT_STREQ(buf, "ABCD");
  close(file);
}

TEST_F(StartTest, ChildCannotStartChildren) {
  EXPECT_EQ(
      RunAndCollect(Entry("libncp_reporter.so", "StartGrandchild"), nullptr),
      "16010005 0 16010010");
}

TEST_F(StartTest, CppLibraryRuns) {
  EXPECT_EQ(RunAndCollect(Entry("libncp_cpp.so", "CppMain"), "p"),
            "constructed caught 5050 p");
}

TEST_F(StartTest, BareNameIsFoundInNcpLibraryPath) {
  // NCP_LIBRARY_PATH is set by main() below, before any thread starts.
  EXPECT_EQ(RunAndCollect("libncp_reporter.so:EchoParams", "found"), "found");
}

// ---------------------------------------------------------- exit callbacks

TEST_F(StartTest, ExitCallbacksReportHowChildrenEnded) {
  struct Case {
    std::string entry;
    int32_t expected;
  } cases[] = {
      {Entry("libncp_reporter.so", "ReturnNormally"), 0},
      {Entry("libncp_reporter.so", "ExitWith3"), 3},
      {Entry("libncp_crasher.so", "Segfault"), SIGSEGV},
      {Entry("libncp_crasher.so", "Abort"), SIGABRT},
  };
  for (const Case& c : cases) {
    int32_t pid = StartOk(c.entry);
    std::vector<ExitEvent> exits = ExitsOf(pid);
    ASSERT_EQ(exits.size(), 1u) << c.entry;
    EXPECT_EQ(exits[0].signal, c.expected) << c.entry;
    EXPECT_EQ(exits[0].thread, "ncp-callbacks");
  }
}

TEST_F(StartTest, KillReportsSignal9AndFreesTheSlot) {
  Pipe ready;
  FdList fds({{"out", ready.write_fd()}});
  NativeChildProcess_Args args = {};
  args.fdList = fds.list();
  int32_t pid = StartOk(Entry("libncp_sleeper.so", "Sleep"), args);
  EXPECT_EQ(ready.ReadAll(), "ready");
  EXPECT_TRUE(ncp::testing::ProcessAlive(pid));
  EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR);
  std::vector<ExitEvent> exits = ExitsOf(pid);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, SIGKILL);
  EXPECT_FALSE(ncp::testing::ProcessAlive(pid));
  EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_ERR_INVALID_PID);
}

TEST_F(StartTest, RegisterDedupsAndUnregisterIsExact) {
  // The suite registered RecordExit once; registering again is a no-op.
  EXPECT_EQ(OH_Ability_RegisterNativeChildProcessExitCallback(&RecordExit),
            NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_RegisterNativeChildProcessExitCallback(&RecordExitToo),
            NCP_NO_ERROR);
  int32_t pid = StartOk(Entry("libncp_reporter.so", "ReturnNormally"));
  EXPECT_EQ(ExitsOf(pid).size(), 1u);   // once, despite two registrations
  EXPECT_EQ(ExitsOf(-pid).size(), 1u);  // the second callback fired too
  EXPECT_EQ(OH_Ability_UnregisterNativeChildProcessExitCallback(&RecordExitToo),
            NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_UnregisterNativeChildProcessExitCallback(&RecordExitToo),
            NCP_ERR_CALLBACK_NOT_EXIST);
  EXPECT_EQ(OH_Ability_RegisterNativeChildProcessExitCallback(nullptr),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_UnregisterNativeChildProcessExitCallback(nullptr),
            NCP_ERR_INVALID_PARAM);
}

// ------------------------------------------------------------ names, limits

TEST_F(StartTest, ProcessNamesAreVisible) {
  Pipe ready;
  FdList fds({{"out", ready.write_fd()}});
  NativeChildProcess_Args args = {};
  args.fdList = fds.list();
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  ASSERT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(configs, "abc_123"),
            NCP_NO_ERROR);
  int32_t pid = -1;
  ASSERT_EQ(
      OH_Ability_StartNativeChildProcessWithConfigs(
          Entry("libncp_sleeper.so", "Sleep").c_str(), args, configs, &pid),
      NCP_NO_ERROR);
  OH_Ability_DestroyChildProcessConfigs(configs);
  EXPECT_EQ(ready.ReadAll(), "ready");
  std::string expected = "ncp_test_bundle:abc_123";
  EXPECT_EQ(ncp::testing::ReadCmdline(pid), expected + std::string(1, '\0'));
  EXPECT_EQ(ncp::testing::ReadComm(pid), expected.substr(0, 15));
  EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR);

  Pipe ready2;
  FdList fds2({{"out", ready2.write_fd()}});
  args.fdList = fds2.list();
  pid = StartOk(Entry("libncp_sleeper.so", "Sleep"), args);
  EXPECT_EQ(ready2.ReadAll(), "ready");
  EXPECT_THAT(ncp::testing::ReadCmdline(pid),
              StartsWith("ncp_test_bundle:Native_libncp_sleeper"));
  EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR);
}

TEST_F(StartTest, The513thLiveChildIsRefused) {
  std::vector<int32_t> pids;
  NativeChildProcess_Args args = {};
  const std::string entry = Entry("libncp_sleeper.so", "Sleep");
  for (int i = 0; i < 512; ++i) {
    int32_t pid = -1;
    int code =
        OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid);
    ASSERT_EQ(code, NCP_NO_ERROR) << i;
    pids.push_back(pid);
  }
  int32_t pid = -1;
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid),
      NCP_ERR_MAX_CHILD_PROCESSES_REACHED);
  EXPECT_EQ(OH_Ability_KillChildProcess(pids.back()), NCP_NO_ERROR);
  pids.pop_back();
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, Normal(), &pid),
      NCP_NO_ERROR);
  pids.push_back(pid);
  for (int32_t p : pids)
    EXPECT_EQ(OH_Ability_KillChildProcess(p), NCP_NO_ERROR);
}

TEST_F(StartTest, ThousandSpawnsLeaveNoZombiesAndNoFds) {
  const std::string entry = Entry("libncp_reporter.so", "ReturnNormally");
  ExitsOf(StartOk(entry));  // warm up: library threads and their fds exist
  // Less the handed spares' sockets, which follow the pool.
  const int fds_before =
      ncp::testing::CountOpenFds() - ncp::testing::CountHandedSpareSockets();
  std::vector<int32_t> pids;
  for (int i = 0; i < 1000; ++i) pids.push_back(StartOk(entry));
  for (int32_t pid : pids) ASSERT_EQ(ExitsOf(pid).size(), 1u);
  EXPECT_EQ(
      ncp::testing::CountOpenFds() - ncp::testing::CountHandedSpareSockets(),
      fds_before);
  EXPECT_LE(ncp::testing::CountHandedSpareSockets(),
            ncp::testing::kMaxHandedSpareSockets);
  EXPECT_EQ(ncp::testing::CountZombieChildren(), 0);
}

// A child gets the namespaces of the library's spawning thread, whichever
// app thread asks and whether it comes from the zygote or not: an app
// thread that moves to other namespaces does not move its children (the
// zygote is not compared against the caller's namespaces for that reason:
// see AppState in launcher.cc).
TEST_F(StartTest, AThreadInOtherNamespacesStartsChildrenInTheLibrarysOnes) {
  auto inode = [](const std::string& path) -> ino_t {
    struct stat st;
    return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  const std::string entry = Entry("libncp_sleeper.so", "Sleep");
  const ino_t ours = inode("/proc/thread-self/ns/net");
  ASSERT_NE(ours, 0u);
  const int32_t before = StartOk(entry);
  EXPECT_EQ(inode(absl::StrCat("/proc/", before, "/ns/net")), ours);

  int unshare_errno = 0;
  ino_t moved = 0;
  int32_t after = -1;
  std::thread([&] {
    // Only this thread moves.
    if (unshare(CLONE_NEWNET) != 0) {
      unshare_errno = errno;
      return;
    }
    moved = inode("/proc/thread-self/ns/net");
    after = StartOk(entry);
  }).join();
  if (unshare_errno == EPERM) {
    OH_Ability_KillChildProcess(before);
    GTEST_SKIP() << "NOT RUN: unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN";
  }
  ASSERT_EQ(unshare_errno, 0) << strerror(unshare_errno);
  ASSERT_GT(after, 0);
  EXPECT_NE(moved, ours);
  EXPECT_EQ(inode(absl::StrCat("/proc/", after, "/ns/net")), ours);
  EXPECT_EQ(inode("/proc/thread-self/ns/net"), ours);
  for (int32_t pid : {before, after}) {
    EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR);
    EXPECT_EQ(ExitsOf(pid).size(), 1u);
  }
}

TEST_F(StartTest, IsNativeChildProcessSupported) {
  EXPECT_TRUE(OH_Ability_IsNativeChildProcessSupported());
}

TEST(StartDeathTest, MultiProcessSwitchOff) {
  EXPECT_EXIT(
      {
        setenv("NCP_MULTI_PROCESS", "0", 1);
        NativeChildProcess_Args args = {};
        NativeChildProcess_Options options = {};
        int32_t pid = -1;
        int code = OH_Ability_StartNativeChildProcess("libx.so:Main", args,
                                                      options, &pid);
        bool supported = OH_Ability_IsNativeChildProcessSupported();
        _exit(code == NCP_ERR_MULTI_PROCESS_DISABLED && !supported ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists: the environment the tests rely on.
  setenv("NCP_BUNDLE_NAME", "ncp_test_bundle", 1);
  setenv("NCP_LIBRARY_PATH", ncp::testing::FixtureDir().c_str(), 1);
  ::testing::InitGoogleMock(&argc, argv);
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  return RUN_ALL_TESTS();
}
