// ISOLATED mode, proven from inside the child by what the kernel shows.
//
// Runs six ways (see BUILD): as real root, as root of a container, and with
// --unprivileged, where main() copies the fixtures somewhere world-readable
// and drops to uid 65534 before any test runs (the rootless path: a user
// namespace owns the sandbox); each through the zygote (--launcher=zygote)
// and the direct path (--launcher=direct). LauncherTest checks, from /proc,
// that the children really came the way the run says.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/testing/child_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ncp/sandbox.h"
#include "ncp/trace.h"

namespace {

using ::ncp::testing::FdList;
using ::ncp::testing::FixturePath;
using ::ncp::testing::Pipe;
using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::UnorderedElementsAreArray;

// Exits seen by the exit callback (registered in main()).
std::mutex g_exit_mu;
std::condition_variable g_exit_cv;
std::map<int32_t, int32_t>* g_exits = new std::map<int32_t, int32_t>();

void OnExit(int32_t pid, int32_t signal) {
  std::lock_guard<std::mutex> lock(g_exit_mu);
  (*g_exits)[pid] = signal;
  g_exit_cv.notify_all();
}

// The exit callback's value for `pid`, once the library has reaped it.
int32_t ExitOf(int32_t pid) {
  std::unique_lock<std::mutex> lock(g_exit_mu);
  g_exit_cv.wait_for(lock, std::chrono::seconds(10),
                     [pid] { return g_exits->count(pid) > 0; });
  auto it = g_exits->find(pid);
  return it == g_exits->end() ? -1000 : it->second;
}

// Set up by main() before any thread exists.
std::string g_base;  // world-accessible scratch dir
std::string
    g_data_dir;  // NCP_DATA_DIR, with a marker file the child must not see
std::string g_home_marker;
std::string g_tmp_marker;
bool g_unprivileged = false;
std::string g_launcher = "zygote";  // --launcher=

using Report = std::map<std::string, std::string>;

Report Parse(const std::string& text) {
  Report r;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    r[kv.first] = kv.second;
  }
  return r;
}

int Int(const Report& r, const std::string& key) {
  auto it = r.find(key);
  int value = -999;
  if (it == r.end() || !absl::SimpleAtoi(it->second, &value)) return -999;
  return value;
}

struct StartResult {
  int code = -1;
  int32_t pid = -1;
  Report report;
};

// Starts `symbol` of `lib` ISOLATED with "out" (+ extra fds) and collects
// what it writes to "out" until it closes it (exits, or closes it itself).

bool CopyFile(const std::string& from, const std::string& to);

StartResult RunIsolated(const std::string& lib, const std::string& symbol,
                        const std::string& params, bool own_uid = false,
                        std::vector<std::pair<std::string, int>> extra = {}) {
  Pipe out;
  extra.emplace_back("out", out.write_fd());
  FdList fds(extra);
  NativeChildProcess_Args args = {};
  args.entryParams = const_cast<char*>(params.c_str());
  args.fdList = fds.list();
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  OH_Ability_ChildProcessConfigs_SetIsolationMode(configs,
                                                  NCP_ISOLATION_MODE_ISOLATED);
  OH_Ability_ChildProcessConfigs_SetIsolationUid(configs, own_uid);
  StartResult result;
  std::string entry = (lib[0] == '/' ? lib : FixturePath(lib)) + ":" + symbol;
  result.code = OH_Ability_StartNativeChildProcessWithConfigs(
      entry.c_str(), args, configs, &result.pid);
  OH_Ability_DestroyChildProcessConfigs(configs);
  if (result.code == NCP_NO_ERROR) {
    result.report = Parse(out.ReadAll());
    // Children that keep running close "out" themselves (ProbeAndSleep);
    // the others are waited for, so no test sees another's leftovers.
    if (symbol.find("Sleep") == std::string::npos) ExitOf(result.pid);
  }
  return result;
}

