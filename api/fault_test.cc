// Fault injection (issue: reliability): each fault gives its documented
// code, with no hang and no leak. Faults that change the process (seccomp
// filters, rlimits, namespaces) run in fresh processes: "threadsafe" death
// tests re-execute this binary for each.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "api/testing/child_exits.h"
#include "api/testing/child_test_util.h"
#include "base/notification.h"
#include "base/testing/eventually.h"
#include "gtest/gtest.h"
#include "ncp/child_exit.h"
#include "spawner/supervisor.h"

extern char** environ;

namespace {

using ::ncp::testing::FixturePath;

// ---- typed ends of children (ncp extension), by pid
ncp::testing::ChildExits& g_exits = *new ncp::testing::ChildExits;

// ---- start callbacks
struct Started {
  int code = -1;
  OHIPCRemoteProxy* proxy = nullptr;
};
std::mutex g_start_mu;
std::condition_variable g_start_cv;
std::optional<Started> g_started;  // guarded by g_start_mu

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  std::lock_guard<std::mutex> lock(g_start_mu);
  g_started = Started{code, proxy};
  g_start_cv.notify_all();
}

Started Create(const std::string& lib) {
  {
    std::lock_guard<std::mutex> lock(g_start_mu);
    g_started.reset();
  }
  Started result;
  if (OH_Ability_CreateNativeChildProcess(lib.c_str(), &OnStarted) != 0)
    return result;
  std::unique_lock<std::mutex> lock(g_start_mu);
  g_start_cv.wait_for(lock, std::chrono::seconds(10),
                      [] { return g_started.has_value(); });
  if (g_started.has_value()) result = *g_started;
  return result;
}

int32_t StartEntry(const std::string& lib, const std::string& symbol) {
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  std::string entry = FixturePath(lib) + ":" + symbol;
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  return code == 0 ? pid : -code;
}

int Send(OHIPCRemoteProxy* proxy, uint32_t code, int32_t* out = nullptr) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int rc = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, &sync);
  if (out != nullptr) OH_IPCParcel_ReadInt32(reply, out);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return rc;
}

int32_t PidOf(OHIPCRemoteProxy* proxy) {
  int32_t pid = -1;
  Send(proxy, 5, &pid);
  return pid;
}

scmp_filter_ctx AllowAll() { return seccomp_init(SCMP_ACT_ALLOW); }

// ------------------------------------------------ clone3 / pidfd refused

// ENOSYS is what container runtimes answer: libc (and the spawner) fall
// back to clone(). EPERM breaks pthread_create itself (glibc only falls
// back on ENOSYS): the library cannot start its threads and says so.
template <int kErrno>
int StartWithClone3Refused() {
  scmp_filter_ctx ctx = AllowAll();
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(kErrno), SCMP_SYS(clone3), 0);
  if (seccomp_load(ctx) != 0) return 20;
  if (kErrno != EPERM) g_exits.Register();
  int32_t pid = StartEntry("libncp_reporter.so", "ExitWith3");
  if (kErrno == EPERM) {
    if (pid != -NCP_ERR_INTERNAL) return 23;
    // ... and keeps saying so, without crashing or hanging.
    if (StartEntry("libncp_reporter.so", "ExitWith3") != -NCP_ERR_INTERNAL)
      return 24;
    return 0;
  }
  if (pid <= 0) return 21;
  NCP_ChildExitInfo end = g_exits.Of(pid);
  if (end.kind != NCP_CHILD_EXITED || end.exit_code != 3) return 22;
  return 0;
}

TEST(FaultDeathTest, Clone3RefusedWithEnosysStillStarts) {
  EXPECT_EXIT(_exit(StartWithClone3Refused<ENOSYS>()),
              ::testing::ExitedWithCode(0), "");
}

TEST(FaultDeathTest, Clone3RefusedWithEpermIsInternal) {
  EXPECT_EXIT(_exit(StartWithClone3Refused<EPERM>()),
              ::testing::ExitedWithCode(0), "");
}

int StartWithoutPidfds() {
  scmp_filter_ctx ctx = AllowAll();
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(clone), 1,
                   SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_PIDFD, CLONE_PIDFD));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(pidfd_open), 0);
  if (seccomp_load(ctx) != 0) return 20;
  const int fds = ncp::testing::CountOpenFds();
  int32_t pid = StartEntry("libncp_reporter.so", "ReturnNormally");
  if (pid != -NCP_ERR_NOT_SUPPORTED) {
    fprintf(stderr, "Start gave %d\n", pid);
    return 21;
  }
  if (ncp::testing::CountZombieChildren() != 0) return 22;  // reaped
  // Only what the library keeps for good (trampoline, libipc_capi.so, its
  // threads' fds) may be new; run it twice to tell.
  const int after_first = ncp::testing::CountOpenFds();
  if (StartEntry("libncp_reporter.so", "ReturnNormally") !=
      -NCP_ERR_NOT_SUPPORTED)
    return 23;
  if (ncp::testing::CountOpenFds() != after_first) return 24;
  (void)fds;
  return 0;
}

