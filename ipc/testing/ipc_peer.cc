// ipc_peer: the other process of the IPC tests.
//
//   ipc_peer <fd> serve              adopts <fd> offering a root stub that
//                                    implements peer_protocol.h (keeping the
//                                    proxy of the parent's root for
//                                    kCallRoot), then waits
//   ipc_peer <fd> child              the libchild_process.so flow: adopts
//                                    <fd> without a root, creates its own
//                                    stub and sends it to the peer's root
//                                    (the "registrar") one-way, then waits
//   ipc_peer <fd> hostile <scenario> speaks the raw wire protocol and
//                                    misbehaves (see RunHostile)
//   ipc_peer <fd> ring-reader        speaks the raw wire protocol: reads the
//                                    caller's ring bodies (RunRingReader)
//   ipc_peer <fd> raw-seqpacket      benchmark baseline: echoes each
//                                    SEQPACKET message
//   ipc_peer <fd> raw-stream <n>     benchmark baseline: reads n bytes from a
//                                    stream socket, writes them back
//
// Environment: NCP_TEST_MAX_THREADS sets OH_IPCSkeleton_SetMaxWorkThreadNum.
// The helper dies with its parent (PR_SET_PDEATHSIG).
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "ipc/bridge.h"
#include "ipc/testing/peer_protocol.h"
#include "ipc/wire.h"

namespace {

using namespace ncp::ipc::testing;  // NOLINT: test helper
namespace wire = ncp::ipc::wire;

const OH_IPC_MessageOption kSync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
OHIPCRemoteStub* g_root = nullptr;
// The root the parent offers on the "serve" connection (kCallRoot). Set
// once adopt_connection has returned, which may be after the pool started
// serving the parent's requests.
std::mutex g_parent_root_mu;
std::condition_variable g_parent_root_cv;
OHIPCRemoteProxy* g_parent_root = nullptr;  // guarded by g_parent_root_mu
// The proxy kept by kKeep; the lock is held while it is used, so that
// kDropKept cannot destroy it under a running kCallKept.
std::mutex g_kept_mu;
OHIPCRemoteProxy* g_kept = nullptr;

void* Alloc(int32_t len) { return malloc(len); }

[[noreturn]] void WaitForever() {
  for (;;) pause();
}

bool WriteAll(int fd, const void* buf, size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= n;
  }
  return true;
}

int CountFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n - 3;  // ".", ".." and the DIR's own fd
}

int EchoHandler(uint32_t, const OHIPCParcel* data, OHIPCParcel* reply, void*) {
  return OH_IPCParcel_Append(reply, data);
}

