// The ncp extension (ncp/child_exit.h): every child's end, typed.
#include "ncp/child_exit.h"

#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "api/testing/child_exits.h"
#include "api/testing/child_test_util.h"
#include "gtest/gtest.h"
#include "ncp/trace.h"

namespace {

using ::ncp::testing::FixturePath;

// Every child end, by pid (never destroyed: see ChildExits).
ncp::testing::ChildExits& g_exits = *new ncp::testing::ChildExits;

int32_t Start(const std::string& lib, const std::string& symbol,
              bool isolated) {
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode =
      isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL;
  int32_t pid = -1;
  std::string entry = FixturePath(lib) + ":" + symbol;
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      0);
  return pid;
}

class ChildExitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(g_exits.Register(), 0); }
  void TearDown() override { g_exits.Unregister(); }
};

TEST_F(ChildExitTest, ExitedWithItsCode) {
  for (bool isolated : {false, true}) {
    NCP_ChildExitInfo info =
        g_exits.Of(Start("libncp_reporter.so", "ExitWith3", isolated));
    EXPECT_EQ(info.kind, NCP_CHILD_EXITED);
    EXPECT_EQ(info.exit_code, 3);
    EXPECT_EQ(info.isolated, isolated);
    EXPECT_FALSE(info.ipc_flavour);
    info = g_exits.Of(Start("libncp_reporter.so", "ReturnNormally", isolated));
    EXPECT_EQ(info.kind, NCP_CHILD_EXITED);
    EXPECT_EQ(info.exit_code, 0);
  }
  EXPECT_STREQ(ncp_ChildExitKindName(NCP_CHILD_EXITED), "exited");
}

TEST_F(ChildExitTest, KilledBySignalWithCoreFlag) {
  for (bool isolated : {false, true}) {
    NCP_ChildExitInfo info =
        g_exits.Of(Start("libncp_crasher.so", "Segfault", isolated));
    EXPECT_EQ(info.kind, NCP_CHILD_KILLED);
    EXPECT_EQ(info.signal, SIGSEGV);
    int32_t pid = Start("libncp_sleeper.so", "Sleep", isolated);
    ASSERT_EQ(OH_Ability_KillChildProcess(pid), 0);
    info = g_exits.Of(pid);
    EXPECT_EQ(info.kind, NCP_CHILD_KILLED);
    EXPECT_EQ(info.signal, SIGKILL);
    EXPECT_FALSE(info.core_dumped);  // SIGKILL never dumps
  }
}

TEST_F(ChildExitTest, KilledBySeccompNamesTheSystemCall) {
  // Not sandboxed: a 32-bit getpid is harmless and the child just returns.
  NCP_ChildExitInfo info =
      g_exits.Of(Start("libncp_crasher.so", "ForeignSyscall", false));
  EXPECT_EQ(info.kind, NCP_CHILD_EXITED);
  // Sandboxed: the filter traps it, the report says which call it was. The
  // report comes on the child's status pipe, whether a spare served it (the
  // pipe is its init's, or the app's when the zygote handed it the request,
  // see the BUILD file) or the zygote forked it: a few, so that spares do.
  setenv("NCP_TRACE_STAGES", "1", 1);
  int from_spares = 0;
  for (int i = 0; i < 4; ++i) {
    const int32_t pid = Start("libncp_crasher.so", "ForeignSyscall", true);
    NCP_SpawnStages stages = {};
    if (ncp_GetSpawnStages(pid, &stages) == 0 && stages.via_zygote == 2) {
      ++from_spares;
    }
    info = g_exits.Of(pid);
    EXPECT_EQ(info.kind, NCP_CHILD_SECCOMP_KILLED);
    EXPECT_EQ(info.signal, SIGSYS);
    EXPECT_EQ(info.syscall_nr, 20);  // i386 getpid
    EXPECT_EQ(static_cast<uint32_t>(info.syscall_arch),
              0x40000003u);  // AUDIT_ARCH_I386
  }
  unsetenv("NCP_TRACE_STAGES");
  EXPECT_GE(from_spares, 2);
}

