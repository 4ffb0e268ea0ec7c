// A hostile peer (ipc_peer hostile <scenario>) speaking the raw wire
// protocol: malformed, truncated or oversized messages, wrong fd counts,
// unknown ids, floods, silence. The runtime must not crash, hang or leak:
// the caller gets an error code and, where the peer broke the protocol, the
// connection is closed and its proxies are dead.
#include <unistd.h>

#include <string>

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

class HostilePeerTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    // Warm up: the runtime, its threads and this thread's wake fd exist
    // before the fd counts are taken.
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
};

// Scenario, and whether the peer breaks the protocol (connection closed).
struct Expectation {
  int code;
  bool dead;
};

Expectation Expect(const std::string& s) {
  if (s == "never-reply") return {OH_IPC_INNER_ERROR, false};
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
    ::testing::Values("garbage-first", "fds-on-hello-twice", "garbage",
                      "truncated-header", "length-beyond-message", "huge-count",
                      "huge-memfd", "unsealed-memfd", "pipe-as-memfd",
                      "ring-unsealed", "ring-wrong-size", "ring-bad-position",
                      "ring-without-setup", "object-out-of-range",
                      "unknown-handle", "overlapping", "more-fds", "fewer-fds",
                      "fds-on-release", "unknown-reply", "bad-version",
                      "oversized-datagram", "never-reply", "flood"),
    [](const ::testing::TestParamInfo<const char*>& param_info) {
      std::string name = param_info.param;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace ncp::ipc::testing
