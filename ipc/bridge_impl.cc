// The bridge table (bridge.h): what libchild_process.so reaches through any
// parcel's BridgeCarrier.
#include "ipc/bridge.h"
#include "ipc/parcel.h"
#include "ipc/runtime.h"

namespace ncp::ipc {

namespace {

int Adopt(int fd, OHIPCRemoteStub* root, OHIPCRemoteProxy** peer_root) {
  return AdoptConnection(fd, root, peer_root, 0);
}

}  // namespace

const Bridge g_bridge = {
    kBridgeVersion,          &Adopt,
    &ProxyPeerPid,           &WaitRequestsDone,
    &AdoptConnection,        &RunAfterReply,
    &RetireServedRoot,       &Runtime::Prepare,
    &Runtime::AdoptPrepared,
};

}  // namespace ncp::ipc