int RootHandler(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                void*) {
  switch (code) {
    case kEcho:
      return OH_IPCParcel_Append(reply, data);
    case kReturnCode: {
      int32_t rc = 0, write_reply = 0;
      OH_IPCParcel_ReadInt32(data, &rc);
      OH_IPCParcel_ReadInt32(data, &write_reply);
      if (write_reply != 0) OH_IPCParcel_WriteInt32(reply, 777);
      return rc;
    }
    case kCallback: {
      OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
      int32_t cb_code = 0;
      OH_IPCParcel_ReadInt32(data, &cb_code);
      OHIPCParcel* d = OH_IPCParcel_Create();
      OHIPCParcel* r = OH_IPCParcel_Create();
      OH_IPCParcel_WriteInt32(d, 42);
      int rc = OH_IPCRemoteProxy_SendRequest(p, cb_code, d, r, &kSync);
      OH_IPCParcel_WriteInt32(reply, rc);
      OH_IPCParcel_Append(reply, r);
      OH_IPCParcel_Destroy(d);
      OH_IPCParcel_Destroy(r);
      OH_IPCRemoteProxy_Destroy(p);
      return 0;
    }
    case kWhoAmI:
      OH_IPCParcel_WriteInt64(reply, getpid());
      OH_IPCParcel_WriteInt64(reply, getuid());
      return 0;
    case kHang:
      WaitForever();
    case kFd: {
      int32_t fd = -1;
      if (OH_IPCParcel_ReadFileDescriptor(data, &fd) != 0) return 1909001;
      if (write(fd, "peer", 4) != 4) return 1909002;
      close(fd);
      int pipefd[2];
      if (pipe2(pipefd, O_CLOEXEC) != 0) return 1909003;
      if (write(pipefd[1], "from-peer", 9) != 9) return 1909004;
      close(pipefd[1]);
      int rc = OH_IPCParcel_WriteFileDescriptor(reply, pipefd[0]);
      close(pipefd[0]);
      return rc;
    }
    case kGetStub: {
      OHIPCRemoteStub* s = OH_IPCRemoteStub_Create(
          kPeerChildStubDescriptor, EchoHandler, nullptr, nullptr);
      int rc = OH_IPCParcel_WriteRemoteStub(reply, s);
      OH_IPCRemoteStub_Destroy(s);  // the reply keeps its own reference
      return rc;
    }
    case kNested: {
      OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
      int32_t depth = 0;
      OH_IPCParcel_ReadInt32(data, &depth);
      OHIPCParcel* d = OH_IPCParcel_Create();
      OHIPCParcel* r = OH_IPCParcel_Create();
      OH_IPCParcel_WriteInt32(d, depth);
      OH_IPCParcel_WriteRemoteStub(d, g_root);
      int rc = OH_IPCRemoteProxy_SendRequest(p, kParentNested, d, r, &kSync);
      int32_t value = -1000;
      OH_IPCParcel_ReadInt32(r, &value);
      OH_IPCParcel_Destroy(d);
      OH_IPCParcel_Destroy(r);
      OH_IPCRemoteProxy_Destroy(p);
      if (rc != 0) return rc;
      return OH_IPCParcel_WriteInt32(reply, value + 1);
    }
    case kExit:
      _exit(0);
    case kCalling:
      OH_IPCParcel_WriteInt32(reply, OH_IPCSkeleton_IsHandlingTransaction());
      OH_IPCParcel_WriteInt64(reply, OH_IPCSkeleton_GetCallingPid());
      OH_IPCParcel_WriteInt64(reply, OH_IPCSkeleton_GetCallingUid());
      OH_IPCParcel_WriteInt64(reply, OH_IPCSkeleton_GetFirstTokenId());
      return 0;
    case kSendBack: {
      OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
      if (p == nullptr) return 1909001;
      int rc = OH_IPCParcel_WriteRemoteProxy(reply, p);
      OH_IPCRemoteProxy_Destroy(p);
      return rc;
    }
    case kAsyncPing: {
      OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
      OHIPCParcel* d = OH_IPCParcel_Create();
      OHIPCParcel* r = OH_IPCParcel_Create();
      OH_IPCParcel_WriteInt32(d, 7);
      OH_IPCRemoteProxy_SendRequest(p, kParentPinged, d, r, &kSync);
      OH_IPCParcel_Destroy(d);
      OH_IPCParcel_Destroy(r);
      OH_IPCRemoteProxy_Destroy(p);
      return 0;
    }
    case kForward: {
      OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
      int32_t v = 0;
      OH_IPCParcel_ReadInt32(data, &v);
      if (p == nullptr) return 1909001;
      OHIPCParcel* d = OH_IPCParcel_Create();
      OHIPCParcel* r = OH_IPCParcel_Create();
      OH_IPCParcel_WriteInt32(d, v);
      int rc = OH_IPCRemoteProxy_SendRequest(p, kEcho, d, r, &kSync);
      int32_t echoed = 0;
      OH_IPCParcel_ReadInt32(r, &echoed);
      char* desc = nullptr;
      int32_t len = 0;
      OH_IPCRemoteProxy_GetInterfaceDescriptor(p, &desc, &len, Alloc);
      OH_IPCParcel_WriteInt32(reply, rc);
      OH_IPCParcel_WriteInt32(reply, echoed);
      OH_IPCParcel_WriteString(reply, desc != nullptr ? desc : "");
      free(desc);
      OH_IPCParcel_Destroy(d);
      OH_IPCParcel_Destroy(r);
      OH_IPCRemoteProxy_Destroy(p);
      return 0;
    }
    case kIdentity: {
      char* id = nullptr;
      int32_t len = 0;
      int reset_rc = OH_IPCSkeleton_ResetCallingIdentity(&id, &len, Alloc);
      int64_t pid_after_reset = OH_IPCSkeleton_GetCallingPid();
      int malformed_rc = OH_IPCSkeleton_SetCallingIdentity("ncpid1:bogus");
      int set_rc = OH_IPCSkeleton_SetCallingIdentity(id != nullptr ? id : "");
      int64_t pid_after_set = OH_IPCSkeleton_GetCallingPid();
      free(id);
      OH_IPCParcel_WriteInt32(reply, reset_rc);
      OH_IPCParcel_WriteInt64(reply, pid_after_reset);
      OH_IPCParcel_WriteInt32(reply, set_rc);
      OH_IPCParcel_WriteInt64(reply, pid_after_set);
      OH_IPCParcel_WriteInt32(reply, malformed_rc);
      return 0;
    }
    case kFdCount:
      return OH_IPCParcel_WriteInt32(reply, CountFds());
    case kWriteThenFail:
      OH_IPCParcel_WriteInt32(reply, 5);
      return 1909001;
    case kKeep: {
      OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
      if (p == nullptr) return 1909001;
      std::lock_guard<std::mutex> l(g_kept_mu);
      if (g_kept != nullptr) OH_IPCRemoteProxy_Destroy(g_kept);
      g_kept = p;
      return 0;
    }
    case kCallKept: {
      int32_t cb_code = 0, v = 0;
      OH_IPCParcel_ReadInt32(data, &cb_code);
      OH_IPCParcel_ReadInt32(data, &v);
      std::lock_guard<std::mutex> l(g_kept_mu);
      if (g_kept == nullptr) return 1909001;
      OHIPCParcel* d = OH_IPCParcel_Create();
      OHIPCParcel* r = OH_IPCParcel_Create();
      OH_IPCParcel_WriteInt32(d, v);
      int rc = OH_IPCRemoteProxy_SendRequest(g_kept, cb_code, d, r, &kSync);
      OH_IPCParcel_Destroy(d);
      OH_IPCParcel_Destroy(r);
      return OH_IPCParcel_WriteInt32(reply, rc);
    }
    case kDropKept: {
      std::lock_guard<std::mutex> l(g_kept_mu);
      if (g_kept == nullptr) return 1909001;
      OH_IPCRemoteProxy_Destroy(g_kept);
      g_kept = nullptr;
      return 0;
    }
    case kAdoptPeer: {
      int32_t fd = -1;
      if (OH_IPCParcel_ReadFileDescriptor(data, &fd) != 0) return 1909001;
      const ncp::ipc::Bridge* bridge =
          ncp::ipc::FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
      OHIPCRemoteProxy* p = nullptr;
      if (bridge == nullptr || bridge->adopt_connection(fd, nullptr, &p) != 0) {
        return 1909002;
      }
      int rc = OH_IPCParcel_WriteRemoteProxy(reply, p);
      OH_IPCRemoteProxy_Destroy(p);  // the export to the caller keeps it
      return rc;
    }
    case kCallRoot: {
      int32_t fd = -1, n = 0, timeout_s = 0;
      if (OH_IPCParcel_ReadFileDescriptor(data, &fd) != 0) return 1909001;
      OH_IPCParcel_ReadInt32(data, &n);
      OH_IPCParcel_ReadInt32(data, &timeout_s);
      const OH_IPC_MessageOption option = {
          OH_IPC_REQUEST_MODE_SYNC, static_cast<uint32_t>(timeout_s), nullptr};
      OHIPCRemoteProxy* root = nullptr;
      {
        std::unique_lock<std::mutex> l(g_parent_root_mu);
        g_parent_root_cv.wait_for(l, std::chrono::seconds(20),
                                  [] { return g_parent_root != nullptr; });
        root = g_parent_root;
      }
      for (int32_t i = 0; i < n; ++i) {
        OHIPCParcel* d = OH_IPCParcel_Create();
        OHIPCParcel* r = OH_IPCParcel_Create();
        int32_t out[2] = {-1, -1};
        out[0] =
            OH_IPCRemoteProxy_SendRequest(root, kParentAnswer, d, r, &option);
        OH_IPCParcel_ReadInt32(r, &out[1]);
        OH_IPCParcel_Destroy(d);
        OH_IPCParcel_Destroy(r);
        if (!WriteAll(fd, out, sizeof(out))) break;
      }
      close(fd);
      return 0;
    }
    case kDropRoot: {
      OHIPCRemoteProxy* root = nullptr;
      {
        std::lock_guard<std::mutex> l(g_parent_root_mu);
        std::swap(root, g_parent_root);
      }
      if (root == nullptr) return 1909001;
      OH_IPCRemoteProxy_Destroy(root);
      return 0;
    }
    default:
      return 1909999;
  }
}