ino_t NsInode(const char* name) {
  struct stat st;
  std::string path = std::string("/proc/self/ns/") + name;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// A TCP listener on 127.0.0.1 and an abstract unix socket, both listening.
class Listeners {
 public:
  Listeners() {
    tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(tcp_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(tcp_, 4);
    socklen_t len = sizeof(addr);
    getsockname(tcp_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);

    abstract_name_ = absl::StrCat("ncp-isolation-test-", getpid());
    unix_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un un = {};
    un.sun_family = AF_UNIX;
    memcpy(un.sun_path + 1, abstract_name_.data(), abstract_name_.size());
    bind(unix_, reinterpret_cast<sockaddr*>(&un),
         static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 +
                                abstract_name_.size()));
    listen(unix_, 4);
  }
  ~Listeners() {
    close(tcp_);
    close(unix_);
  }
  std::string Params() const {
    return absl::StrCat("port=", port_, " abstract=", abstract_name_);
  }
  // Proves the listeners work from the parent's side.
  bool ReachableHere() const {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok =
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
  }

 private:
  int tcp_ = -1, unix_ = -1, port_ = 0;
  std::string abstract_name_;
};

std::string ProbeParams(const Listeners& listeners,
                        const std::string& write = "") {
  std::string params = absl::StrCat(
      listeners.Params(), " datadir=", g_data_dir, " home=", g_home_marker,
      " tmp=", g_tmp_marker, " parent=", getpid());
  if (!write.empty()) absl::StrAppend(&params, " write=", write);
  return params;
}

class IsolationTest : public ::testing::Test {
 protected:
  Listeners listeners_;
};

TEST_F(IsolationTest, NamespacesAreTheChildsOwn) {
  StartResult r =
      RunIsolated("libncp_probe.so", "Probe", ProbeParams(listeners_));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  ASSERT_EQ(r.report["end"], "1");
  for (const char* ns : {"mnt", "net", "pid", "ipc", "uts"}) {
    std::string key = absl::StrCat("ns_", ns);
    EXPECT_NE(r.report[key], "0") << ns;
    EXPECT_NE(r.report[key], std::to_string(NsInode(ns))) << ns;
  }
  if (geteuid() != 0) {
    EXPECT_NE(r.report["ns_user"], std::to_string(NsInode("user")));
  }
}

TEST_F(IsolationTest, OnlyLoopbackAndNoWayToTheParentsSockets) {
  ASSERT_TRUE(listeners_.ReachableHere());
  StartResult r =
      RunIsolated("libncp_probe.so", "Probe", ProbeParams(listeners_));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  EXPECT_EQ(r.report["interfaces"], "lo,");
  EXPECT_EQ(r.report["lo_up"], "1");
  EXPECT_EQ(Int(r.report, "tcp_connect"), ECONNREFUSED);
  EXPECT_EQ(Int(r.report, "abstract_connect"), ECONNREFUSED);
}

TEST_F(IsolationTest, FileSystemIsPrivateAndTheSystemReadOnly) {
  StartResult r = RunIsolated("libncp_probe.so", "Probe",
                              ProbeParams(listeners_, "from_child"));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  for (const char* key : {"write_usr", "write_etc", "write_root"}) {
    EXPECT_THAT(Int(r.report, key), AnyOf(Eq(EROFS), Eq(EACCES))) << key;
  }
  EXPECT_EQ(Int(r.report, "write_tmp"), 0);
  EXPECT_EQ(Int(r.report, "write_dev_shm"), 0);
  // Only what it just wrote (and the data dir's path, when it lies in /tmp).
  EXPECT_EQ(Int(r.report, "tmp_entries"),
            1 + (g_data_dir.rfind("/tmp/", 0) == 0 ? 1 : 0));
  EXPECT_EQ(Int(r.report, "home_marker"), ENOENT);
  EXPECT_EQ(Int(r.report, "tmp_marker"), ENOENT);
  // A fresh, writable data dir at the app data dir's path...
  EXPECT_EQ(Int(r.report, "datadir_entries"), 0);
  EXPECT_EQ(Int(r.report, "datadir_write"), 0);
  // ... whose contents never reach the parent's.
  EXPECT_NE(access((g_data_dir + "/from_child").c_str(), F_OK), 0);
  EXPECT_EQ(access((g_data_dir + "/marker").c_str(), F_OK), 0);
  EXPECT_NE(access("/tmp/ncp_probe_file", F_OK), 0);
  std::vector<std::string> dev =
      absl::StrSplit(r.report["dev"], ',', absl::SkipEmpty());
  EXPECT_THAT(dev, UnorderedElementsAreArray({"null", "zero", "full", "random",
                                              "urandom", "tty", "fd", "stdin",
                                              "stdout", "stderr", "shm"}));
  EXPECT_EQ(Int(r.report, "proc_pids"), 2);  // its init and itself
  EXPECT_EQ(Int(r.report, "sys"), ENOENT);
}

TEST_F(IsolationTest, NoCapabilitiesNoNewPrivsSeccompOn) {
  StartResult r =
      RunIsolated("libncp_probe.so", "Probe", ProbeParams(listeners_));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  EXPECT_EQ(r.report["CapEff"], "0000000000000000");
  EXPECT_EQ(r.report["CapPrm"], "0000000000000000");
  EXPECT_EQ(r.report["CapBnd"], "0000000000000000");
  EXPECT_EQ(r.report["NoNewPrivs"], "1");
  EXPECT_EQ(r.report["Seccomp"], "2");
  EXPECT_EQ(Int(r.report, "uid"), static_cast<int>(getuid()));
}

TEST_F(IsolationTest, DangerousSystemCallsAreRefused) {
  StartResult r =
      RunIsolated("libncp_probe.so", "Probe", ProbeParams(listeners_));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  for (const char* call :
       {"sys_mount", "sys_unshare", "sys_unshare_user", "sys_setns",
        "sys_ptrace", "sys_bpf", "sys_io_uring_setup", "sys_keyctl",
        "sys_perf_event_open", "sys_init_module", "sys_finit_module",
        "sys_delete_module"}) {
    EXPECT_EQ(Int(r.report, call), EPERM) << call;
  }
  EXPECT_EQ(Int(r.report, "sys_clone3"), ENOSYS);
  EXPECT_EQ(Int(r.report, "pthread_create"), 0);
  EXPECT_EQ(Int(r.report, "fork"), 0);
}

TEST_F(IsolationTest, ParentAndOtherProcessesAreOutOfReach) {
  StartResult r =
      RunIsolated("libncp_probe.so", "Probe", ProbeParams(listeners_));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  EXPECT_EQ(Int(r.report, "getpid"), 2);  // pid 1 is its init
  EXPECT_EQ(Int(r.report, "kill_parent"), ESRCH);
  EXPECT_THAT(Int(r.report, "read_proc1_environ"),
              AnyOf(Eq(EACCES), Eq(EPERM)));
}

TEST_F(IsolationTest, PassedFdsWork) {
  char path[] = "/tmp/ncp_isolated_fd_XXXXXX";
  int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  FdList fds({{"fd1", file}});
  NativeChildProcess_Args args = {};
  args.entryParams = const_cast<char*>("testEntryParams");
  args.fdList = fds.list();
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":Main";
  ASSERT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      NCP_NO_ERROR);
  ASSERT_EQ(ExitOf(pid), 0);
  char buf[8] = {};
  ASSERT_EQ(pread(file, buf, sizeof(buf), 0), 4);
  EXPECT_STREQ(buf, "SUCC");
  close(file);
}