TEST(FaultDeathTest, NoPidfdsIsNotSupported) {
  EXPECT_EXIT(_exit(StartWithoutPidfds()), ::testing::ExitedWithCode(0), "");
}

// ------------------------------------------------ namespaces

int IsolatedWithNetnsQuotaExhausted() {
  // A user namespace of our own whose network namespace quota is 0.
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER) != 0) return 20;
  std::ofstream("/proc/self/setgroups") << "deny";
  std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
  std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
  {
    std::ofstream limit("/proc/sys/user/max_net_namespaces");
    limit << "0";
    if (!limit.good()) return 21;
  }
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  if (OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid) !=
      NCP_ERR_NOT_SUPPORTED) {
    return 22;
  }
  options.isolationMode = NCP_ISOLATION_MODE_NORMAL;
  if (OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid) !=
      0)
    return 23;
  return 0;
}

TEST(FaultDeathTest, NetworkNamespaceQuotaExhaustedIs801) {
  EXPECT_EXIT(_exit(IsolatedWithNetnsQuotaExhausted()),
              ::testing::ExitedWithCode(0), "ISOLATED mode is not available");
}

// ------------------------------------------------ EMFILE

int StartWithNoFdsLeft() {
  // Warm up (and wait until that child is forgotten: its record holds
  // fds until then), then leave no room for new fds.
  g_exits.Register();
  int32_t warm = StartEntry("libncp_reporter.so", "ReturnNormally");
  if (warm <= 0) return 20;
  g_exits.Of(warm);
  const int open_fds = ncp::testing::CountOpenFds();
  const int handed = ncp::testing::CountHandedSpareSockets();
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  struct rlimit tight = {static_cast<rlim_t>(open_fds + 3), limit.rlim_max};
  // Fill the table up to the limit.
  std::vector<int> fillers;
  setrlimit(RLIMIT_NOFILE, &tight);
  for (;;) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    fillers.push_back(fd);
  }
  int32_t pid = StartEntry("libncp_reporter.so", "ReturnNormally");
  if (pid > 0) return 21;
  if (-pid != NCP_ERR_INTERNAL) {
    fprintf(stderr, "Start gave %d\n", pid);
    return 22;
  }
  for (int fd : fillers) close(fd);
  setrlimit(RLIMIT_NOFILE, &limit);
  // Nothing leaked (a spare's socket may have been handed, or used up).
  if (ncp::testing::CountOpenFds() - ncp::testing::CountHandedSpareSockets() !=
      open_fds - handed) {
    return 23;
  }
  if (StartEntry("libncp_reporter.so", "ReturnNormally") <= 0)
    return 24;  // recovered
  return 0;
}

TEST(FaultDeathTest, NoFdsLeftIsInternalAndRecovers) {
  EXPECT_EXIT(_exit(StartWithNoFdsLeft()), ::testing::ExitedWithCode(0), "");
}

// ------------------------------------------------ a child nobody can watch

// The epoll set of this process one of whose targets' fd links (readlink
// of /proc/self/fd/N) starts with `kind` ("anon_inode:[timerfd]": the
// supervisor's; "socket:": the IPC runtime's), -1 if none.
int EpollSetWatching(const std::string& kind) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string fd = e->d_name;
    char link[256] = {};
    if (readlink(("/proc/self/fd/" + fd).c_str(), link, sizeof(link) - 1) <=
            0 ||
        std::string(link) != "anon_inode:[eventpoll]") {
      continue;
    }
    std::ifstream info("/proc/self/fdinfo/" + fd);
    std::string line;
    while (found < 0 && std::getline(info, line)) {
      int target = -1;
      if (sscanf(line.c_str(), "tfd: %d", &target) != 1) continue;
      char target_link[256] = {};
      if (readlink(("/proc/self/fd/" + std::to_string(target)).c_str(),
                   target_link, sizeof(target_link) - 1) > 0 &&
          std::string(target_link).rfind(kind, 0) == 0) {
        found = std::stoi(fd);
      }
    }
    if (found >= 0) break;
  }
  closedir(dir);
  return found;
}

