// ncp/trace.h: every stage of a traced spawn is stamped, in order, for
// Start (NORMAL and ISOLATED) and Create; the child never sees the trace
// page; untraced spawns have no stages. Runs through the zygote and
// (_direct) without it.
#include "ncp/trace.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "api/testing/child_test_util.h"
#include "gtest/gtest.h"

namespace {

using ::ncp::testing::FixturePath;

std::mutex g_mu;
std::condition_variable g_cv;
std::map<int32_t, int32_t> g_exits;
OHIPCRemoteProxy* g_proxy = nullptr;
int g_started = 0;

void OnExit(int32_t pid, int32_t signal) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_exits[pid] = signal;
  g_cv.notify_all();
}

bool WaitExit(int32_t pid) {
  std::unique_lock<std::mutex> lock(g_mu);
  return g_cv.wait_for(lock, std::chrono::seconds(10),
                       [pid] { return g_exits.count(pid) != 0; });
}

bool ZygoteOn() {
  const char* value = getenv("NCP_ZYGOTE");
  return value == nullptr || strcmp(value, "0") != 0;
}

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("NCP_TRACE_STAGES", "1", 1); }
  void TearDown() override { unsetenv("NCP_TRACE_STAGES"); }
};

// Stages that must be reached, in this order (RETURNED is the parent's and
// runs concurrently with the child's later stages).
void ExpectInOrder(const NCP_SpawnStages& s,
                   const std::vector<NCP_SpawnStage>& order) {
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_GT(s.ns[order[i]], 0) << ncp_SpawnStageName(order[i]);
    if (i > 0) {
      EXPECT_LE(s.ns[order[i - 1]], s.ns[order[i]])
          << ncp_SpawnStageName(order[i - 1]) << " then "
          << ncp_SpawnStageName(order[i]);
    }
  }
}

// From the reporter's lines "fds out=N" and "open A B C".
std::string LineAfter(const std::string& report, const std::string& prefix) {
  size_t at = report.find("\n" + prefix);
  if (at == std::string::npos) return "";
  at += 1 + prefix.size();
  return report.substr(at, report.find('\n', at) - at);
}
std::string OutFdOf(const std::string& report) {
  return LineAfter(report, "fds out=");
}
std::string OpenFdsOf(const std::string& report) {
  return LineAfter(report, "open ");
}

int32_t StartReporter(NativeChildProcess_IsolationMode mode, int out_fd) {
  ::ncp::testing::FdList fds({{"out", out_fd}});
  NativeChildProcess_Args args = {const_cast<char*>(""), fds.list()};
  NativeChildProcess_Options options = {};
  options.isolationMode = mode;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":Report";
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      NCP_NO_ERROR);
  return pid;
}

// Runs the reporter to its end: what it reported and its stages.
void RunReporter(NativeChildProcess_IsolationMode mode, std::string* report,
                 NCP_SpawnStages* stages) {
  ::ncp::testing::Pipe out;
  int32_t pid = StartReporter(mode, out.write_fd());
  ASSERT_GT(pid, 0);
  out.CloseWriteEnd();
  *report = out.ReadAll();
  ASSERT_TRUE(WaitExit(pid));
  ASSERT_EQ(ncp_GetSpawnStages(pid, stages), NCP_NO_ERROR);
}

TEST_F(TraceTest, StartNormalReachesEveryStageInOrder) {
  std::string report;
  NCP_SpawnStages s;
  ASSERT_NO_FATAL_FAILURE(RunReporter(NCP_ISOLATION_MODE_NORMAL, &report, &s));
  ExpectInOrder(s, {NCP_STAGE_CALLED, NCP_STAGE_LAUNCHING, NCP_STAGE_CLONED,
                    NCP_STAGE_SANDBOXED, NCP_STAGE_RUNNING, NCP_STAGE_LOADED,
                    NCP_STAGE_ENTRY});
  ExpectInOrder(s, {NCP_STAGE_SANDBOXED, NCP_STAGE_RETURNED});
  EXPECT_EQ(s.ns[NCP_STAGE_MOUNTED], 0);
  EXPECT_EQ(s.ns[NCP_STAGE_CONNECTED], 0);
  EXPECT_EQ(s.ns[NCP_STAGE_PROXY], 0);
  EXPECT_EQ(s.via_zygote != 0, ZygoteOn());
  // The entry saw stdio and "out" only: the trace page was closed.
  EXPECT_EQ(OpenFdsOf(report), "0 1 2 " + OutFdOf(report)) << report;
}