TEST_F(IsolationTest, NullParamsAndNoFds) {
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      NCP_NO_ERROR);
  EXPECT_GT(pid, 0);
  EXPECT_EQ(ExitOf(pid), 0);
}

TEST_F(IsolationTest, OwnUidPerChildAndChildrenCannotReachEachOther) {
  StartResult a =
      RunIsolated("libncp_probe.so", "ProbeAndSleep", "", /*own_uid=*/true);
  StartResult b =
      RunIsolated("libncp_probe.so", "ProbeAndSleep", "", /*own_uid=*/true);
  ASSERT_EQ(a.code, NCP_NO_ERROR);
  ASSERT_EQ(b.code, NCP_NO_ERROR);
  int uid_a = Int(a.report, "uid"), uid_b = Int(b.report, "uid");
  EXPECT_NE(uid_a, static_cast<int>(getuid()));
  EXPECT_NE(Int(a.report, "gid"), static_cast<int>(getgid()));
  EXPECT_NE(uid_a, uid_b);
  for (int uid : {uid_a, uid_b}) {
    EXPECT_GE(uid, 110000);
    EXPECT_LE(uid, 119999);
  }
  // A third child sees neither of them.
  StartResult c =
      RunIsolated("libncp_probe.so", "Probe",
                  absl::StrCat(ProbeParams(listeners_), " sibling=", b.pid),
                  /*own_uid=*/true);
  ASSERT_EQ(c.code, NCP_NO_ERROR);
  EXPECT_EQ(Int(c.report, "kill_sibling"), ESRCH);
  EXPECT_TRUE(ncp::testing::ProcessAlive(b.pid));
  EXPECT_EQ(OH_Ability_KillChildProcess(a.pid), NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_KillChildProcess(b.pid), NCP_NO_ERROR);
}

TEST_F(IsolationTest, EveryEscapeAttemptIsRefused) {
  std::string host_file = g_base + "/escaped_file";
  StartResult r =
      RunIsolated("libncp_escape.so", "Escape",
                  absl::StrCat(listeners_.Params(), " parent=", getpid(),
                               " hostfile=", host_file));
  ASSERT_EQ(r.code, NCP_NO_ERROR);
  ASSERT_EQ(r.report["end"], "1");
  r.report.erase("end");
  // Writing to a host path "works" inside the sandbox's private tmpfs (the
  // path's directories exist there): it must not reach the host.
  r.report.erase("contained_write_host_path");
  EXPECT_NE(access(host_file.c_str(), F_OK), 0);
  EXPECT_GE(r.report.size(), 30u);
  for (const auto& [attempt, err] : r.report) {
    EXPECT_NE(err, "0") << attempt << " succeeded";
  }
}

// Network namespaces the kernel shows (through /proc) for this process and
// its descendants. (Other tests may run beside this one, so the whole
// system's count is not a stable baseline.)
// Network namespaces of this process's descendants, but for those of the
// zygote's spares (a bounded pool, see zygote_protocol.h).
int CountNetNamespaces() {
  std::map<pid_t, pid_t> parent_of;
  std::set<pid_t> spares;
  DIR* dir = opendir("/proc");
  while (struct dirent* ent = readdir(dir)) {
    if (ent->d_name[0] < '0' || ent->d_name[0] > '9') continue;
    std::ifstream stat(absl::StrCat("/proc/", ent->d_name, "/stat"));
    std::string line;
    if (!std::getline(stat, line)) continue;
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    parent_of[atoi(ent->d_name)] = ppid;
    if (ncp::testing::IsZygotePool(atoi(ent->d_name))) {
      spares.insert(atoi(ent->d_name));
    }
  }
  closedir(dir);
  std::set<ino_t> seen;
  const pid_t self = getpid();
  for (const auto& [pid, ppid] : parent_of) {
    if (spares.count(pid) != 0) continue;  // the zygote's, not a leak
    pid_t p = pid;
    for (int depth = 0; depth < 64 && p > 1 && p != self; ++depth)
      p = parent_of[p];
    if (p != self) continue;
    struct stat st;
    if (stat(absl::StrCat("/proc/", pid, "/ns/net").c_str(), &st) == 0) {
      seen.insert(st.st_ino);
    }
  }
  return static_cast<int>(seen.size());
}