TEST_F(ChildExitTest, IpcFlavourChildrenAreReportedToo) {
  static std::mutex mu;
  static std::condition_variable cv;
  static OHIPCRemoteProxy* proxy = nullptr;
  static bool started = false;
  ASSERT_EQ(OH_Ability_CreateNativeChildProcess(
                FixturePath("libncp_add_service.so").c_str(),
                +[](int code, OHIPCRemoteProxy* p) {
                  std::lock_guard<std::mutex> lock(mu);
                  started = code == 0;
                  proxy = p;
                  cv.notify_all();
                }),
            0);
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(
        cv.wait_for(lock, std::chrono::seconds(10), [] { return started; }));
  }
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync), 0);
  int32_t pid = 0;
  OH_IPCParcel_ReadInt32(reply, &pid);
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 2, data, reply, &sync),
            0);  // exit
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(proxy);
  NCP_ChildExitInfo info = g_exits.Of(pid);
  EXPECT_EQ(info.kind, NCP_CHILD_EXITED);
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_TRUE(info.ipc_flavour);
}

TEST(ChildExitListenerTest, RegistrationRules) {
  EXPECT_EQ(ncp_RegisterChildExitListener(nullptr, nullptr),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(ncp_UnregisterChildExitListener(nullptr, nullptr),
            NCP_ERR_INVALID_PARAM);
  auto* other = new ncp::testing::ChildExits;  // see ChildExits
  EXPECT_EQ(other->Register(), 0);
  EXPECT_EQ(other->Register(), 0);  // the same pair again: a no-op
  EXPECT_EQ(other->Unregister(), 0);
  EXPECT_EQ(other->Unregister(), NCP_ERR_CALLBACK_NOT_EXIST);
  EXPECT_STREQ(ncp_ChildExitKindName(static_cast<NCP_ChildExitKind>(99)),
               "unknown");
  EXPECT_STREQ(ncp_SetupStageName(NCP_SETUP_SECCOMP), "seccomp");
}

// Fresh processes (threadsafe death tests re-execute the binary), so that
// a seccomp filter and environment changes stay there.
int SetupFailureIsReported() {
  g_exits.Register();
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0);
  if (seccomp_load(ctx) != 0) return 20;
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  options.isolationMode = NCP_ISOLATION_MODE_ISOLATED;
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  if (OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid) !=
      NCP_ERR_NOT_SUPPORTED) {
    return 21;
  }
  NCP_ChildExitInfo info = g_exits.TakeAny();
  if (info.kind != NCP_CHILD_SETUP_FAILED) return 22;
  if (info.setup_stage != NCP_SETUP_MOUNT_PRIVATE) return 23;
  if (info.setup_errno != EPERM) return 24;
  if (info.pid <= 0 || !info.isolated) return 25;
  return 0;
}

TEST(ChildExitDeathTest, SetupFailureNamesStageAndErrno) {
  EXPECT_EXIT(_exit(SetupFailureIsReported()), ::testing::ExitedWithCode(0),
              "");
}

int StartTimeoutIsReported() {
  g_exits.Register();
  setenv("NCP_START_TIMEOUT_MS", "200", 1);
  if (OH_Ability_CreateNativeChildProcess(
          FixturePath("libncp_hang_connect.so").c_str(),
          +[](int, OHIPCRemoteProxy*) {}) != 0) {
    return 20;
  }
  NCP_ChildExitInfo info = g_exits.TakeAny();
  if (info.kind != NCP_CHILD_START_TIMEOUT) return 21;
  if (!info.ipc_flavour) return 22;
  return 0;
}

TEST(ChildExitDeathTest, StartTimeout) {
  EXPECT_EXIT(_exit(StartTimeoutIsReported()), ::testing::ExitedWithCode(0),
              "");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  return RUN_ALL_TESTS();
}
