// A hostile peer (ipc_peer hostile <scenario>) speaking the raw wire
// protocol: malformed, truncated or oversized messages, wrong fd counts,
// unknown ids, floods, silence. The runtime must not crash, hang or leak:
// the caller gets an error code and, where the peer broke the protocol, the
// connection is closed and its proxies are dead.
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"
#include "ipc/bridge.h"
#include "ipc/runtime.h"
#include "ipc/testing/peer_process.h"
#include "ipc/testing/peer_protocol.h"

namespace ncp::ipc::testing {
namespace {

int CountingHandler(uint32_t, const OHIPCParcel*, OHIPCParcel*, void*) {
  return 0;
}

const Bridge* GetBridge() {
  return FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
}

// The runtime, its threads and this thread's wake fd exist before a test
// counts fds.
void WarmUp() {
  PeerProcess peer({"serve"});
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(peer.TakeFd(), nullptr, &proxy), 0);
  OHIPCParcel* d = OH_IPCParcel_Create();
  OHIPCParcel* r = OH_IPCParcel_Create();
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, d, r, nullptr), 0);
  OH_IPCParcel_Destroy(d);
  OH_IPCParcel_Destroy(r);
  OH_IPCRemoteProxy_Destroy(proxy);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

class HostilePeerTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() { WarmUp(); }
};

// Scenario, and whether the peer breaks the protocol (connection closed).
struct Expectation {
  int code;
  bool dead;
};

Expectation Expect(const std::string& s) {
  if (s == "never-reply" || s == "stray-fds") {
    return {OH_IPC_INNER_ERROR, false};
  }
  return {OH_IPC_DEAD_REMOTE_OBJECT, true};
}

TEST_P(HostilePeerTest, SurvivesWithoutLeaks) {
  const std::string scenario = GetParam();
  const int fds_before = CountOpenFds();
  {
    PeerProcess peer({"hostile", scenario});
    ASSERT_GT(peer.pid(), 0);
    OHIPCRemoteStub* root = OH_IPCRemoteStub_Create(
        "ncp.test.Root", CountingHandler, nullptr, nullptr);
    OHIPCRemoteProxy* proxy = nullptr;
    ASSERT_EQ(GetBridge()->adopt_connection(peer.TakeFd(), root, &proxy), 0);
    OHIPCParcel* data = OH_IPCParcel_Create();
    OHIPCParcel* reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data, 1);
    const OH_IPC_MessageOption opt = {OH_IPC_REQUEST_MODE_SYNC,
                                      scenario == "flood" ? 2u : 1u, nullptr};
    const int rc =
        OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data, reply, &opt);
    if (scenario == "flood") {
      // Either the flood bound closed the connection or the wait timed
      // out while the pool kept up with it.
      EXPECT_TRUE(rc == OH_IPC_DEAD_REMOTE_OBJECT || rc == OH_IPC_INNER_ERROR)
          << rc;
    } else {
      const Expectation e = Expect(scenario);
      EXPECT_EQ(rc, e.code);
      EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy), e.dead ? 1 : 0);
      if (e.dead) {
        // Immediately, without another round trip.
        EXPECT_EQ(
            OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data, reply, &opt),
            OH_IPC_DEAD_REMOTE_OBJECT);
      }
    }
    EXPECT_EQ(OH_IPCParcel_GetDataSize(reply), 0);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    OH_IPCRemoteProxy_Destroy(proxy);
    OH_IPCRemoteStub_Destroy(root);
    peer.Kill();
  }
  // The connection object (and with it the socket and any received fds)
  // goes once the runtime has seen the peer's end.
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  EXPECT_EQ(CountOpenFds(), fds_before);
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, HostilePeerTest,
    ::testing::Values(
        "garbage-first", "hello-follows-nothing", "hello-follows-garbage",
        "hello-follows-hello", "hello-follows-uncounted-fd",
        "hello-with-trailing-bytes", "fds-on-hello-twice", "garbage",
        "truncated-header", "length-beyond-message", "huge-count", "huge-memfd",
        "unsealed-memfd", "pipe-as-memfd", "ring-unsealed", "ring-wrong-size",
        "ring-bad-position", "ring-without-setup", "ring-pending-then-exit",
        "object-out-of-range", "unknown-handle", "overlapping", "more-fds",
        "fewer-fds", "fds-on-release", "unannounced-fd", "stray-fds",
        "announcements-flood", "unknown-reply", "bad-version",
        "oversized-datagram", "never-reply", "flood"),
    [](const ::testing::TestParamInfo<const char*>& param_info) {
      std::string name = param_info.param;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

// --- kFlagBodyPending (wire.h): a ring body announced before it is written.

// Milliseconds since `start`.
int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

class PendingRingBodyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { WarmUp(); }
  void SetUp() override { fds_before_ = CountOpenFds(); }

  // Starts `ipc_peer <args>` and adopts the connection, offering no root.
  void Connect(const std::vector<std::string>& args) {
    peer_ = std::make_unique<PeerProcess>(args);
    ASSERT_GT(peer_->pid(), 0);
    ASSERT_EQ(GetBridge()->adopt_connection(peer_->TakeFd(), nullptr, &proxy_),
              0);
  }

  // A sync kEcho of data_ into reply_; its rc.
  int Echo(const OH_IPC_MessageOption* option = nullptr) {
    return OH_IPCRemoteProxy_SendRequest(proxy_, kEcho, data_, reply_, option);
  }

  // Nothing left behind: no connection, no fd.
  void TearDown() override {
    OH_IPCParcel_Destroy(data_);
    OH_IPCParcel_Destroy(reply_);
    if (proxy_ != nullptr) OH_IPCRemoteProxy_Destroy(proxy_);
    if (peer_ != nullptr) peer_->Kill();
    peer_.reset();
    ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
    EXPECT_EQ(CountOpenFds(), fds_before_);
  }

  std::unique_ptr<PeerProcess> peer_;
  OHIPCRemoteProxy* proxy_ = nullptr;
  OHIPCParcel* data_ = OH_IPCParcel_Create();
  OHIPCParcel* reply_ = OH_IPCParcel_Create();
  int fds_before_ = 0;
};

