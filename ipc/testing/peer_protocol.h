// Request codes understood by the ipc_peer test helper's root stub, shared
// by the helper and the tests that drive it.
#ifndef NCP_IPC_TESTING_PEER_PROTOCOL_H_
#define NCP_IPC_TESTING_PEER_PROTOCOL_H_

#include <cstdint>

namespace ncp::ipc::testing {

inline constexpr char kPeerDescriptor[] = "ncp.test.Peer";
inline constexpr char kPeerChildStubDescriptor[] = "ncp.test.PeerChild";

enum PeerCode : uint32_t {
  kEcho = 1,            // reply = data
  kReturnCode = 2,      // int32 code, int32 write_reply -> returns code
  kCallback = 3,        // proxy P, int32 code -> calls P(code, {42}) sync;
                        // reply: int32 rc, then P's reply
  kWhoAmI = 4,          // reply: int64 pid, int64 uid
  kHang = 5,            // never returns
  kFd = 6,              // fd F: writes "peer" to F; reply: a pipe read end
                        // holding "from-peer"
  kGetStub = 7,         // reply: a new stub of the peer (echo handler)
  kNested = 8,          // proxy P, int32 depth -> calls P(kParentNested,
                        // {depth, peer root}); reply: int32 (result + 1)
  kExit = 9,            // _exit(0) in the handler
  kCalling = 10,        // reply: int32 handling, int64 calling pid, int64
                        // calling uid, int64 first token id
  kSendBack = 11,       // proxy P -> reply: P (sent back to its owner)
  kAsyncPing = 12,      // proxy P (one-way) -> calls P(kParentPinged, {7})
  kForward = 13,        // proxy P, int32 v -> calls P(kEcho, {v}); reply:
                        // int32 rc, int32 echoed, string descriptor of P
  kIdentity = 14,       // reply: int32 reset rc, int64 pid after reset, int32
                        // set rc, int64 pid after set, int32 malformed rc
  kFdCount = 15,        // reply: int32 number of open fds in the peer
  kWriteThenFail = 16,  // writes int32 5 to reply, returns 1909001
  kKeep = 17,           // proxy P -> the peer keeps P (until kDropKept)
  kCallKept = 18,       // int32 code, int32 v -> calls the kept proxy
                        // (code, {v}) sync; reply: int32 rc
  kDropKept = 19,       // destroys the kept proxy (its release is sent
                        // before the reply)
  kAdoptPeer = 20,      // fd F -> adopts F offering nothing; reply: the
                        // root proxy of F's other end (relayed)
  kCallRoot = 21,       // fd W, int32 n, int32 timeout_s -> n sync calls
                        // (kParentAnswer, that timeout) to the root the
                        // caller offers on this connection, writing int32
                        // rc and int32 first int of the reply (-1 if none)
                        // to W after each; meant to be sent one-way
  kDropRoot = 22,       // destroys the peer's proxy of the caller's root
                        // (its release is sent before the reply)
};

// Codes of the parent-side callback stubs in the tests.
enum ParentCode : uint32_t {
  kParentNested = 100,  // int32 depth, proxy Q -> if depth == 0 reply 0,
                        // else Q(kNested, {self, depth - 1}) + 1
  kParentPinged = 101,
  kParentAnswer = 102,  // reply: int32 4242
};

}  // namespace ncp::ipc::testing

#endif  // NCP_IPC_TESTING_PEER_PROTOCOL_H_