const ncp::ipc::Bridge* GetBridge() {
  const ncp::ipc::Bridge* b =
      ncp::ipc::FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
  if (b == nullptr) {
    fprintf(stderr, "ipc_peer: no bridge\n");
    _exit(2);
  }
  return b;
}

// --- Hostile scenarios: raw wire protocol, no library. ---------------------

wire::WireHeader Header(uint8_t type) {
  wire::WireHeader h{};
  h.magic = wire::kMagic;
  h.version = wire::kVersion;
  h.type = type;
  return h;
}

// Fds after the HELLO go with a kFdsNext just before them (wire.h), as the
// runtime sends them, unless `announce` is false.
void SendWithFds(int sock, const void* buf, size_t len,
                 const std::vector<int>& fds, bool creds,
                 bool announce = true) {
  if (!fds.empty() && !creds && announce) {
    const wire::WireHeader next = Header(wire::kFdsNext);
    send(sock, &next, sizeof(next), MSG_NOSIGNAL);
  }
  iovec iov = {const_cast<void*>(buf), len};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(int) * 64) + CMSG_SPACE(sizeof(ucred))] = {};
  size_t used = 0;
  if (!fds.empty() || creds) {
    m.msg_control = control;
    m.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    if (!fds.empty()) {
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
      used += CMSG_SPACE(sizeof(int) * fds.size());
      c = CMSG_NXTHDR(&m, c);
    }
    if (creds) {
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_CREDENTIALS;
      c->cmsg_len = CMSG_LEN(sizeof(ucred));
      ucred cr = {getpid(), getuid(), getgid()};
      memcpy(CMSG_DATA(c), &cr, sizeof(cr));
      used += CMSG_SPACE(sizeof(ucred));
    }
    m.msg_controllen = used;
  }
  sendmsg(sock, &m, MSG_NOSIGNAL);
}