TEST_F(PendingRingBodyTest, ABodyPublishedLaterArrives) {
  Connect({"hostile", "ring-pending-late"});
  OH_IPCParcel_WriteInt32(data_, 1);
  EXPECT_EQ(Echo(), OH_IPC_SUCCESS);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply_), 40000);
  int32_t value = 0;
  EXPECT_EQ(OH_IPCParcel_ReadInt32(reply_, &value), OH_IPC_SUCCESS);
  EXPECT_EQ(value, 42);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 0);
}

TEST_F(PendingRingBodyTest, ABodyPublishedInPartsArrivesWhole) {
  Connect({"hostile", "ring-pending-in-parts"});
  ASSERT_EQ(Echo(), OH_IPC_SUCCESS);
  ASSERT_EQ(OH_IPCParcel_GetDataSize(reply_), 40000);
  const uint8_t* bytes = OH_IPCParcel_ReadBuffer(reply_, 40000);
  ASSERT_NE(bytes, nullptr);
  int wrong = 0;
  for (int i = 0; i < 40000; ++i) {
    if (bytes[i] != static_cast<uint8_t>(i * 7)) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
}

TEST_F(PendingRingBodyTest, ABodyNeverWrittenEndsTheConnectionAtTheTimeout) {
  Connect({"hostile", "ring-pending-unpublished"});
  // The first request gets a plain reply; the second the body that never
  // comes, which this thread (the connection's only reader) waits for
  // until its call's timeout.
  ASSERT_EQ(Echo(), OH_IPC_SUCCESS);
  const OH_IPC_MessageOption one_second = {OH_IPC_REQUEST_MODE_SYNC, 1,
                                           nullptr};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Echo(&one_second), OH_IPC_DEAD_REMOTE_OBJECT);
  // The call's 1 s, not the runtime's 30 s.
  EXPECT_LT(MsSince(start), 10000);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 1);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply_), 0);
}

TEST_F(PendingRingBodyTest, ASenderThatDiesIsNoticedBeforeTheTimeout) {
  Connect({"hostile", "ring-pending-then-exit"});
  const auto start = std::chrono::steady_clock::now();
  // The default timeout (30 s): the wait for the body ends with the peer.
  EXPECT_EQ(Echo(), OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_LT(MsSince(start), 10000);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 1);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply_), 0);
}

// The runtime as the sender: a raw reader (ipc_peer ring-reader) reports
// whether each body came before it was written, and sets the reader CPU
// word the runtime decides on for the next body.
TEST_F(PendingRingBodyTest, TheSenderWritesFirstUnlessTheReaderIsOnAnotherCpu) {
  const int cpu = sched_getcpu();
  ASSERT_GE(cpu, 0);
  cpu_set_t saved, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);  // this thread

  Connect({"ring-reader"});
  std::vector<uint8_t> pattern(40000 - 4);
  for (size_t j = 0; j < pattern.size(); ++j) {
    pattern[j] = static_cast<uint8_t>((j + 4) * 7);
  }
  struct Step {
    uint32_t next_reader_cpu_word;  // 1 + the CPU the reader "is on"
    int32_t pending;                // expected for this body
  };
  const Step steps[] = {
      {static_cast<uint32_t>(cpu) + 2, 0},  // not known yet: written first
      {static_cast<uint32_t>(cpu) + 1, 1},  // another CPU: announced first
      {static_cast<uint32_t>(cpu) + 2, 0},  // this CPU: written first
      {static_cast<uint32_t>(cpu) + 2, 1},
  };
  for (const Step& step : steps) {
    OH_IPCParcel_Destroy(data_);
    data_ = OH_IPCParcel_Create();
    OH_IPCParcel_WriteInt32(data_,
                            static_cast<int32_t>(step.next_reader_cpu_word));
    OH_IPCParcel_WriteBuffer(data_, pattern.data(),
                             static_cast<int32_t>(pattern.size()));
    ASSERT_EQ(Echo(), OH_IPC_SUCCESS);
    int32_t pending = -1, intact = -1;
    EXPECT_EQ(OH_IPCParcel_ReadInt32(reply_, &pending), OH_IPC_SUCCESS);
    EXPECT_EQ(OH_IPCParcel_ReadInt32(reply_, &intact), OH_IPC_SUCCESS);
    EXPECT_EQ(pending, step.pending);
    EXPECT_EQ(intact, 1);
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

}  // namespace
}  // namespace ncp::ipc::testing