std::string ReadMountinfo() {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(IsolationTest, ChildrenComeTheWayThisRunSays) {
  setenv("NCP_TRACE_STAGES", "1", 1);
  StartResult child = RunIsolated("libncp_probe.so", "ProbeAndSleep", "");
  unsetenv("NCP_TRACE_STAGES");
  ASSERT_EQ(child.code, NCP_NO_ERROR);
  NCP_SpawnStages stages;
  ASSERT_EQ(ncp_GetSpawnStages(child.pid, &stages), NCP_NO_ERROR);
  const pid_t zygote = stages.zygote_pid;
  std::string zygote_stack = zygote > 0 ? ncp::testing::StackRange(zygote) : "";
  EXPECT_EQ(OH_Ability_KillChildProcess(child.pid), NCP_NO_ERROR);
  EXPECT_EQ(ExitOf(child.pid), SIGKILL);
  // Where the child's (the entry's) stack is, as its /proc shows it.
  const std::string child_stack = child.report["stack"];
  ASSERT_NE(child_stack, "");
  if (g_launcher == "direct") {
    EXPECT_EQ(stages.via_zygote, 0);
    EXPECT_THAT(ncp::testing::ZygotesOf(getpid()), ::testing::IsEmpty());
  } else {
    // Forked by the zygote (on request or in advance), the app's child;
    // not exec'd (an exec would have randomised the stack's place).
    EXPECT_GE(stages.via_zygote, 1);
    ASSERT_GT(zygote, 0);
    EXPECT_EQ(ncp::testing::ReadComm(zygote), "ncp-zygote");
    EXPECT_EQ(child_stack, zygote_stack);
  }
}

// The app sees the child as the pid its Start call returns: for ISOLATED
// that is the namespace's init, which takes the child's name from the child
// (HandToInit). Through the zygote the name must be there when the call
// returns, not a moment later: checked at once, over enough spawns to use
// fresh and pooled spares.
TEST_F(IsolationTest, TheChildsNameIsThereWhenStartReturns) {
  const std::string entry = FixturePath("libncp_probe.so") + ":ProbeAndSleep";
  for (int i = 0; i < 20; ++i) {
    Pipe out;
    FdList fds({{"out", out.write_fd()}});
    NativeChildProcess_Args args = {};
    args.fdList = fds.list();
    Ability_ChildProcessConfigs* configs =
        OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(
        configs, NCP_ISOLATION_MODE_ISOLATED);
    const std::string name = absl::StrCat("named_", i);
    ASSERT_EQ(
        OH_Ability_ChildProcessConfigs_SetProcessName(configs, name.c_str()),
        NCP_NO_ERROR);
    int32_t pid = -1;
    ASSERT_EQ(OH_Ability_StartNativeChildProcessWithConfigs(entry.c_str(), args,
                                                            configs, &pid),
              NCP_NO_ERROR);
    OH_Ability_DestroyChildProcessConfigs(configs);
    // The direct path returns once the exec is under way: the trampoline
    // names the init as it starts (its comm is the memfd's until then).
    // Through the zygote, the name is there first.
    if (g_launcher == "direct") out.ReadAll();
    const std::string cmdline = ncp::testing::ReadCmdline(pid);
    const std::string comm = ncp::testing::ReadComm(pid);
    EXPECT_THAT(cmdline, ::testing::EndsWith(":" + name + std::string(1, '\0')))
        << "spawn " << i;
    EXPECT_EQ(comm, cmdline.substr(0, 15)) << "spawn " << i;
    EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR);
    EXPECT_EQ(ExitOf(pid), SIGKILL);
  }
}

// The scheduling policy of `pid` (field 41 of /proc/<pid>/stat), or -1.
int PolicyOf(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return -1;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> fields =
      absl::StrSplit(line.substr(close + 2), ' ');  // from field 3
  int policy = -1;
  if (fields.size() < 39 || !absl::SimpleAtoi(fields[38], &policy)) return -1;
  return policy;
}

