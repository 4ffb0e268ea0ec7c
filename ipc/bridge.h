// The private interface between libipc_capi.so and libchild_process.so.
//
// libchild_process.so (parent side) and the child trampoline need two
// things the public IPCKit API does not offer: turning a connected socket
// into an IPC connection, and asking which process is behind a proxy. The
// shipped libraries export only OH_* names, so this table is not a dynamic
// symbol: every OHIPCParcel starts with a BridgeCarrier, and FindBridge()
// reads the table from a parcel made with the public OH_IPCParcel_Create().
// Both libraries are built from one tree, so the layout always agrees;
// `magic` and `version` catch a mismatched pair.
#ifndef NCP_IPC_BRIDGE_H_
#define NCP_IPC_BRIDGE_H_

#include <stdint.h>

#include "IPCKit/ipc_cparcel.h"

namespace ncp::ipc {

inline constexpr uint32_t kBridgeMagic = 0x4e435049;  // "NCPI"
inline constexpr uint32_t kBridgeVersion = 5;

struct Bridge {
  uint32_t version;  // kBridgeVersion

  // Adopts `fd`, a connected AF_UNIX SOCK_SEQPACKET socket whose other end
  // belongs to (or will be handed to) another process that adopts it too.
  // Takes ownership of `fd` in all cases. `root` (may be NULL) is offered to
  // the peer as its root object; the connection keeps a reference to it.
  // If `peer_root` is non-NULL it receives a new proxy (owned by the caller)
  // for the object the peer offers as root; calls through it fail with
  // OH_IPC_DEAD_REMOTE_OBJECT once the peer is gone (or if it offers none).
  // Does not block waiting for the peer. Returns OH_IPC_SUCCESS or an
  // OH_IPC_* error.
  int (*adopt_connection)(int fd, OHIPCRemoteStub* root,
                          OHIPCRemoteProxy** peer_root);

  // Pid of the process behind `proxy`, from the kernel's credentials of the
  // connection (as seen in the caller's pid namespace); -1 for a local or
  // invalid proxy or before the peer's credentials arrived.
  int32_t (*proxy_peer_pid)(const OHIPCRemoteProxy* proxy);

  // Waits until no remote request is being handled in this process (its
  // reply sent), at most `timeout_ms`. Returns true if idle. A child calls
  // it after MainProc returns, so that the request that ended MainProc
  // (e.g. an "exit" request) still gets its reply before the process exits.
  bool (*wait_requests_done)(int timeout_ms);

  // adopt_connection with options (kAdopt* below, or-ed; 0: the same as
  // adopt_connection).
  int (*adopt_connection_with)(int fd, OHIPCRemoteStub* root,
                               OHIPCRemoteProxy** peer_root, uint32_t flags);

  // From inside a stub's request handler: runs fn(arg) on the same thread
  // once the handler has returned and its reply has been sent (for a
  // one-way request: once it has returned). False (and nothing is kept)
  // outside a handler or if the handler already asked for one.
  bool (*run_after_reply)(void (*fn)(void*), void* arg);

  // From inside a stub's request handler: the connection that delivered the
  // request stops offering its root object (the one given to
  // adopt_connection) and drops its reference to it; later requests to it
  // are answered OH_IPC_DEAD_REMOTE_OBJECT. For a root that serves once (a
  // registrar). Once the peer has also released its proxy of the root, and
  // if the connection offers nothing else and holds no relayed proxy, the
  // pool stops reading it between calls: each sync call reads its own
  // reply, with no epoll_ctl. False outside a handler.
  bool (*retire_root)(void);

  // A zygote's Create* spare makes the process's IPC runtime before its
  // request comes (off the child's path): no thread, its two fds in `fds`,
  // 0 (or -1: none made). Once the child's fd table is in place, with those
  // two fds moved to the numbers in `fds`, adopt_prepared_runtime makes
  // them the runtime's (-1 if that fails: the fds are then closed and the
  // runtime dropped, and the next use makes another).
  int (*prepare_runtime)(int fds[2]);
  int (*adopt_prepared_runtime)(const int fds[2]);
};

// adopt_connection_with options.
// The HELLO goes out with the connection's first message (one datagram:
// the peer wakes once for both: kAdoptDeferHello), and if this creates the
// process's IPC runtime, its worker pool starts only when a one-way
// request has been sent, a sync one has its reply, or a request comes for
// the pool meanwhile (on a busy CPU the thread creation would otherwise
// come before the peer's reply). For a caller whose next IPC step is a
// request, and to which no request can come before (a Create child that
// has offered no object yet): until then, nothing reads the connection.
inline constexpr uint32_t kAdoptLazily = 1;
// The HELLO goes out with the connection's first message, in the same
// datagram: for a side whose first message is sent soon (the app's reply
// to a Create child's report), so that it costs no system call of its own.
inline constexpr uint32_t kAdoptDeferHello = 2;
// `fd` is an AF_UNIX SOCK_SEQPACKET socket the caller (or its parent)
// made: its type and domain are not checked (two system calls).
inline constexpr uint32_t kAdoptOwnSocket = 4;
// This end calls the peer more than it serves it (the app's end of a
// Create channel serves the child's report, then calls the child): a pool
// worker that served a request on it never keeps reading it afterwards
// (runtime.h, Connection::Linger), which would make this process's own
// calls get their replies through that worker.
inline constexpr uint32_t kAdoptNeverLinger = 8;

// The first members of every OHIPCParcel the library creates.
struct BridgeCarrier {
  uint32_t magic;  // kBridgeMagic
  const Bridge* bridge;
};

// The bridge of the loaded libipc_capi.so, found through a parcel made with
// `create` and released with `destroy` (the public OH_IPCParcel_Create /
// OH_IPCParcel_Destroy, possibly obtained with dlsym). NULL if the library
// is not an ncp libipc_capi.so of this version.
inline const Bridge* FindBridge(OHIPCParcel* (*create)(void),
                                void (*destroy)(OHIPCParcel*)) {
  OHIPCParcel* parcel = create();
  if (parcel == nullptr) return nullptr;
  const BridgeCarrier* carrier = reinterpret_cast<const BridgeCarrier*>(parcel);
  const Bridge* bridge = nullptr;
  if (carrier->magic == kBridgeMagic && carrier->bridge != nullptr &&
      carrier->bridge->version == kBridgeVersion) {
    bridge = carrier->bridge;
  }
  destroy(parcel);
  return bridge;
}

}  // namespace ncp::ipc

#endif  // NCP_IPC_BRIDGE_H_
