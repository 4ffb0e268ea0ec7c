// The app <-> zygote protocol (no abseil: both sides link it).
//
// The zygote is the child trampoline started in zygote mode: a small,
// single-threaded process with libc and libipc_capi.so loaded, that creates
// the app's children by fork-like clone3(CLONE_PARENT) on request, so they
// skip exec and the dynamic loader. CLONE_PARENT makes every such child a
// child of the app itself (of the thread that started the zygote, the
// supervisor): the app reaps it by pidfd, its parent-death signal follows
// the app, and it outlives a crashed zygote.
//
// Request: one SOCK_SEQPACKET message, a ZygoteRequest header, with
// SCM_RIGHTS fds: [payload memfd, working directory (O_PATH), then the
// child's fd table in order (child fd i = fds[2 + i])].
// Payload: EncodeZygotePayload() (bootstrap, spawn plan, environment, umask).
// Reply: a ZygoteReply, with the child's pidfd (SCM_RIGHTS) when pid > 0 —
// also when setup failed after clone (the app reaps that child).
#ifndef NCP_API_ZYGOTE_PROTOCOL_H_
#define NCP_API_ZYGOTE_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ncp::api {

inline constexpr uint32_t kZygoteRequestMagic = 0x4e435a51;  // "NCZQ"
inline constexpr uint32_t kZygoteReplyMagic = 0x4e435a52;    // "NCZR"
inline constexpr int kZygoteMaxTableFds = 64;

struct ZygoteRequest {
  uint32_t magic;
  uint32_t table_fds;  // number of fd table entries after payload and cwd
};

struct ZygoteReply {
  uint32_t magic;
  int32_t pid;    // > 0: a child was created (its pidfd comes along)
  int32_t stage;  // spawner::Stage of a failure (0: clone itself), or 0
  int32_t err;    // errno of the failure, 0 on success
  int32_t index;  // mount op / fd index of the failure, or -1
};

struct ZygotePayload {
  std::string bootstrap;  // EncodeBootstrap()
  std::string plan;       // spawner::EncodePlan()
  std::vector<std::string> env;
  uint32_t umask = 022;
};

std::string EncodeZygotePayload(const ZygotePayload& payload);
bool DecodeZygotePayload(const void* data, size_t size, ZygotePayload* out);

}  // namespace ncp::api

#endif  // NCP_API_ZYGOTE_PROTOCOL_H_