// The init waits for its child's start as SCHED_BATCH (its wake-up then
// preempts nobody) and goes back to the app's SCHED_OTHER after; the child
// never leaves it.
TEST_F(IsolationTest, TheInitAndTheChildKeepTheAppsSchedulingPolicy) {
  ASSERT_EQ(sched_getscheduler(0), SCHED_OTHER);
  for (int i = 0; i < 4; ++i) {  // the first one or two without a spare
    StartResult child = RunIsolated("libncp_probe.so", "ProbeAndSleep", "");
    ASSERT_EQ(child.code, NCP_NO_ERROR);
    ASSERT_EQ(child.report["end"], "1");
    int policy = -1;
    for (int n = 0; n < 10000 && policy != SCHED_OTHER; ++n) {
      policy = PolicyOf(child.pid);  // the init (the app's view of the child)
      if (policy != SCHED_OTHER) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, nullptr);  // it restores once it runs again
      }
    }
    EXPECT_EQ(policy, SCHED_OTHER) << "spawn " << i;
    EXPECT_EQ(child.report["policy"], std::to_string(SCHED_OTHER));
    EXPECT_EQ(OH_Ability_KillChildProcess(child.pid), NCP_NO_ERROR);
    EXPECT_EQ(ExitOf(child.pid), SIGKILL);
  }
}

TEST_F(IsolationTest, ThousandIsolatedSpawnsLeaveNothingBehind) {
  const std::string entry =
      FixturePath("libncp_reporter.so") + ":ReturnNormally";
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  ASSERT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      0);
  ASSERT_EQ(ExitOf(pid), 0);  // reaped and forgotten, not just exited
  const std::string mountinfo = ReadMountinfo();
  // Less the handed spares' sockets, which follow the pool.
  const int fds =
      ncp::testing::CountOpenFds() - ncp::testing::CountHandedSpareSockets();
  const int netns = CountNetNamespaces();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(
        OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
        0)
        << i;
    ASSERT_EQ(ExitOf(pid), 0) << i;
  }
  EXPECT_EQ(ReadMountinfo(), mountinfo);
  EXPECT_EQ(
      ncp::testing::CountOpenFds() - ncp::testing::CountHandedSpareSockets(),
      fds);
  EXPECT_LE(ncp::testing::CountHandedSpareSockets(),
            ncp::testing::kMaxHandedSpareSockets);
  EXPECT_EQ(CountNetNamespaces(), netns);
  EXPECT_EQ(ncp::testing::CountZombieChildren(), 0);
}

TEST_F(IsolationTest, ExitStatusesComeThroughTheInit) {
  struct Case {
    const char* lib;
    const char* symbol;
    int32_t expected;
  } cases[] = {{"libncp_crasher.so", "Segfault", SIGSEGV},
               {"libncp_crasher.so", "Abort", SIGABRT},
               {"libncp_reporter.so", "ExitWith3", 3},
               {"libncp_reporter.so", "ReturnNormally", 0}};
  for (const Case& c : cases) {
    NativeChildProcess_Args args = {};
    NativeChildProcess_Options options = {};
    options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
    int32_t pid = -1;
    std::string entry = FixturePath(c.lib) + ":" + c.symbol;
    ASSERT_EQ(
        OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
        0);
    EXPECT_EQ(ExitOf(pid), c.expected) << c.symbol;
  }
  // Kill: the init dies by SIGKILL, and its namespace with it.
  StartResult sleeper = RunIsolated("libncp_probe.so", "ProbeAndSleep", "");
  ASSERT_EQ(sleeper.code, NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_KillChildProcess(sleeper.pid), NCP_NO_ERROR);
  EXPECT_EQ(ExitOf(sleeper.pid), SIGKILL);
}

