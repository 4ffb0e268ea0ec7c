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
// Request: one SOCK_SEQPACKET message: a ZygoteRequest header, then (if
// inline_bytes > 0) the payload itself, with SCM_RIGHTS fds: [payload memfd
// or, with an inline payload, nothing; working directory (O_PATH); then the
// child's fd table in order]. Payload: EncodeZygotePayload() (bootstrap,
// spawn plan, environment, umask); payloads over kZygoteMaxInline go in a
// memfd.
// Reply: a ZygoteReply, with the child's pidfd (SCM_RIGHTS) when pid > 0 —
// also when setup failed after clone (the app reaps that child).
//
// Spares: the zygote keeps pre-forked children ("spares", NCP_ZYGOTE_SPARES
// per kind, default 1; ISOLATED ones with their namespaces, i.e. a pool of
// fresh network namespaces, NCP_NETNS_POOL, default 2) waiting for a
// request, so that a spawn skips the fork and the namespace creation. Being
// CLONE_PARENT children, spares are the app's children too: the zygote
// tells the app about each with a ZygoteNotice (kSpareCreated; kSpareGone
// when it died unused), queued on the same socket and read by the app
// before each request, and stops (and the app reaps) the spares it is left
// with when the zygote goes (by pid: until reaped, the pid is theirs).
//
// Handed spares: kSpareCreated carries the spare's request socket, and the
// app sends a request of that kind straight to the spare, which writes
// "taken" (one byte) on its report pipe to the zygote and answers with its
// setup's verdict (three int32: stage, errno, index) on the socket; the app
// opens the child's pidfd itself. The zygote is on neither path: it learns
// of the child's start from the hang-up of the socket, and refills. A spare
// that dies before it begins is EOF to the app, which then asks the zygote.
// Through the zygote, a request gets a ZygoteReply (with the pidfd) as
// before, possibly from a handed spare the app has not heard of yet (the
// app drops that one's socket when it reads the reply).
#ifndef NCP_API_ZYGOTE_PROTOCOL_H_
#define NCP_API_ZYGOTE_PROTOCOL_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ncp::api {

inline constexpr uint32_t kZygoteRequestMagic = 0x4e435a51;  // "NCZQ"
inline constexpr uint32_t kZygoteReplyMagic = 0x4e435a52;    // "NCZR"
inline constexpr uint32_t kZygoteNoticeMagic = 0x4e435a4e;   // "NCZN"
inline constexpr int kZygoteMaxTableFds = 64;
inline constexpr uint32_t kZygoteMaxInline = 16384;

struct ZygoteRequest {
  // kNormal: the plan creates no namespace (a NORMAL child). The zygote
  // then hands the request to a NORMAL spare as it is, without decoding the
  // payload (the spare decodes it, and refuses a plan with namespaces).
  // kCreate: a Create* child (its NORMAL spares make its IPC runtime and
  // channel in advance: a kind of their own, kZygoteCreateKind).
  enum Flags : uint32_t { kNormal = 1, kCreate = 2 };
  uint32_t magic;
  uint32_t table_fds;     // number of fd table entries after payload and cwd
  uint32_t inline_bytes;  // payload bytes after the header (0: a memfd)
  uint32_t flags;         // Flags
  // The app's name for the request's kind of spare (0: NORMAL), which the
  // zygote's notices of such spares carry (ZygoteNotice::kind).
  uint64_t kind;
};

// The app's name for the kind of NORMAL Create* spares (a sandbox's kind is
// a hash of its plan, never this).
inline constexpr uint64_t kZygoteCreateKind = 1;

struct ZygoteNotice {
  // kSpareCreated comes with the spare's request socket (SCM_RIGHTS): the
  // app may send a request of that kind to it directly.
  enum Event : int32_t { kSpareCreated = 1, kSpareGone = 2 };
  uint32_t magic;
  int32_t event;
  int32_t pid;
  uint32_t reserved;
  uint64_t kind;  // kSpareCreated: ZygoteRequest::kind of its requests
};

struct ZygoteReply {
  uint32_t magic;
  int32_t pid;    // > 0: a child was created (its pidfd comes along)
  int32_t stage;  // spawner::Stage of a failure (0: clone itself), or 0
  int32_t err;    // errno of the failure, 0 on success
  int32_t index;  // mount op / fd index of the failure, or -1
  int32_t spare;  // 1: the child was a spare (prepared in advance)
};

struct ZygotePayload {
  std::string bootstrap;  // EncodeBootstrap()
  std::string plan;       // spawner::EncodePlan(), trace_fd_index -1 (the
                          // bootstrap's trace_fd is the plan's)
  std::vector<std::string> env;
  uint32_t umask = 022;
};

std::string EncodeZygotePayload(const ZygotePayload& payload);
bool DecodeZygotePayload(const void* data, size_t size, ZygotePayload* out);

// Most fds one message of this protocol carries: a request's payload memfd,
// working directory and fd table.
inline constexpr size_t kZygoteMaxMessageFds = 2 + kZygoteMaxTableFds;

// One message of at most `size` bytes from `sock` into `buf` (recvmsg with
// `flags` | MSG_CMSG_CLOEXEC, retried on EINTR), with the fds it carried
// (up to `max_fds` <= kZygoteMaxMessageFds, CLOEXEC) appended to *fds. Returns
// recvmsg's result; *msg_flags (if not NULL) gets the message's flags
// (MSG_TRUNC, MSG_CTRUNC).
ssize_t ReceiveWithFds(int sock, void* buf, size_t size, int flags,
                       size_t max_fds, std::vector<int>* fds,
                       int* msg_flags = nullptr);

}  // namespace ncp::api

#endif  // NCP_API_ZYGOTE_PROTOCOL_H_