void SendHello(int sock) {
  wire::WireHeader h = Header(wire::kHello);
  h.flags = wire::kFlagHasRoot;
  SendWithFds(sock, &h, sizeof(h), {}, /*creds=*/true);
}

// Receives one message from the parent into `buf` (wire::kMaxDatagram
// bytes) and returns its header; *fd (if not NULL) gets the first fd it
// carried, or -1. Exits when the parent is gone.
wire::WireHeader ReceiveOne(int sock, std::vector<uint8_t>& buf, int* fd) {
  alignas(cmsghdr) char control[4096];
  iovec iov = {buf.data(), buf.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  if (n <= 0) _exit(0);
  if (fd != nullptr) {
    *fd = -1;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    if (c != nullptr && c->cmsg_type == SCM_RIGHTS) {
      memcpy(fd, CMSG_DATA(c), sizeof(*fd));
    }
  }
  wire::WireHeader h;
  memcpy(&h, buf.data(), sizeof(h));
  return h;
}

// Waits for the next request from the parent; returns its transaction id.
uint64_t NextRequest(int sock) {
  std::vector<uint8_t> buf(wire::kMaxDatagram);
  for (;;) {
    const wire::WireHeader h = ReceiveOne(sock, buf, nullptr);
    if (h.type == wire::kRequest && h.txn_id != 0) return h.txn_id;
  }
}

int DevNull() { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

// A ring memfd of this process's, sealed as the runtime wants it, and
// announced to the peer with kRingSetup; its mapping.
uint8_t* SetUpRing(int sock) {
  int fd = memfd_create("ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0 || ftruncate(fd, wire::kRingFileSize) != 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
    _exit(3);
  }
  void* map = mmap(nullptr, wire::kRingFileSize, PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) _exit(3);
  wire::WireHeader setup = Header(wire::kRingSetup);
  setup.fd_count = 1;
  SendWithFds(sock, &setup, sizeof(setup), {fd}, false);
  close(fd);
  return static_cast<uint8_t*>(map);
}

template <typename T>
T* RingWord(uint8_t* ring, size_t offset) {
  return reinterpret_cast<T*>(ring + offset);
}

// The sender's side of kFlagBodyPending: the body up to `end` is written.
void Publish(uint8_t* ring, uint64_t end) {
  __atomic_store_n(RingWord<uint64_t>(ring, wire::kRingPublishedOffset), end,
                   __ATOMIC_SEQ_CST);
  uint32_t* seq = RingWord<uint32_t>(ring, wire::kRingPublishSeqOffset);
  __atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(RingWord<uint32_t>(ring, wire::kRingWaitingOffset),
                      __ATOMIC_SEQ_CST) != 0) {
    syscall(SYS_futex, seq, FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
  }
}

// A reply whose body goes in this process's ring at position 0 with
// kFlagBodyPending: 40000 bytes starting with int32 42.
struct PendingReply {
  wire::WireHeader h;
  uint64_t pos;
};
constexpr uint32_t kPendingBodySize = 40000;

PendingReply MakePendingReply(const wire::WireHeader& reply) {
  PendingReply msg{};
  msg.h = reply;
  msg.h.flags = wire::kFlagBodyInRing | wire::kFlagBodyPending;
  msg.h.data_size = kPendingBodySize;
  msg.h.body_size = kPendingBodySize;
  msg.pos = 0;
  return msg;
}

// Each scenario waits for the parent's first sync request, then answers
// with something malformed (or nothing), then waits to be killed.
[[noreturn]] void RunHostile(int sock, const std::string& scenario) {
  if (scenario == "garbage-first") {
    const char junk[] = "this is not a hello message at all";
    SendWithFds(sock, junk, sizeof(junk), {}, /*creds=*/true);
    WaitForever();
  }
  if (scenario.rfind("hello-", 0) == 0) {
    // A first datagram that is a HELLO with more (or less) than it may
    // have (wire.h: kFlagMessageFollows).
    wire::WireHeader hello = Header(wire::kHello);
    hello.flags = wire::kFlagHasRoot | wire::kFlagMessageFollows;
    std::vector<uint8_t> bytes(sizeof(hello));
    std::vector<int> fds;
    if (scenario == "hello-with-trailing-bytes") {
      hello.flags = wire::kFlagHasRoot;
      bytes.resize(sizeof(hello) + 16, 0x5a);
    } else if (scenario == "hello-follows-garbage") {
      bytes.resize(sizeof(hello) + 40, 0xa5);
    } else if (scenario == "hello-follows-hello") {
      wire::WireHeader second = Header(wire::kHello);
      bytes.resize(2 * sizeof(hello));
      memcpy(bytes.data() + sizeof(hello), &second, sizeof(second));
    } else if (scenario == "hello-follows-uncounted-fd") {
      // A one-way request that declares no fd, with one attached.
      wire::WireHeader request = Header(wire::kRequest);
      request.flags = wire::kFlagOneWay;
      request.code = 1;
      bytes.resize(2 * sizeof(hello));
      memcpy(bytes.data() + sizeof(hello), &request, sizeof(request));
      fds.push_back(DevNull());
    }  // "hello-follows-nothing": the HELLO alone
    memcpy(bytes.data(), &hello, sizeof(hello));
    SendWithFds(sock, bytes.data(), bytes.size(), fds, /*creds=*/true);
    for (int fd : fds) close(fd);
    WaitForever();
  }
  SendHello(sock);
  if (scenario == "fds-on-hello-twice") {
    wire::WireHeader h = Header(wire::kHello);
    SendWithFds(sock, &h, sizeof(h), {DevNull(), DevNull()}, false);
    WaitForever();
  }
  if (scenario == "flood") {
    // One-way requests to the parent's root, far more than it can queue
    // while its caller waits for a reply that never comes.
    uint64_t txn = NextRequest(sock);
    (void)txn;
    wire::WireHeader h = Header(wire::kRequest);
    h.flags = wire::kFlagOneWay;
    h.code = 1;
    for (int i = 0; i < 200000; ++i) {
      if (send(sock, &h, sizeof(h), MSG_NOSIGNAL) < 0) break;
    }
    WaitForever();
  }
  const uint64_t txn = NextRequest(sock);
  wire::WireHeader r = Header(wire::kReply);
  r.txn_id = txn;
  if (scenario == "never-reply") WaitForever();
  if (scenario == "garbage") {
    uint8_t junk[100];
    for (int i = 0; i < 100; ++i) junk[i] = static_cast<uint8_t>(i * 37);
    SendWithFds(sock, junk, sizeof(junk), {}, false);
  } else if (scenario == "truncated-header") {
    SendWithFds(sock, &r, 20, {}, false);
  } else if (scenario == "length-beyond-message") {
    r.body_size = 1000;
    r.data_size = 1000;
    SendWithFds(sock, &r, sizeof(r), {}, false);
  } else if (scenario == "huge-count") {
    r.object_count = 60000;
    r.body_size = 60000 * 16;
    r.data_size = 0;
    SendWithFds(sock, &r, sizeof(r), {}, false);
  } else if (scenario == "huge-memfd") {
    int fd = memfd_create("x", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (ftruncate(fd, 64 << 20) != 0) _exit(3);
    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    r.flags = wire::kFlagBodyInMemfd;
    r.body_size = 64 << 20;
    r.data_size = 64 << 20;
    r.fd_count = 1;
    SendWithFds(sock, &r, sizeof(r), {fd}, false);
  } else if (scenario == "unsealed-memfd" || scenario == "pipe-as-memfd") {
    int fd;
    if (scenario == "pipe-as-memfd") {
      int p[2];
      if (pipe2(p, O_CLOEXEC) != 0) _exit(3);
      fd = p[0];  // the write end stays open: a read would block forever
    } else {
      fd = memfd_create("x", MFD_CLOEXEC);
      if (ftruncate(fd, 40000) != 0) _exit(3);
    }
    r.flags = wire::kFlagBodyInMemfd;
    r.body_size = 40000;
    r.data_size = 40000;
    r.fd_count = 1;
    SendWithFds(sock, &r, sizeof(r), {fd}, false);
  } else if (scenario == "object-out-of-range" ||
             scenario == "unknown-handle" || scenario == "overlapping") {
    struct {
      wire::WireHeader h;
      wire::WireObject o[2];
      uint8_t data[48];
    } msg{};
    msg.h = r;
    msg.h.object_count = scenario == "overlapping" ? 2 : 1;
    msg.h.data_size = 48;
    msg.h.body_size = msg.h.object_count * 16 + 48;
    msg.o[0].kind = wire::kObjectReceiverHandle;
    msg.o[0].handle = 12345;
    msg.o[0].offset = scenario == "object-out-of-range" ? 40 : 0;
    msg.o[1].kind = wire::kObjectSenderHandle;
    msg.o[1].offset = 8;
    // Object table first, then data: pack the header, table and data.
    std::vector<uint8_t> bytes(sizeof(msg.h) + msg.h.body_size);
    memcpy(bytes.data(), &msg.h, sizeof(msg.h));
    memcpy(bytes.data() + sizeof(msg.h), msg.o, msg.h.object_count * 16);
    SendWithFds(sock, bytes.data(), bytes.size(), {}, false);
  } else if (scenario == "stray-fds") {
    // Fds on a datagram that names none, unannounced: dropped by the
    // kernel, the message itself is fine. Then no reply (never-reply).
    wire::WireHeader one_way = Header(wire::kRequest);
    one_way.flags = wire::kFlagOneWay;
    one_way.code = 1;
    SendWithFds(sock, &one_way, sizeof(one_way), {DevNull(), DevNull()}, false,
                /*announce=*/false);
  } else if (scenario == "announcements-flood") {
    // Announced fds that never come, far more than the bound.
    const wire::WireHeader next = Header(wire::kFdsNext);
    for (int i = 0; i < 2000; ++i)
      send(sock, &next, sizeof(next), MSG_NOSIGNAL);
  } else if (scenario == "more-fds") {
    SendWithFds(sock, &r, sizeof(r), {DevNull(), DevNull(), DevNull()}, false);
  } else if (scenario == "fewer-fds" || scenario == "unannounced-fd") {
    // A reply naming an fd: without it, or with it but without its
    // kFdsNext ("unannounced-fd": read without a control buffer, it never
    // reaches the runtime, the kernel closes it).
    struct {
      wire::WireHeader h;
      wire::WireObject o;
      uint8_t data[24];
    } msg{};
    msg.h = r;
    msg.h.object_count = 1;
    msg.h.data_size = 24;
    msg.h.body_size = 16 + 24;
    msg.h.fd_count = 1;
    msg.o.kind = wire::kObjectFd;
    std::vector<int> fds;
    if (scenario == "unannounced-fd") fds.push_back(DevNull());
    SendWithFds(sock, &msg, sizeof(msg), fds, false, /*announce=*/false);
  } else if (scenario == "fds-on-release") {
    struct {
      wire::WireHeader h;
      wire::WireRelease rel;
    } msg{};
    msg.h = Header(wire::kRelease);
    msg.h.body_size = 16;
    msg.rel.handle = 0;
    SendWithFds(sock, &msg, sizeof(msg), {DevNull()}, false);
  } else if (scenario == "ring-unsealed" || scenario == "ring-wrong-size" ||
             scenario == "ring-bad-position" ||
             scenario == "ring-without-setup") {
    if (scenario != "ring-without-setup") {
      int fd = memfd_create("ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
      const off_t size = scenario == "ring-wrong-size"
                             ? 4096
                             : static_cast<off_t>(wire::kRingFileSize);
      if (ftruncate(fd, size) != 0) _exit(3);
      if (scenario != "ring-unsealed") {
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
      }
      wire::WireHeader setup = Header(wire::kRingSetup);
      setup.fd_count = 1;
      SendWithFds(sock, &setup, sizeof(setup), {fd}, false);
    }
    struct {
      wire::WireHeader h;
      uint64_t pos;
    } msg{};
    msg.h = r;
    msg.h.flags = wire::kFlagBodyInRing;
    msg.h.data_size = 40000;
    msg.h.body_size = 40000;
    msg.pos = scenario == "ring-bad-position" ? 12345 : 0;
    SendWithFds(sock, &msg, sizeof(msg), {}, false);
  } else if (scenario == "ring-pending-in-parts") {
    // A conforming sender that publishes its body in three parts, 5 ms
    // apart: byte i of the data is i * 7 (mod 256).
    uint8_t* ring = SetUpRing(sock);
    const PendingReply msg = MakePendingReply(r);
    SendWithFds(sock, &msg, sizeof(msg), {}, false);
    uint8_t* body = ring + wire::kRingHeaderSize;
    const uint32_t ends[3] = {16000, 32000, kPendingBodySize};
    uint32_t done = 0;
    for (uint32_t end : ends) {
      timespec pause = {0, 5 * 1000 * 1000};
      nanosleep(&pause, nullptr);
      for (; done < end; ++done) body[done] = static_cast<uint8_t>(done * 7);
      Publish(ring, end);
    }
  } else if (scenario == "ring-pending-unpublished" ||
             scenario == "ring-pending-then-exit" ||
             scenario == "ring-pending-late") {
    // The reply's body is announced before it is written (as a sender does
    // for a reader on another CPU), then never written (to the SECOND
    // request: the first gets a plain reply, so that the caller reads its
    // own reply, not a pool worker that read the HELLO), or the sender
    // dies, or it is written 20 ms later (a conforming, slow sender).
    if (scenario == "ring-pending-unpublished") {
      SendWithFds(sock, &r, sizeof(r), {}, false);
      r.txn_id = NextRequest(sock);
    }
    uint8_t* ring = SetUpRing(sock);
    const PendingReply msg = MakePendingReply(r);
    SendWithFds(sock, &msg, sizeof(msg), {}, false);
    if (scenario == "ring-pending-then-exit") _exit(0);
    if (scenario == "ring-pending-late") {
      timespec pause = {0, 20 * 1000 * 1000};
      nanosleep(&pause, nullptr);
      const int32_t value = 42;
      memcpy(ring + wire::kRingHeaderSize, &value, sizeof(value));
      Publish(ring, kPendingBodySize);
    }
  } else if (scenario == "unknown-reply") {
    r.txn_id = txn + 1000;
    SendWithFds(sock, &r, sizeof(r), {}, false);
  } else if (scenario == "bad-version") {
    r.version = 99;
    SendWithFds(sock, &r, sizeof(r), {}, false);
  } else if (scenario == "oversized-datagram") {
    std::vector<uint8_t> big(wire::kMaxDatagram + 100);
    memcpy(big.data(), &r, sizeof(r));
    SendWithFds(sock, big.data(), big.size(), {}, false);
  } else {
    fprintf(stderr, "ipc_peer: unknown scenario %s\n", scenario.c_str());
    _exit(2);
  }
  WaitForever();
}

// The raw reader of the caller's ring bodies. Each sync request carries
// int32 `cpu_word` in a body of more than kMaxInlineBody bytes whose byte i
// (from 4) is i * 7 (mod 256). The reader waits for the body if it came
// with kFlagBodyPending, checks it, then writes `cpu_word` as its reader CPU
// word (wire.h) in the caller's ring, which decides whether the caller's
// NEXT body comes before it is written. Reply: int32 1 if this body came
// with kFlagBodyPending (else 0), int32 1 if it was intact (else 0).
[[noreturn]] void RunRingReader(int sock) {
  SendHello(sock);
  std::vector<uint8_t> buf(wire::kMaxDatagram);
  uint8_t* ring = nullptr;
  for (;;) {
    int fd = -1;
    const wire::WireHeader h = ReceiveOne(sock, buf, &fd);
    if (h.type == wire::kRingSetup) {
      void* map = mmap(nullptr, wire::kRingFileSize, PROT_READ | PROT_WRITE,
                       MAP_SHARED, fd, 0);
      if (map == MAP_FAILED) _exit(4);
      ring = static_cast<uint8_t*>(map);
      close(fd);
      continue;
    }
    if (h.type != wire::kRequest || h.txn_id == 0) continue;
    int32_t pending = (h.flags & wire::kFlagBodyPending) != 0 ? 1 : 0;
    int32_t intact = 0;
    int32_t cpu_word = 0;
    if ((h.flags & wire::kFlagBodyInRing) != 0 && ring != nullptr &&
        h.object_count == 0) {
      uint64_t pos = 0;
      memcpy(&pos, buf.data() + sizeof(h), sizeof(pos));
      const uint64_t end = pos + h.body_size;
      uint32_t* seq = RingWord<uint32_t>(ring, wire::kRingPublishSeqOffset);
      uint32_t* waiting = RingWord<uint32_t>(ring, wire::kRingWaitingOffset);
      uint64_t* published =
          RingWord<uint64_t>(ring, wire::kRingPublishedOffset);
      for (int slices = 0; slices < 500; ++slices) {
        const uint32_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(published, __ATOMIC_SEQ_CST) >= end) break;
        __atomic_store_n(waiting, 1, __ATOMIC_SEQ_CST);
        timespec slice = {0, 10 * 1000 * 1000};
        if (__atomic_load_n(published, __ATOMIC_SEQ_CST) < end) {
          syscall(SYS_futex, seq, FUTEX_WAIT, seen, &slice, nullptr, 0);
        }
        __atomic_store_n(waiting, 0, __ATOMIC_SEQ_CST);
      }
      const uint8_t* body =
          ring + wire::kRingHeaderSize + pos % wire::kRingSize;
      memcpy(&cpu_word, body, sizeof(cpu_word));
      intact = __atomic_load_n(published, __ATOMIC_SEQ_CST) >= end ? 1 : 0;
      for (uint32_t i = 4; i < h.data_size && intact != 0; ++i) {
        if (body[i] != static_cast<uint8_t>(i * 7)) intact = 0;
      }
      __atomic_store_n(RingWord<uint64_t>(ring, wire::kRingConsumedOffset), end,
                       __ATOMIC_RELEASE);
      __atomic_store_n(RingWord<uint32_t>(ring, wire::kRingReaderCpuOffset),
                       static_cast<uint32_t>(cpu_word), __ATOMIC_RELAXED);
    }
    struct {
      wire::WireHeader h;
      int32_t pending;
      int32_t intact;
    } reply{};
    reply.h = Header(wire::kReply);
    reply.h.txn_id = h.txn_id;
    reply.h.data_size = reply.h.body_size = 8;
    reply.pending = pending;
    reply.intact = intact;
    SendWithFds(sock, &reply, sizeof(reply), {}, false);
  }
}

}  // namespace

// Threads of this process named `name`.
int CountThreads(const char* name) {
  int count = 0;
  DIR* tasks = opendir("/proc/self/task");
  while (struct dirent* t = tasks != nullptr ? readdir(tasks) : nullptr) {
    if (t->d_name[0] == '.') continue;
    char path[300], comm[32] = {};
    snprintf(path, sizeof(path), "/proc/self/task/%s/comm", t->d_name);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const ssize_t n = read(fd, comm, sizeof(comm) - 1);
    close(fd);
    if (n > 0 && comm[n - 1] == '\n') comm[n - 1] = '\0';
    if (strcmp(comm, name) == 0) ++count;
  }
  if (tasks != nullptr) closedir(tasks);
  return count;
}

int main(int argc, char** argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc < 3) {
    fprintf(stderr, "usage: ipc_peer <fd> serve|child|hostile <scenario>\n");
    return 2;
  }
  const int fd = atoi(argv[1]);
  const std::string mode = argv[2];
  if (const char* n = getenv("NCP_TEST_MAX_THREADS")) {
    OH_IPCSkeleton_SetMaxWorkThreadNum(atoi(n));
  }
  if (mode == "hostile" && argc >= 4) RunHostile(fd, argv[3]);
  if (mode == "ring-reader") RunRingReader(fd);
  if (mode == "raw-seqpacket") {
    std::vector<char> buf(256 * 1024);
    for (;;) {
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0 || send(fd, buf.data(), n, MSG_NOSIGNAL) != n) return 0;
    }
  }
  if (mode == "raw-stream" && argc >= 4) {
    const size_t size = strtoul(argv[3], nullptr, 10);
    std::vector<char> buf(size);
    for (;;) {
      size_t got = 0;
      while (got < size) {
        ssize_t n = read(fd, buf.data() + got, size - got);
        if (n <= 0) return 0;
        got += n;
      }
      size_t sent = 0;
      while (sent < size) {
        ssize_t n = write(fd, buf.data() + sent, size - sent);
        if (n <= 0) return 0;
        sent += n;
      }
    }
  }
  const ncp::ipc::Bridge* bridge = GetBridge();
  if (mode == "serve") {
    g_root =
        OH_IPCRemoteStub_Create(kPeerDescriptor, RootHandler, nullptr, nullptr);
    OHIPCRemoteProxy* parent_root = nullptr;
    if (bridge->adopt_connection(fd, g_root, &parent_root) != 0) return 3;
    {
      std::lock_guard<std::mutex> l(g_parent_root_mu);
      g_parent_root = parent_root;
    }
    g_parent_root_cv.notify_all();
    WaitForever();
  }
  if (mode == "child" || mode == "child-sync") {
    // As libchild_process.so's child: no worker until the first request.
    OHIPCRemoteProxy* registrar = nullptr;
    if (bridge->adopt_connection_with(fd, nullptr, &registrar,
                                      ncp::ipc::kAdoptLazily) != 0) {
      return 3;
    }
    if (CountThreads("ncp-ipc") != 0) return 5;
    g_root =
        OH_IPCRemoteStub_Create(kPeerDescriptor, RootHandler, nullptr, nullptr);
    OHIPCParcel* data = OH_IPCParcel_Create();
    OHIPCParcel* reply = OH_IPCParcel_Create();
    OH_IPCParcel_WriteRemoteStub(data, g_root);
    const OH_IPC_MessageOption option = {
        mode == "child" ? OH_IPC_REQUEST_MODE_ASYNC : OH_IPC_REQUEST_MODE_SYNC,
        0, nullptr};
    int rc = OH_IPCRemoteProxy_SendRequest(registrar, 1, data, reply, &option);
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
    if (rc != 0) return 4;
    if (mode == "child-sync") {
      // The call returned: tell the registrar (one-way).
      const OH_IPC_MessageOption async = {OH_IPC_REQUEST_MODE_ASYNC, 0,
                                          nullptr};
      OHIPCParcel* note = OH_IPCParcel_Create();
      rc = OH_IPCRemoteProxy_SendRequest(registrar, 2, note, nullptr, &async);
      OH_IPCParcel_Destroy(note);
      if (rc != 0) return 6;
    }
    WaitForever();
  }
  fprintf(stderr, "ipc_peer: unknown mode %s\n", mode.c_str());
  return 2;
}