// Runs `body` in a forked copy of this process; returns its exit code.
int InFork(int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

int StartBoth() {
  // stderr into a pipe, to check the message.
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return 30;
  dup2(err[1], 2);
  close(err[1]);
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  int isolated =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  options.isolationMode = NCP_ISOLATION_MODE_NORMAL;
  int normal =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  close(2);
  char buf[512] = {};
  ssize_t n = read(err[0], buf, sizeof(buf) - 1);
  bool said_why =
      n > 0 && strstr(buf, "ISOLATED mode is not available") != nullptr;
  if (isolated != NCP_ERR_NOT_SUPPORTED) return 31;
  if (normal != NCP_NO_ERROR) return 32;
  if (!said_why) return 33;
  return 0;
}

TEST(IsolationRefusedTest, NamespacesRefusedGive801AndNormalStillWorks) {
  EXPECT_EQ(
      InFork(+[] {
        // The kernel (simulated by seccomp) refuses new namespaces.
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        for (uint64_t flag :
             {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID}) {
          seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
        }
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
        if (seccomp_load(ctx) != 0) return 20;
        return StartBoth();
      }),
      0);
}

int InvalidConfig() {
  setenv("NCP_SANDBOX_RO", "relative/path", 1);
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return 30;
  dup2(err[1], 2);
  close(err[1]);
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  close(2);
  char buf[512] = {};
  ssize_t n = read(err[0], buf, sizeof(buf) - 1);
  if (code != NCP_ERR_INVALID_PARAM) return 31;
  if (pid != -1) return 32;
  if (n <= 0 || strstr(buf, "relative/path") == nullptr) return 33;
  return 0;
}

TEST(IsolationConfigTest, InvalidBindPathIs401WithAMessageAndNoChild) {
  EXPECT_EQ(InFork(&InvalidConfig), 0);
}

int ReadOnlyAndWritableBinds() {
  // A forked process has a runtime (and exit callbacks) of its own.
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  std::string ro = g_base + "/ro_dir", rw = g_base + "/rw_dir";
  setenv("NCP_SANDBOX_RO", ro.c_str(), 1);
  setenv("NCP_SANDBOX_RW", rw.c_str(), 1);
  // The reporter's Main writes "SUCC" through fd1; here fd1 is opened by
  // the parent, so use the probe's datadir check on the bind paths instead.
  Listeners listeners;
  StartResult r = RunIsolated(
      "libncp_probe.so", "Probe",
      absl::StrCat("datadir=", rw, " write=written home=", ro, "/file"));
  if (r.code != 0) return 40;
  if (Int(r.report, "home_marker") != 0) return 41;    // ro file visible
  if (Int(r.report, "datadir_write") != 0) return 42;  // rw dir writable
  if (access((rw + "/written").c_str(), F_OK) != 0) return 43;  // and shared
  return 0;
}

TEST(IsolationConfigTest, ExtraReadOnlyAndWritableBinds) {
  ASSERT_EQ(mkdir((g_base + "/ro_dir").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((g_base + "/rw_dir").c_str(), 0777), 0);
  std::ofstream(g_base + "/ro_dir/file") << "x";
  EXPECT_EQ(InFork(&ReadOnlyAndWritableBinds), 0);
}

// Sandbox plans are reused for the same canonical inputs (isolation.h); a
// sandbox path is made canonical on every spawn, so a symlink that now
// points elsewhere gives the child the new target, not the old one.
int RetargetedSandboxPath() {
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  const std::string a = g_base + "/retarget_a", b = g_base + "/retarget_b",
                    link = g_base + "/retarget_link";
  setenv("NCP_SANDBOX_RO", link.c_str(), 1);
  StartResult first = RunIsolated("libncp_probe.so", "Probe",
                                  absl::StrCat("home=", a, "/a tmp=", b, "/b"));
  if (first.code != 0) return 50;
  if (Int(first.report, "home_marker") != 0) return 51;  // a's file: seen
  if (Int(first.report, "tmp_marker") == 0) return 52;   // b's: not
  if (unlink(link.c_str()) != 0 || symlink(b.c_str(), link.c_str()) != 0) {
    return 53;
  }
  StartResult second = RunIsolated(
      "libncp_probe.so", "Probe", absl::StrCat("home=", b, "/b tmp=", a, "/a"));
  if (second.code != 0) return 54;
  if (Int(second.report, "home_marker") != 0) return 55;  // now b's
  if (Int(second.report, "tmp_marker") == 0) return 56;   // and not a's
  return 0;
}

TEST(IsolationConfigTest, ASandboxPathIsResolvedAgainOnEverySpawn) {
  const std::string a = g_base + "/retarget_a", b = g_base + "/retarget_b";
  ASSERT_EQ(mkdir(a.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(b.c_str(), 0755), 0);
  std::ofstream(a + "/a") << "x";
  std::ofstream(b + "/b") << "x";
  ASSERT_EQ(symlink(a.c_str(), (g_base + "/retarget_link").c_str()), 0);
  EXPECT_EQ(InFork(&RetargetedSandboxPath), 0);
}

// The library's directory is bound as the library's path resolves at each
// spawn (the resolution that names what the child loads, not a second
// lookup): through a symlink retargeted between two spawns, the second
// child loads the new target's copy (the first target's is gone).
int RetargetedLibraryPath() {
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  const std::string link = g_base + "/lib_link";
  StartResult first = RunIsolated(link + "/libncp_probe.so", "Probe", "");
  if (first.code != 0) return 60;
  if (Int(first.report, "end") != 1) return 61;  // loaded and ran
  if (unlink((g_base + "/lib_a/libncp_probe.so").c_str()) != 0 ||
      unlink(link.c_str()) != 0 ||
      symlink((g_base + "/lib_b").c_str(), link.c_str()) != 0) {
    return 62;
  }
  StartResult second = RunIsolated(link + "/libncp_probe.so", "Probe", "");
  if (second.code != 0) return 63;
  if (Int(second.report, "end") != 1) return 64;
  return 0;
}

TEST(IsolationConfigTest, ALibraryPathIsResolvedAgainOnEverySpawn) {
  for (const char* dir : {"/lib_a", "/lib_b"}) {
    ASSERT_EQ(mkdir((g_base + dir).c_str(), 0755), 0);
    ASSERT_TRUE(CopyFile(FixturePath("libncp_probe.so"),
                         g_base + dir + "/libncp_probe.so"));
  }
  ASSERT_EQ(
      symlink((g_base + "/lib_a").c_str(), (g_base + "/lib_link").c_str()), 0);
  EXPECT_EQ(InFork(&RetargetedLibraryPath), 0);
}

TEST(IsolationConfigTest, PerChildSandboxPathsAndDataDir) {
  const std::string ro = g_base + "/cfg_ro", rw = g_base + "/cfg_rw",
                    data = g_base + "/cfg_data";
  ASSERT_EQ(mkdir(ro.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(rw.c_str(), 0777), 0);
  ASSERT_EQ(mkdir(data.c_str(), 0777), 0);
  std::ofstream(ro + "/file") << "x";
  std::ofstream(data + "/marker") << "x";
  auto run = [&](const std::string& datadir_param) {
    Pipe out;
    FdList fds({{"out", out.write_fd()}});
    NativeChildProcess_Args args = {};
    std::string params = absl::StrCat("datadir=", datadir_param,
                                      " write=from_child home=", ro, "/file");
    args.entryParams = params.data();
    args.fdList = fds.list();
    Ability_ChildProcessConfigs* configs =
        OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(
        configs, NCP_ISOLATION_MODE_ISOLATED);
    EXPECT_EQ(
        ncp_ChildProcessConfigs_AddSandboxPath(configs, ro.c_str(), false), 0);
    EXPECT_EQ(ncp_ChildProcessConfigs_AddSandboxPath(configs, rw.c_str(), true),
              0);
    EXPECT_EQ(ncp_ChildProcessConfigs_SetDataDir(configs, data.c_str()), 0);
    int32_t pid = -1;
    std::string entry = FixturePath("libncp_probe.so") + ":Probe";
    EXPECT_EQ(OH_Ability_StartNativeChildProcessWithConfigs(entry.c_str(), args,
                                                            configs, &pid),
              NCP_NO_ERROR);
    OH_Ability_DestroyChildProcessConfigs(configs);
    Report r = Parse(out.ReadAll());
    ExitOf(pid);
    return r;
  };
  // The data dir: fresh at the configured path; writes stay in the sandbox.
  Report r = run(data);
  EXPECT_EQ(Int(r, "home_marker"), 0);  // the read-only path is visible
  EXPECT_EQ(Int(r, "datadir_entries"), 0);
  EXPECT_EQ(Int(r, "datadir_write"), 0);
  EXPECT_NE(access((data + "/from_child").c_str(), F_OK), 0);
  // The writable path: shared with the app.
  r = run(rw);
  EXPECT_EQ(Int(r, "datadir_write"), 0);
  EXPECT_EQ(access((rw + "/from_child").c_str(), F_OK), 0);
}

TEST(IsolationConfigTest, InvalidPerChildPathsAre401) {
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  for (const char* path :
       {"relative/path", "/does/not/exist", "/", "/usr/../etc"}) {
    EXPECT_EQ(ncp_ChildProcessConfigs_AddSandboxPath(configs, path, false),
              NCP_ERR_INVALID_PARAM)
        << path;
  }
  EXPECT_EQ(ncp_ChildProcessConfigs_AddSandboxPath(configs, "/usr", true),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(ncp_ChildProcessConfigs_AddSandboxPath(configs, nullptr, false),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(ncp_ChildProcessConfigs_AddSandboxPath(nullptr, "/usr", false),
            NCP_ERR_INVALID_PARAM);
  for (const char* dir : {"relative", "/etc/app", "/", "/a/./b"}) {
    EXPECT_EQ(ncp_ChildProcessConfigs_SetDataDir(configs, dir),
              NCP_ERR_INVALID_PARAM)
        << dir;
  }
  EXPECT_EQ(ncp_ChildProcessConfigs_SetDataDir(configs, "/srv/not/yet/there"),
            0);
  OH_Ability_DestroyChildProcessConfigs(configs);
}

// Create* children in the sandbox: IPC and fds in parcels work.
std::mutex g_started_mu;
std::condition_variable g_started_cv;
OHIPCRemoteProxy* g_started_proxy = nullptr;
int g_started_code = -1;

TEST(IsolationCreateTest, IpcAndFdsInParcelsWork) {
  g_started_code = -1;
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  OH_Ability_ChildProcessConfigs_SetIsolationMode(configs,
                                                  NCP_ISOLATION_MODE_ISOLATED);
  ASSERT_EQ(OH_Ability_CreateNativeChildProcessWithConfigs(
                FixturePath("libncp_add_service.so").c_str(), configs,
                +[](int code, OHIPCRemoteProxy* proxy) {
                  std::lock_guard<std::mutex> lock(g_started_mu);
                  g_started_code = code;
                  g_started_proxy = proxy;
                  g_started_cv.notify_all();
                }),
            NCP_NO_ERROR);
  OH_Ability_DestroyChildProcessConfigs(configs);
  {
    std::unique_lock<std::mutex> lock(g_started_mu);
    ASSERT_TRUE(g_started_cv.wait_for(lock, std::chrono::seconds(10),
                                      [] { return g_started_code != -1; }));
  }
  ASSERT_EQ(g_started_code, NCP_NO_ERROR);
  std::string path = g_base + "/parcel_fd_file";
  int file = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  ASSERT_GE(file, 0);
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data, file), 0);
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ASSERT_EQ(
      OH_IPCRemoteProxy_SendRequest(g_started_proxy, 6, data, reply, &sync), 0);
  char buf[8] = {};
  EXPECT_EQ(pread(file, buf, sizeof(buf), 0), 5);
  EXPECT_STREQ(buf, "CHILD");
  close(file);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  data = OH_IPCParcel_Create();
  reply = OH_IPCParcel_Create();
  OH_IPCParcel_WriteInt32(data, 123);
  OH_IPCParcel_WriteInt32(data, 456);
  ASSERT_EQ(
      OH_IPCRemoteProxy_SendRequest(g_started_proxy, 1, data, reply, &sync), 0);
  int32_t sum = 0;
  OH_IPCParcel_ReadInt32(reply, &sum);
  EXPECT_EQ(sum, 579);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  data = OH_IPCParcel_Create();
  reply = OH_IPCParcel_Create();
  EXPECT_EQ(
      OH_IPCRemoteProxy_SendRequest(g_started_proxy, 2, data, reply, &sync), 0);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(g_started_proxy);
}

// --------------------------------------------------------------- main

bool CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary);
  out << in.rdbuf();
  return in.good() && out.good() && chmod(to.c_str(), 0755) == 0;
}

void MakeWorld() {
  char base[] = "/tmp/ncp-isolation-XXXXXX";
  if (mkdtemp(base) == nullptr) abort();
  g_base = base;
  chmod(base, 0777);
  std::string fixtures = g_base + "/fixtures";
  mkdir(fixtures.c_str(), 0755);
  for (const char* lib :
       {"libncp_probe.so", "libncp_escape.so", "libncp_reporter.so",
        "libncp_crasher.so", "libncp_add_service.so"}) {
    if (!CopyFile(FixturePath(lib), fixtures + "/" + lib)) abort();
  }
  setenv("NCP_TEST_FIXTURE_DIR", fixtures.c_str(), 1);
  g_data_dir = g_base + "/data";
  mkdir(g_data_dir.c_str(), 0777);
  std::ofstream(g_data_dir + "/marker") << "parent's data";
  setenv("NCP_DATA_DIR", g_data_dir.c_str(), 1);
  std::string home = g_base + "/home";
  mkdir(home.c_str(), 0777);
  g_home_marker = home + "/marker";
  std::ofstream(g_home_marker) << "parent's home";
  setenv("HOME", home.c_str(), 1);
  g_tmp_marker = g_base + "/tmp_marker";
  std::ofstream(g_tmp_marker) << "parent's tmp";
  setenv("TEST_TMPDIR", g_base.c_str(), 1);
}

void DropPrivileges() {
  // Open what the library keeps open (trampoline, libipc_capi.so) while
  // the build tree is still readable: one NORMAL child.
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  if (OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid) !=
          0 ||
      ExitOf(pid) != 0) {
    fprintf(stderr, "warm-up child failed\n");
    _exit(2);
  }
  // glibc changes the ids of every thread (the library's too).
  if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
      setresuid(65534, 65534, 65534) != 0) {
    perror("dropping to uid 65534");
    _exit(2);
  }
  prctl(PR_SET_DUMPABLE, 1);  // our own /proc/self, readable again
  unsetenv("TEST_PREMATURE_EXIT_FILE");
}