TEST_F(TraceTest, StartIsolatedAlsoStampsTheMounts) {
  std::string report;
  NCP_SpawnStages s;
  ASSERT_NO_FATAL_FAILURE(
      RunReporter(NCP_ISOLATION_MODE_ISOLATED, &report, &s));
  ExpectInOrder(s, {NCP_STAGE_CALLED, NCP_STAGE_LAUNCHING, NCP_STAGE_CLONED,
                    NCP_STAGE_MOUNTED, NCP_STAGE_SANDBOXED, NCP_STAGE_RUNNING,
                    NCP_STAGE_LOADED, NCP_STAGE_ENTRY});
  EXPECT_EQ(s.via_zygote != 0, ZygoteOn());
  // (fd 100: the sandbox's seccomp report channel, see child_main.cc.)
  EXPECT_EQ(OpenFdsOf(report), "0 1 2 " + OutFdOf(report) + " 100") << report;
}

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_proxy = code == 0 ? proxy : nullptr;
  g_started = code == 0 ? 1 : -1;
  g_cv.notify_all();
}

TEST_F(TraceTest, CreateStampsConnectedAndProxy) {
  std::string lib = FixturePath("libncp_add_service.so");
  ASSERT_EQ(OH_Ability_CreateNativeChildProcess(lib.c_str(), &OnStarted),
            NCP_NO_ERROR);
  OHIPCRemoteProxy* proxy;
  {
    std::unique_lock<std::mutex> lock(g_mu);
    ASSERT_TRUE(g_cv.wait_for(lock, std::chrono::seconds(10),
                              [] { return g_started != 0; }));
    ASSERT_EQ(g_started, 1);
    proxy = g_proxy;
  }
  // The child's pid, from its side of the conversation: request 5 of the
  // Add service answers getpid().
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync), 0);
  int32_t pid = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply, &pid), 0);
  NCP_SpawnStages s;
  ASSERT_EQ(ncp_GetSpawnStages(pid, &s), NCP_NO_ERROR);
  ExpectInOrder(s, {NCP_STAGE_CALLED, NCP_STAGE_LAUNCHING, NCP_STAGE_CLONED,
                    NCP_STAGE_SANDBOXED, NCP_STAGE_RUNNING, NCP_STAGE_LOADED,
                    NCP_STAGE_CONNECTED, NCP_STAGE_PROXY});
  EXPECT_EQ(s.ns[NCP_STAGE_ENTRY], 0);
  // Request 2 ends MainProc.
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 2, data, reply, &sync), 0);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(proxy);
  // (The exit callback reports Start* children only.)
  EXPECT_TRUE(::ncp::testing::WaitForExit(pid));
}

TEST(TraceOffTest, UntracedSpawnsHaveNoStagesAndBadArgumentsAreRefused) {
  unsetenv("NCP_TRACE_STAGES");
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  ASSERT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      NCP_NO_ERROR);
  ASSERT_TRUE(WaitExit(pid));
  NCP_SpawnStages s;
  EXPECT_EQ(ncp_GetSpawnStages(pid, &s), NCP_ERR_INVALID_PID);
  EXPECT_EQ(ncp_GetSpawnStages(pid, nullptr), NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(ncp_GetSpawnStages(-1, &s), NCP_ERR_INVALID_PID);
  EXPECT_STREQ(ncp_SpawnStageName(NCP_STAGE_LOADED), "loaded");
  EXPECT_STREQ(ncp_SpawnStageName(static_cast<NCP_SpawnStage>(99)), "unknown");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  return RUN_ALL_TESTS();
}
