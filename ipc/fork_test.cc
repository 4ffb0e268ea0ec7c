// Fork safety: a forked child must not use the parent's runtime.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"
#include "ipc/bridge.h"
#include "ipc/runtime.h"
#include "ipc/testing/peer_process.h"
#include "ipc/testing/peer_protocol.h"

namespace ncp::ipc::testing {
namespace {

const OH_IPC_MessageOption kSync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};

const Bridge* GetBridge() {
  return FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
}

struct ParcelDeleter {
  void operator()(OHIPCParcel* p) const { OH_IPCParcel_Destroy(p); }
};
using ParcelPtr = std::unique_ptr<OHIPCParcel, ParcelDeleter>;
ParcelPtr NewParcel() { return ParcelPtr(OH_IPCParcel_Create()); }

int EchoStub(uint32_t, const OHIPCParcel* data, OHIPCParcel* reply, void*) {
  return OH_IPCParcel_Append(reply, data);
}

// A forked child must not use the parent's runtime (its threads do not
// exist there): old proxies are dead, and a fresh runtime works.
TEST(ForkTest, ForkedChildGetsAFreshRuntime) {
  PeerProcess peer({"serve"});
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(peer.TakeFd(), nullptr, &proxy), 0);
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(), reply.get(),
                                          &kSync),
            0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Only library calls and _exit here (no gtest in a forked child).
    int code = 0;
    OHIPCParcel* d = OH_IPCParcel_Create();
    OHIPCParcel* r = OH_IPCParcel_Create();
    if (OH_IPCRemoteProxy_IsRemoteDead(proxy) != 1) code |= 1;
    if (OH_IPCRemoteProxy_SendRequest(proxy, kEcho, d, r, &kSync) !=
        OH_IPC_DEAD_REMOTE_OBJECT) {
      code |= 2;
    }
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    OHIPCRemoteStub* s =
        OH_IPCRemoteStub_Create("fork", EchoStub, nullptr, nullptr);
    OHIPCRemoteProxy* p = nullptr;
    const Bridge* b = FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
    if (b->adopt_connection(sv[0], s, nullptr) != 0) code |= 4;
    if (b->adopt_connection(sv[1], nullptr, &p) != 0) code |= 8;
    OH_IPCParcel_WriteInt32(d, 31);
    if (OH_IPCRemoteProxy_SendRequest(p, 1, d, r, &kSync) != 0) code |= 16;
    int32_t v = 0;
    if (OH_IPCParcel_ReadInt32(r, &v) != 0 || v != 31) code |= 32;
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's runtime is unaffected.
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(), reply.get(),
                                          &kSync),
            0);
  OH_IPCRemoteProxy_Destroy(proxy);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

}  // namespace
}  // namespace ncp::ipc::testing