void RemoveTree(const std::string& dir) {
  std::string command = "rm -rf '" + dir + "'";
  if (system(command.c_str()) != 0)
    fprintf(stderr, "cannot remove %s\n", dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--unprivileged") g_unprivileged = true;
    if (arg.rfind("--launcher=", 0) == 0) g_launcher = arg.substr(11);
  }
  if (g_launcher != "zygote" && g_launcher != "direct") {
    fprintf(stderr, "--launcher=zygote|direct, not %s\n", g_launcher.c_str());
    return 2;
  }
  setenv("NCP_ZYGOTE", g_launcher == "direct" ? "0" : "1", 1);
  {}
  MakeWorld();
  // The unprivileged run cannot write Bazel's XML file (owned by root);
  // Bazel then derives the result from the exit status.
  // (gtest read $GTEST_OUTPUT at static initialisation.)
  if (g_unprivileged) GTEST_FLAG_SET(output, "");
  ::testing::InitGoogleMock(&argc, argv);
  pid_t worker = g_unprivileged ? fork() : 0;
  if (worker == 0) {
    OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
    if (g_unprivileged) DropPrivileges();
    int result = RUN_ALL_TESTS();
    if (g_unprivileged) _exit(result);
    RemoveTree(g_base);
    return result;
  }
  // The root parent of the unprivileged run: wait, clean up, report.
  int status = 0;
  waitpid(worker, &status, 0);
  RemoveTree(g_base);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