// Refuses epoll_ctl(ADD) on the epoll set `epfd` with `err`, on this thread
// (and the threads it creates from now on).
bool RefuseEpollAdd(int epfd, int err) {
  scmp_filter_ctx ctx = AllowAll();
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), SCMP_SYS(epoll_ctl), 2,
                   SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(epfd)),
                   SCMP_A1(SCMP_CMP_EQ, EPOLL_CTL_ADD));
  const bool loaded = seccomp_load(ctx) == 0;
  seccomp_release(ctx);
  return loaded;
}

// A Start* of a child that exits with 3, made later (Run) on a thread
// made now: before a seccomp filter, so not under it (seccomp_load
// without TSYNC). Returns its pid (or minus the error code).
class LaterStart {
 public:
  LaterStart()
      : thread_([this] {
          go_.Wait();
          pid_ = StartEntry("libncp_reporter.so", "ExitWith3");
          done_.Notify();
        }) {}
  int32_t Run() {
    go_.Notify();
    done_.Wait();
    thread_.join();
    return pid_;
  }

 private:
  ncp::Notification go_;
  ncp::Notification done_;
  int32_t pid_ = 0;
  std::thread thread_;  // last: started once the rest is constructed
};

// A child whose exit the supervisor cannot watch (epoll_ctl refused: past
// fs.epoll.max_user_watches, say) is killed and reaped before the call
// returns NCP_ERR_INTERNAL: no zombie, and nobody hears of a pid the caller
// never got. The barrier: a later child's end, reported in order after
// whatever the first one would have been.
int StartWithWatchRefused() {
  g_exits.Register();
  const int32_t warm = StartEntry("libncp_reporter.so", "ReturnNormally");
  if (warm <= 0) return 20;
  g_exits.Of(warm);
  const int supervisor = EpollSetWatching("anon_inode:[timerfd]");
  if (supervisor < 0) return 21;
  LaterStart later_start;
  if (!RefuseEpollAdd(supervisor, ENOSPC)) return 22;
  const int32_t refused = StartEntry("libncp_reporter.so", "ExitWith3");
  const int zombies = ncp::testing::CountZombieChildren();
  const int32_t later = later_start.Run();
  if (refused != -NCP_ERR_INTERNAL) {
    fprintf(stderr, "Start gave %d\n", refused);
    return 23;
  }
  if (zombies != 0) return 24;
  if (later <= 0) return 25;
  NCP_ChildExitInfo end = g_exits.Of(later);
  if (end.kind != NCP_CHILD_EXITED || end.exit_code != 3) return 26;
  std::vector<int32_t> heard = g_exits.Pids();
  std::vector<int32_t> expected = {warm, later};
  std::sort(expected.begin(), expected.end());
  if (heard != expected) return 27;
  return 0;
}

TEST(FaultDeathTest, AChildNobodyCanWatchIsEndedAndUnreported) {
  EXPECT_EXIT(_exit(StartWithWatchRefused()), ::testing::ExitedWithCode(0), "");
}

// A Create* whose channel the IPC runtime cannot adopt (epoll_ctl refused)
// fails with NCP_ERR_INTERNAL after its child was launched: the child is
// killed, its callback never fires, and its end is nobody's news either.
int CreateWithAdoptRefused() {
  g_exits.Register();
  Started warm = Create(FixturePath("libncp_add_service.so"));
  if (warm.code != NCP_NO_ERROR) return 30;
  const int ipc = EpollSetWatching("socket:");
  if (ipc < 0) return 31;
  const int watched = ncp::spawner::Supervisor::Get().WatchedCount();
  LaterStart later_start;
  {
    std::lock_guard<std::mutex> lock(g_start_mu);
    g_started.reset();
  }
  if (!RefuseEpollAdd(ipc, ENOMEM)) return 32;
  const int rc = OH_Ability_CreateNativeChildProcess(
      FixturePath("libncp_add_service.so").c_str(), &OnStarted);
  // Its child is reaped by the supervisor, which then watches no more
  // children than before.
  const bool reaped = ncp::testing::Eventually([&] {
    return ncp::spawner::Supervisor::Get().WatchedCount() <= watched;
  });
  const int32_t later = later_start.Run();
  if (rc != NCP_ERR_INTERNAL) {
    fprintf(stderr, "Create gave %d\n", rc);
    return 33;
  }
  if (!reaped) return 34;
  if (later <= 0) return 35;
  NCP_ChildExitInfo end = g_exits.Of(later);
  if (end.kind != NCP_CHILD_EXITED || end.exit_code != 3) return 36;
  if (g_exits.Pids() != std::vector<int32_t>{later}) return 37;
  {
    std::lock_guard<std::mutex> lock(g_start_mu);
    if (g_started.has_value()) return 38;
  }
  if (ncp::testing::CountZombieChildren() != 0) return 39;
  OH_IPCRemoteProxy_Destroy(warm.proxy);
  return 0;
}

