// The bridge table (bridge.h): what libchild_process.so reaches through any
// parcel's BridgeCarrier.
#include "ipc/bridge.h"
#include "ipc/parcel.h"
#include "ipc/runtime.h"

namespace ncp::ipc {

const Bridge g_bridge = {
    kBridgeVersion,
    &AdoptConnection,
    &ProxyPeerPid,
    &WaitRequestsDone,
};

}  // namespace ncp::ipc