TEST(FaultDeathTest, ACreateWhoseChannelCannotBeAdoptedIsEndedAndUnreported) {
  EXPECT_EXIT(_exit(CreateWithAdoptRefused()), ::testing::ExitedWithCode(0),
              "");
}

// ------------------------------------------------ crashing children

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override { g_exits.Register(); }
  void TearDown() override { g_exits.Unregister(); }
};

TEST_F(CrashTest, LibraryConstructorCrash) {
  int32_t pid = StartEntry("libncp_crash_constructor.so", "Main");
  ASSERT_GT(pid, 0);
  NCP_ChildExitInfo end = g_exits.Of(pid);
  EXPECT_EQ(end.kind, NCP_CHILD_KILLED);
  EXPECT_EQ(end.signal, SIGSEGV);
  Started s = Create(FixturePath("libncp_crash_constructor.so"));
  EXPECT_EQ(s.code, NCP_ERR_INTERNAL);
  EXPECT_EQ(s.proxy, nullptr);
}

TEST_F(CrashTest, MainProcCrashAfterConnecting) {
  Started s = Create(FixturePath("libncp_crash_mainproc.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  ncp::Notification dead;
  OHIPCDeathRecipient* recipient = OH_IPCDeathRecipient_Create(
      +[](void* n) { static_cast<ncp::Notification*>(n)->Notify(); }, nullptr,
      &dead);
  int rc = OH_IPCRemoteProxy_AddDeathRecipient(s.proxy, recipient);
  // It may already be dead (MainProc crashes at once): then Add fails.
  if (rc == 0) {
    EXPECT_TRUE(dead.WaitFor(std::chrono::seconds(10)));
  } else {
    EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(s.proxy), 1);
  }
  EXPECT_EQ(Send(s.proxy, 1), OH_IPC_DEAD_REMOTE_OBJECT);
  OH_IPCRemoteProxy_RemoveDeathRecipient(s.proxy, recipient);
  OH_IPCDeathRecipient_Destroy(recipient);
  OH_IPCRemoteProxy_Destroy(s.proxy);
}

TEST_F(CrashTest, ChildExitsInTheMiddleOfATransaction) {
  Started s = Create(FixturePath("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  int32_t pid = PidOf(s.proxy);
  EXPECT_EQ(Send(s.proxy, 8), OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(s.proxy), 1);
  NCP_ChildExitInfo end = g_exits.Of(pid);
  EXPECT_EQ(end.kind, NCP_CHILD_EXITED);
  EXPECT_TRUE(end.ipc_flavour);
  OH_IPCRemoteProxy_Destroy(s.proxy);
}

// ------------------------------------------------ the app dies

// Starts the helper app in `mode` and returns (app pid, child pid).
std::pair<pid_t, pid_t> StartApp(const std::string& mode,
                                 const std::string& lib) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string helper = "testdata/ncp_parent_helper";
  char* argv[] = {helper.data(), const_cast<char*>(mode.c_str()),
                  const_cast<char*>(lib.c_str()), nullptr};
  pid_t app = -1;
  posix_spawn(&app, helper.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  char buf[128];
  while (text.find("ready\n") == std::string::npos) {
    ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int child = -1;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::SimpleAtoi(line, &child)) break;
  }
  return {app, child};
}

// Kills the app and measures how long its child outlives it.
void ExpectChildGoneWithApp(pid_t app, pid_t child) {
  ASSERT_GT(app, 0);
  ASSERT_GT(child, 0);
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(pidfd, 0) << "the child is already gone";
  struct pollfd pfd = {pidfd, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 0), 0) << "the child died before the app";
  absl::Time killed = absl::Now();
  ASSERT_EQ(kill(app, SIGKILL), 0);
  EXPECT_EQ(poll(&pfd, 1, 5000), 1) << "the child outlived its app";
  printf("child gone %.2f ms after its app was SIGKILLed\n",
         absl::ToDoubleMilliseconds(absl::Now() - killed));
  close(pidfd);
  waitpid(app, nullptr, 0);
}

TEST(AppDeathTest, DuringTheHandshake) {
  auto [app, child] =
      StartApp("--create-handshake", FixturePath("libncp_hang_connect.so"));
  ExpectChildGoneWithApp(app, child);
}

TEST(AppDeathTest, DuringATransaction) {
  auto [app, child] =
      StartApp("--create-transaction", FixturePath("libncp_add_service.so"));
  ExpectChildGoneWithApp(app, child);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  return RUN_ALL_TESTS();
}
