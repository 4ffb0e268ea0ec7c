// Cross-process behaviour with a real peer process (ipc/testing/ipc_peer).
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "base/testing/epoll_view.h"
#include "base/testing/eventually.h"
#include "base/testing/task_view.h"
#include "gtest/gtest.h"
#include "ipc/bridge.h"
#include "ipc/runtime.h"
#include "ipc/testing/peer_process.h"
#include "ipc/testing/peer_protocol.h"
#include "ipc/wire.h"

namespace ncp::ipc::testing {
namespace {

using std::chrono::seconds;

const OH_IPC_MessageOption kSync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
const OH_IPC_MessageOption kAsync = {OH_IPC_REQUEST_MODE_ASYNC, 0, nullptr};

void* MallocAllocator(int32_t len) { return malloc(len); }

const Bridge* GetBridge() {
  return FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
}

struct ParcelDeleter {
  void operator()(OHIPCParcel* p) const { OH_IPCParcel_Destroy(p); }
};
using ParcelPtr = std::unique_ptr<OHIPCParcel, ParcelDeleter>;
ParcelPtr NewParcel() { return ParcelPtr(OH_IPCParcel_Create()); }

// A sync request with no data; its rc.
int CallEmpty(OHIPCRemoteProxy* proxy, uint32_t code) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  return OH_IPCRemoteProxy_SendRequest(proxy, code, data.get(), reply.get(),
                                       &kSync);
}

// State of the test process's own callback stub.
struct ParentState {
  std::mutex mu;
  std::condition_variable cv;
  int pinged = 0;
  int answers = 0;
  uint64_t calling_pid = 0;
  uint64_t calling_uid = 0;
  int handling = -1;
  pthread_t handler_thread{};
  bool busy_seen = false;  // wait_requests_done(0) was false in the handler
  pthread_t joined_thread{};
  bool has_joined_thread = false;
  int served_by_joined = 0;
  int destroyed = 0;
  OHIPCRemoteStub* self = nullptr;
};

int ParentHandler(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                  void* user) {
  ParentState* st = static_cast<ParentState*>(user);
  switch (code) {
    case kParentAnswer: {
      std::lock_guard<std::mutex> l(st->mu);
      ++st->answers;
      st->calling_pid = OH_IPCSkeleton_GetCallingPid();
      st->calling_uid = OH_IPCSkeleton_GetCallingUid();
      st->handling = OH_IPCSkeleton_IsHandlingTransaction();
      st->handler_thread = pthread_self();
      st->busy_seen = !GetBridge()->wait_requests_done(0);
      return OH_IPCParcel_WriteInt32(reply, 4242);
    }
    case kParentPinged: {
      int32_t v = 0;
      OH_IPCParcel_ReadInt32(data, &v);
      std::lock_guard<std::mutex> l(st->mu);
      st->pinged += v;
      if (st->has_joined_thread &&
          pthread_equal(st->joined_thread, pthread_self())) {
        ++st->served_by_joined;
        OH_IPCSkeleton_StopWorkThread();  // ends JoinWorkThread after this
      } else {
        OH_IPCSkeleton_StopWorkThread();  // a pool thread: ignored
      }
      st->cv.notify_all();
      return 0;
    }
    case kParentNested: {
      int32_t depth = 0;
      OH_IPCParcel_ReadInt32(data, &depth);
      OHIPCRemoteProxy* q = OH_IPCParcel_ReadRemoteProxy(data);
      if (q == nullptr) return 1909010;
      int32_t value = 0;
      int rc = 0;
      if (depth > 0) {
        ParcelPtr d = NewParcel();
        ParcelPtr r = NewParcel();
        OH_IPCParcel_WriteRemoteStub(d.get(), st->self);
        OH_IPCParcel_WriteInt32(d.get(), depth - 1);
        rc =
            OH_IPCRemoteProxy_SendRequest(q, kNested, d.get(), r.get(), &kSync);
        OH_IPCParcel_ReadInt32(r.get(), &value);
        value += 1;
      }
      OH_IPCRemoteProxy_Destroy(q);
      if (rc != 0) return rc;
      return OH_IPCParcel_WriteInt32(reply, value);
    }
    default:
      return 1909998;
  }
}

// A destroy callback counting into a state with `mu`, `cv`, `destroyed`.
template <typename State>
void CountDestroyed(void* user) {
  State* st = static_cast<State*>(user);
  std::lock_guard<std::mutex> l(st->mu);
  ++st->destroyed;
  st->cv.notify_all();
}

// Waits (at most 20 s) until CountDestroyed has counted `n`.
template <typename State>
bool WaitDestroyed(State* st, int n) {
  std::unique_lock<std::mutex> l(st->mu);
  return st->cv.wait_for(l, seconds(20), [&] { return st->destroyed == n; });
}

// A peer in "serve" mode and a proxy to its root.
class PeerFixture : public ::testing::Test {
 protected:
  void StartPeer(const std::vector<std::string>& env = {}) {
    peer_ =
        std::make_unique<PeerProcess>(std::vector<std::string>{"serve"}, env);
    ASSERT_GT(peer_->pid(), 0);
    state_.self = OH_IPCRemoteStub_Create("ncp.test.Parent", ParentHandler,
                                          CountDestroyed<ParentState>, &state_);
    ASSERT_NE(state_.self, nullptr);
    ASSERT_EQ(
        GetBridge()->adopt_connection(peer_->TakeFd(), state_.self, &proxy_),
        0);
    ASSERT_NE(proxy_, nullptr);
  }
  void SetUp() override { StartPeer(); }
  void TearDown() override {
    if (proxy_ != nullptr) OH_IPCRemoteProxy_Destroy(proxy_);
    if (peer_) peer_->Kill();
    if (state_.self != nullptr) OH_IPCRemoteStub_Destroy(state_.self);
    // The connection keeps `state_.self` (its root) until it has seen the
    // peer's end; the destroy callback uses `state_`.
    ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
    EXPECT_EQ(state_.destroyed, 1);
  }

  int Call(uint32_t code, OHIPCParcel* data, OHIPCParcel* reply) {
    return OH_IPCRemoteProxy_SendRequest(proxy_, code, data, reply, &kSync);
  }
  // One echo call (its rc). After it the pool has read the peer's HELLO, so
  // the next call takes the reader role itself: a call made while a pool
  // worker still reads it waits for the role, and then polls.
  int Echo() {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteInt32(data.get(), 5);
    return Call(kEcho, data.get(), reply.get());
  }
  int ReturnCode(int32_t code, bool write_reply, OHIPCParcel* reply) {
    ParcelPtr d = NewParcel();
    OH_IPCParcel_WriteInt32(d.get(), code);
    OH_IPCParcel_WriteInt32(d.get(), write_reply ? 1 : 0);
    return Call(kReturnCode, d.get(), reply);
  }

  std::unique_ptr<PeerProcess> peer_;
  OHIPCRemoteProxy* proxy_ = nullptr;
  ParentState state_;
};

TEST_F(PeerFixture, SyncEchoReplacesReplyContent) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  OH_IPCParcel_WriteInt32(data.get(), 123);
  OH_IPCParcel_WriteString(data.get(), "hello");
  OH_IPCParcel_WriteInt64(data.get(), -9);
  OH_IPCParcel_WriteInt32(reply.get(), 999);  // replaced on success
  ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(reply.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply.get()),
            OH_IPCParcel_GetDataSize(data.get()));
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0);
  EXPECT_EQ(v, 123);
  EXPECT_STREQ(OH_IPCParcel_ReadString(reply.get()), "hello");
  int64_t w = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &w), 0);
  EXPECT_EQ(w, -9);
  // The data parcel is not consumed: send it again.
  ParcelPtr reply2 = NewParcel();
  ASSERT_EQ(Call(kEcho, data.get(), reply2.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply2.get()),
            OH_IPCParcel_GetDataSize(data.get()));
}

TEST_F(PeerFixture, StatusOnlyRepliesLeaveReplyAsItWas) {
  ParcelPtr reply = NewParcel();
  OH_IPCParcel_WriteInt32(reply.get(), 31);
  EXPECT_EQ(ReturnCode(0, false, reply.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply.get()), 4);
  // decisions.md §2.11: the error reaches the caller even though the handler
  // wrote to its reply.
  EXPECT_EQ(ReturnCode(1909123, true, reply.get()), 1909123);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reply.get()), 4);
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0);
  EXPECT_EQ(v, 31);
  ParcelPtr empty = NewParcel();
  EXPECT_EQ(Call(kWriteThenFail, empty.get(), reply.get()), 1909001);
}

// A reply replaces what the reply parcel held, whatever that was: the
// parcel is then as a fresh one that received it (size, read position,
// writable bytes), whether the caller read it straight into the parcel's
// own block or into a new one (a block too small, or a large one).
TEST_F(PeerFixture, AReplyLeavesTheParcelAsAFreshOneThatReceivedIt) {
  ASSERT_EQ(Echo(), 0);  // the reader role is the caller's from here on
  ParcelPtr data = NewParcel();
  OH_IPCParcel_WriteInt32(data.get(), 77);
  ParcelPtr fresh = NewParcel();
  ASSERT_EQ(Call(kEcho, data.get(), fresh.get()), 0);
  const int writable = OH_IPCParcel_GetWritableBytes(fresh.get());
  EXPECT_EQ(OH_IPCParcel_GetDataSize(fresh.get()), 4);
  for (const int held : {0, 8, 100, 5000, 100000}) {
    ParcelPtr reply = NewParcel();
    std::vector<uint8_t> junk(held + 1, 0xab);
    if (held > 0) {
      ASSERT_EQ(OH_IPCParcel_WriteBuffer(reply.get(), junk.data(), held), 0);
      ASSERT_NE(OH_IPCParcel_ReadBuffer(reply.get(), held / 2 + 1), nullptr);
    }
    ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0) << held;
    EXPECT_EQ(OH_IPCParcel_GetDataSize(reply.get()), 4) << held;
    EXPECT_EQ(OH_IPCParcel_GetReadPosition(reply.get()), 0) << held;
    EXPECT_EQ(OH_IPCParcel_GetWritePosition(reply.get()), 4) << held;
    EXPECT_EQ(OH_IPCParcel_GetWritableBytes(reply.get()), writable) << held;
    int32_t v = 0;
    ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0) << held;
    EXPECT_EQ(v, 77) << held;
    // The same parcel again, now holding a reply.
    ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0) << held;
    ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0) << held;
    EXPECT_EQ(v, 77) << held;
  }
}

TEST_F(PeerFixture, HandlerCodeMapping) {
  ParcelPtr reply = NewParcel();
  EXPECT_EQ(ReturnCode(-1, false, reply.get()), OH_IPC_INVALID_USER_ERROR_CODE);
  EXPECT_EQ(ReturnCode(401, true, reply.get()), OH_IPC_INVALID_USER_ERROR_CODE);
  EXPECT_EQ(ReturnCode(1909123, false, reply.get()), 1909123);
  EXPECT_EQ(ReturnCode(1909000, false, reply.get()), 1909000);
  EXPECT_EQ(ReturnCode(1909999, false, reply.get()), 1909999);
  EXPECT_EQ(ReturnCode(1910000, false, reply.get()),
            OH_IPC_INVALID_USER_ERROR_CODE);
  EXPECT_EQ(ReturnCode(OH_IPC_INNER_ERROR, false, reply.get()),
            OH_IPC_INNER_ERROR);
  EXPECT_EQ(ReturnCode(OH_IPC_CHECK_PARAM_ERROR, false, reply.get()),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(ReturnCode(1901008, false, reply.get()),
            OH_IPC_INVALID_USER_ERROR_CODE);
}

TEST_F(PeerFixture, RequestCodeRange) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  EXPECT_EQ(Call(0, data.get(), reply.get()), OH_IPC_CODE_OUT_OF_RANGE);
  EXPECT_EQ(Call(0x01000000, data.get(), reply.get()),
            OH_IPC_CODE_OUT_OF_RANGE);
  EXPECT_EQ(Call(0xFFFFFFFF, data.get(), reply.get()),
            OH_IPC_CODE_OUT_OF_RANGE);
  // An unknown code inside the range reaches the handler.
  EXPECT_EQ(Call(0x00FFFFFF, data.get(), reply.get()), 1909999);
}

TEST_F(PeerFixture, AsyncRequestReturnsAndRunsRemotely) {
  ParcelPtr data = NewParcel();
  OH_IPCParcel_WriteRemoteStub(data.get(), state_.self);
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy_, kAsyncPing, data.get(),
                                          nullptr, &kAsync),
            0);
  std::unique_lock<std::mutex> l(state_.mu);
  ASSERT_TRUE(
      state_.cv.wait_for(l, seconds(20), [&] { return state_.pinged == 7; }));
}

// A thread that joined the pool serves requests until a handler running on
// it calls StopWorkThread; StopWorkThread on a pool thread is ignored.
TEST_F(PeerFixture, JoinWorkThreadServesUntilStopped) {
  bool returned = false;
  std::thread joiner([&] {
    {
      std::lock_guard<std::mutex> l(state_.mu);
      state_.joined_thread = pthread_self();
      state_.has_joined_thread = true;
    }
    OH_IPCSkeleton_JoinWorkThread();
    std::lock_guard<std::mutex> l(state_.mu);
    returned = true;
    state_.cv.notify_all();
  });
  // One-way pings make the peer call back in a new call chain, so any
  // worker of this process (pool or joined) may serve them.
  bool done = false;
  for (int i = 0; i < 2000 && !done; ++i) {
    ParcelPtr data = NewParcel();
    OH_IPCParcel_WriteRemoteStub(data.get(), state_.self);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy_, kAsyncPing, data.get(),
                                            nullptr, &kAsync),
              0);
    std::unique_lock<std::mutex> l(state_.mu);
    ASSERT_TRUE(state_.cv.wait_for(
        l, seconds(20), [&] { return state_.pinged >= 7 * (i + 1); }));
    done = returned || state_.served_by_joined > 0;
  }
  {
    std::unique_lock<std::mutex> l(state_.mu);
    ASSERT_TRUE(state_.cv.wait_for(l, seconds(20), [&] { return returned; }))
        << "served_by_joined=" << state_.served_by_joined
        << " pinged=" << state_.pinged;
    EXPECT_EQ(state_.served_by_joined, 1);
  }
  joiner.join();
  // The pool still serves (its threads ignored StopWorkThread).
  ParcelPtr data = NewParcel();
  OH_IPCParcel_WriteRemoteStub(data.get(), state_.self);
  int before;
  {
    std::lock_guard<std::mutex> l(state_.mu);
    before = state_.pinged;
  }
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy_, kAsyncPing, data.get(),
                                          nullptr, &kAsync),
            0);
  std::unique_lock<std::mutex> l(state_.mu);
  ASSERT_TRUE(state_.cv.wait_for(l, seconds(20),
                                 [&] { return state_.pinged == before + 7; }));
}

TEST_F(PeerFixture, LargePayloadRoundTrip) {
  std::vector<uint8_t> big(204000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  ParcelPtr data = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(data.get(), big.data(), big.size()), 0);
  for (int round = 0; round < 3; ++round) {
    ParcelPtr reply = NewParcel();
    ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0);
    ASSERT_EQ(OH_IPCParcel_GetDataSize(reply.get()), 204000);
    const uint8_t* got = OH_IPCParcel_ReadBuffer(reply.get(), big.size());
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(memcmp(got, big.data(), big.size()), 0);
  }
}

// Several threads sending large parcels at once: bodies go through the
// ring while it has room and through one-off memfds when it is full; the
// ring wraps many times. Every byte must come back.
TEST_F(PeerFixture, ConcurrentLargePayloadsWrapTheRing) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        // Sizes vary so that bodies land at varying ring positions.
        const size_t size = 40000 + ((t * kRounds + round) * 7919) % 160000;
        std::vector<uint8_t> big(size);
        for (size_t i = 0; i < size; ++i) {
          big[i] = static_cast<uint8_t>(i * 31 + t * 7 + round);
        }
        ParcelPtr data = NewParcel();
        ParcelPtr reply = NewParcel();
        OH_IPCParcel_WriteBuffer(data.get(), big.data(), size);
        if (Call(kEcho, data.get(), reply.get()) != 0) {
          ++failures[t];
          continue;
        }
        const uint8_t* got = OH_IPCParcel_ReadBuffer(reply.get(), size);
        if (got == nullptr || memcmp(got, big.data(), size) != 0) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

// Many threads with large inline bodies (just under the 32 KiB inline
// limit): more than the socket buffers hold in both directions, so senders
// block for space on both sides. A sync caller gives its reader role back
// before waiting for space, so replies keep being read: no deadlock.
TEST_F(PeerFixture, SaturatedSocketBuffersBothWays) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  const OH_IPC_MessageOption opt = {OH_IPC_REQUEST_MODE_SYNC, 20, nullptr};
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint8_t> body(30000, static_cast<uint8_t>(t));
      for (int round = 0; round < kRounds; ++round) {
        ParcelPtr data = NewParcel();
        ParcelPtr reply = NewParcel();
        OH_IPCParcel_WriteBuffer(data.get(), body.data(), body.size());
        if (OH_IPCRemoteProxy_SendRequest(proxy_, kEcho, data.get(),
                                          reply.get(), &opt) != 0 ||
            OH_IPCParcel_GetDataSize(reply.get()) != 30000) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

// The same with a peer that never uses its ring: its replies come in
// one-off sealed memfds.
TEST_F(PeerFixture, LargePayloadsThroughMemfds) {
  TearDown();  // the default peer
  proxy_ = nullptr;
  state_.self = nullptr;
  state_.destroyed = 0;
  StartPeer({"NCP_IPC_RING=0"});
  std::vector<uint8_t> big(150000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i);
  ParcelPtr data = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(data.get(), big.data(), big.size()), 0);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), fd), 0);
  close(fd);
  for (int round = 0; round < 3; ++round) {
    ParcelPtr reply = NewParcel();
    ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0);
    const uint8_t* got = OH_IPCParcel_ReadBuffer(reply.get(), big.size());
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(memcmp(got, big.data(), big.size()), 0);
    int32_t echoed = -1;
    ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(reply.get(), &echoed), 0);
    close(echoed);
  }
}

TEST_F(PeerFixture, FileDescriptorsBothWaysShareOpenFileDescription) {
  char path[] = "/tmp/ncp_ipc_fd_XXXXXX";
  int file = mkostemp(path, O_CLOEXEC);
  ASSERT_GE(file, 0);
  unlink(path);
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), file), 0);
  ASSERT_EQ(Call(kFd, data.get(), reply.get()), 0);
  // The peer wrote through its own fd: our offset moved.
  EXPECT_EQ(lseek(file, 0, SEEK_CUR), 4);
  char buf[16] = {};
  EXPECT_EQ(pread(file, buf, 4, 0), 4);
  EXPECT_STREQ(buf, "peer");
  close(file);
  int32_t fd = -1;
  ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(reply.get(), &fd), 0);
  EXPECT_GT(fd, 0);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  memset(buf, 0, sizeof(buf));
  EXPECT_EQ(read(fd, buf, sizeof(buf)), 9);
  EXPECT_STREQ(buf, "from-peer");
  close(fd);
}

TEST_F(PeerFixture, ManyFileDescriptorsAndObjectsRoundTrip) {
  // The most fds a parcel may hold, plus stubs, through the ring (the body
  // is large) and back.
  ParcelPtr data = NewParcel();
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (int i = 0; i < 252; ++i) {
    ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), fd), 0);
    if (i % 2 == 0) {
      ASSERT_EQ(OH_IPCParcel_WriteRemoteStub(data.get(), state_.self), 0);
    }
  }
  close(fd);
  std::vector<uint8_t> pad(100000, 7);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(data.get(), pad.data(), pad.size()), 0);
  const int fds_before = CountOpenFds();
  {
    ParcelPtr reply = NewParcel();
    ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0);
    EXPECT_EQ(OH_IPCParcel_GetDataSize(reply.get()),
              OH_IPCParcel_GetDataSize(data.get()));
    for (int i = 0; i < 252; ++i) {
      int32_t got = -1;
      ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(reply.get(), &got), 0) << i;
      close(got);
      if (i % 2 == 0) {
        OHIPCRemoteStub* s = OH_IPCParcel_ReadRemoteStub(reply.get());
        ASSERT_NE(s, nullptr) << i;  // our own stub, sent back
        OH_IPCRemoteStub_Destroy(s);
      }
    }
    EXPECT_EQ(CountOpenFds(), fds_before + 252);  // held by `reply`
  }
  EXPECT_EQ(CountOpenFds(), fds_before);
}

TEST_F(PeerFixture, StubFromPeerArrivesAsProxy) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  ASSERT_EQ(Call(kGetStub, data.get(), reply.get()), 0);
  EXPECT_EQ(OH_IPCParcel_ReadRemoteStub(reply.get()), nullptr);
  OHIPCRemoteProxy* child = OH_IPCParcel_ReadRemoteProxy(reply.get());
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(child), 0);
  char* desc = nullptr;
  int32_t len = 0;
  ASSERT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(child, &desc, &len,
                                                     MallocAllocator),
            0);
  EXPECT_STREQ(desc, kPeerChildStubDescriptor);
  free(desc);
  ParcelPtr d = NewParcel();
  ParcelPtr r = NewParcel();
  OH_IPCParcel_WriteInt32(d.get(), 55);
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(child, 9, d.get(), r.get(), &kSync),
            0);
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(r.get(), &v), 0);
  EXPECT_EQ(v, 55);
  OH_IPCRemoteProxy_Destroy(child);
}

TEST_F(PeerFixture, CallbackStubIsInvokedWithPeerIdentity) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  OH_IPCParcel_WriteRemoteStub(data.get(), state_.self);
  OH_IPCParcel_WriteInt32(data.get(), kParentAnswer);
  ASSERT_EQ(Call(kCallback, data.get(), reply.get()), 0);
  int32_t rc = -1, value = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &rc), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &value), 0);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(value, 4242);
  std::lock_guard<std::mutex> l(state_.mu);
  EXPECT_EQ(state_.answers, 1);
  EXPECT_EQ(state_.calling_pid, static_cast<uint64_t>(peer_->pid()));
  EXPECT_EQ(state_.calling_uid, static_cast<uint64_t>(getuid()));
  EXPECT_EQ(state_.handling, 1);
  EXPECT_TRUE(state_.busy_seen);
  EXPECT_TRUE(GetBridge()->wait_requests_done(0));
  // Re-entrant: the peer called back while this thread waited in
  // SendRequest, so this thread ran the handler (binder semantics).
  EXPECT_TRUE(pthread_equal(state_.handler_thread, pthread_self()));
}

TEST_F(PeerFixture, PeerSeesOurPidAndIpcContext) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  ASSERT_EQ(Call(kCalling, data.get(), reply.get()), 0);
  int32_t handling = 0;
  int64_t pid = 0, uid = -1, first = -1;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &handling), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &pid), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &uid), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &first), 0);
  EXPECT_EQ(handling, 1);
  EXPECT_EQ(pid, getpid());
  EXPECT_EQ(uid, getuid());
  EXPECT_EQ(first, getuid());
  EXPECT_EQ(GetBridge()->proxy_peer_pid(proxy_), peer_->pid());
}

TEST_F(PeerFixture, IdentityResetAndSetInIpcContext) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  ASSERT_EQ(Call(kIdentity, data.get(), reply.get()), 0);
  int32_t reset_rc = -1, set_rc = -1, malformed_rc = -1;
  int64_t after_reset = 0, after_set = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &reset_rc), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &after_reset), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &set_rc), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &after_set), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &malformed_rc), 0);
  EXPECT_EQ(reset_rc, 0);
  EXPECT_EQ(after_reset, peer_->pid());  // acting as the peer itself
  EXPECT_EQ(set_rc, 0);
  EXPECT_EQ(after_set, getpid());  // restored: the caller is us
  EXPECT_EQ(malformed_rc, OH_IPC_INNER_ERROR);
}

TEST_F(PeerFixture, ProxySentBackResolvesToLocalStub) {
  // Give the peer a proxy to our stub, and have it send that proxy back.
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  OH_IPCParcel_WriteRemoteStub(data.get(), state_.self);
  ASSERT_EQ(Call(kSendBack, data.get(), reply.get()), 0);
  OHIPCRemoteStub* stub = OH_IPCParcel_ReadRemoteStub(reply.get());
  ASSERT_NE(stub, nullptr);
  OH_IPCRemoteStub_Destroy(stub);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(reply.get(), 0), 0);
  OHIPCRemoteProxy* local = OH_IPCParcel_ReadRemoteProxy(reply.get());
  ASSERT_NE(local, nullptr);
  // A local proxy: the handler runs inline on this thread.
  ParcelPtr d = NewParcel();
  ParcelPtr r = NewParcel();
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(local, kParentAnswer, d.get(),
                                          r.get(), &kSync),
            0);
  EXPECT_TRUE(pthread_equal(state_.handler_thread, pthread_self()));
  EXPECT_EQ(state_.handling, 0);  // not a remote request
  OHIPCDeathRecipient* rec =
      OH_IPCDeathRecipient_Create([](void*) {}, nullptr, nullptr);
  EXPECT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(local, rec),
            OH_IPC_INNER_ERROR);
  OH_IPCDeathRecipient_Destroy(rec);
  OH_IPCRemoteProxy_Destroy(local);
}

TEST_F(PeerFixture, RemoteReferencesAreReleased) {
  ParentState st;
  OHIPCRemoteStub* s = OH_IPCRemoteStub_Create(
      "ncp.test.Temp", ParentHandler, CountDestroyed<ParentState>, &st);
  {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteRemoteStub(data.get(), s);
    OH_IPCParcel_WriteInt32(data.get(), kParentAnswer);
    ASSERT_EQ(Call(kCallback, data.get(), reply.get()), 0);
  }
  // The peer destroyed its proxy before replying; its release was read
  // before the reply, so only our own handle is left.
  EXPECT_EQ(st.destroyed, 0);
  OH_IPCRemoteStub_Destroy(s);
  EXPECT_EQ(st.destroyed, 1);
}

TEST_F(PeerFixture, DescriptorIsQueriedAndCached) {
  char* desc = nullptr;
  int32_t len = 0;
  ASSERT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy_, &desc, &len,
                                                     MallocAllocator),
            0);
  EXPECT_STREQ(desc, kPeerDescriptor);
  EXPECT_EQ(len, static_cast<int32_t>(strlen(kPeerDescriptor) + 1));
  free(desc);
  desc = reinterpret_cast<char*>(1);
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(
                proxy_, &desc, &len, [](int32_t) -> void* { return nullptr; }),
            OH_IPC_MEM_ALLOCATOR_ERROR);
  EXPECT_EQ(desc, nullptr);
  // Answered from the cache while the remote lives.
  ASSERT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy_, &desc, &len,
                                                     MallocAllocator),
            0);
  EXPECT_STREQ(desc, kPeerDescriptor);
  free(desc);
  // Once it is dead: OH_IPC_DEAD_REMOTE_OBJECT, cache or not (decisions.md
  // §2.11). The failed request makes the death known at once.
  peer_->Kill();
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  EXPECT_EQ(Call(kEcho, data.get(), reply.get()), OH_IPC_DEAD_REMOTE_OBJECT);
  desc = nullptr;
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy_, &desc, &len,
                                                     MallocAllocator),
            OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ(desc, nullptr);
}

struct DeathState {
  std::mutex mu;
  std::condition_variable cv;
  int deaths = 0;
  int destroyed = 0;
  bool on_main_thread = false;
  pthread_t main_thread;
};

void OnDeath(void* user) {
  DeathState* d = static_cast<DeathState*>(user);
  std::lock_guard<std::mutex> l(d->mu);
  ++d->deaths;
  d->on_main_thread = pthread_equal(pthread_self(), d->main_thread);
  d->cv.notify_all();
}

TEST_F(PeerFixture, DeathRecipientFiresOnceWhenPeerIsKilled) {
  DeathState ds;
  ds.main_thread = pthread_self();
  OHIPCDeathRecipient* r =
      OH_IPCDeathRecipient_Create(OnDeath, CountDestroyed<DeathState>, &ds);
  OHIPCDeathRecipient* removed =
      OH_IPCDeathRecipient_Create(OnDeath, nullptr, &ds);
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy_, r), 0);
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy_, removed), 0);
  ASSERT_EQ(OH_IPCRemoteProxy_RemoveDeathRecipient(proxy_, removed), 0);
  EXPECT_EQ(OH_IPCRemoteProxy_RemoveDeathRecipient(proxy_, removed),
            OH_IPC_INNER_ERROR);
  OH_IPCDeathRecipient_Destroy(removed);
  OH_IPCDeathRecipient_Destroy(r);  // the proxy keeps its own reference
  {
    std::lock_guard<std::mutex> l(ds.mu);
    EXPECT_EQ(ds.destroyed, 0);
  }
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 0);
  peer_->Kill();  // SIGKILL + reap
  {
    std::unique_lock<std::mutex> l(ds.mu);
    ASSERT_TRUE(ds.cv.wait_for(l, seconds(20), [&] { return ds.deaths > 0; }));
    EXPECT_FALSE(ds.on_main_thread);
  }
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 1);
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  EXPECT_EQ(Call(kEcho, data.get(), reply.get()), OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy_, kEcho, data.get(), nullptr,
                                          &kAsync),
            OH_IPC_DEAD_REMOTE_OBJECT);
  char* desc = nullptr;
  int32_t len = 0;
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy_, &desc, &len,
                                                     MallocAllocator),
            OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ(desc, nullptr);
  OHIPCDeathRecipient* late =
      OH_IPCDeathRecipient_Create(OnDeath, nullptr, &ds);
  EXPECT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy_, late),
            OH_IPC_INNER_ERROR);
  OH_IPCDeathRecipient_Destroy(late);
  OH_IPCRemoteProxy_Destroy(proxy_);
  proxy_ = nullptr;
  // The notification task drops its reference right after the callback, on
  // the worker thread.
  std::unique_lock<std::mutex> l(ds.mu);
  ASSERT_TRUE(
      ds.cv.wait_for(l, seconds(20), [&] { return ds.destroyed == 1; }));
  EXPECT_EQ(ds.deaths, 1);
}

TEST_F(PeerFixture, PeerExitingMidTransactionGivesDeadRemote) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  EXPECT_EQ(Call(kExit, data.get(), reply.get()), OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 1);
}

TEST_F(PeerFixture, SyncTimeoutWhenPeerNeverReplies) {
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  const OH_IPC_MessageOption timeout = {OH_IPC_REQUEST_MODE_SYNC, 1, nullptr};
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy_, kHang, data.get(),
                                          reply.get(), &timeout),
            OH_IPC_INNER_ERROR);
  // The connection stays usable (the peer's other workers still serve).
  OH_IPCParcel_WriteInt32(data.get(), 5);
  ASSERT_EQ(Call(kEcho, data.get(), reply.get()), 0);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 0);
}

// `other` on a connection of its own (offering it nothing): the proxy of
// its root, or NULL.
OHIPCRemoteProxy* AdoptSecondPeer(PeerProcess* other) {
  OHIPCRemoteProxy* proxy = nullptr;
  if (other->pid() <= 0 ||
      GetBridge()->adopt_connection(other->TakeFd(), nullptr, &proxy) != 0) {
    return nullptr;
  }
  return proxy;
}

// A sync call to kHang with a timeout of `timeout_s` seconds, on a thread
// of its own; Wait() tells how that thread waits for the reply, as the
// kernel shows it.
class HangingCall {
 public:
  HangingCall(OHIPCRemoteProxy* proxy, uint32_t timeout_s)
      : thread_([this, proxy, timeout_s] {
          tid_ = static_cast<pid_t>(syscall(SYS_gettid));
          ParcelPtr data = NewParcel();
          ParcelPtr reply = NewParcel();
          const OH_IPC_MessageOption option = {OH_IPC_REQUEST_MODE_SYNC,
                                               timeout_s, nullptr};
          const auto start = std::chrono::steady_clock::now();
          rc_ = OH_IPCRemoteProxy_SendRequest(proxy, kHang, data.get(),
                                              reply.get(), &option);
          took_ = std::chrono::steady_clock::now() - start;
        }) {}
  ~HangingCall() {
    if (thread_.joinable()) thread_.join();
  }

  // The system call the caller blocks in once it waits for its reply:
  // recvfrom, or poll/ppoll; -1 if it is in neither within 10 s.
  long Wait() {
    for (int i = 0; i < 10000; ++i) {
      const pid_t tid = tid_.load();
      const long call = tid > 0 ? ncp::testing::BlockedSyscall(tid) : -1;
      if (call == SYS_recvfrom || IsPoll(call)) return call;
      struct timespec ms = {0, 1000000};
      nanosleep(&ms, nullptr);
    }
    return -1;
  }
  // Joins the caller: its result and how long the call took.
  int Result(std::chrono::steady_clock::duration* took) {
    thread_.join();
    *took = took_;
    return rc_;
  }
  static bool IsPoll(long call) {
#ifdef SYS_poll
    if (call == SYS_poll) return true;
#endif
    return call == SYS_ppoll;
  }

 private:
  std::atomic<pid_t> tid_{0};
  int rc_ = -1;
  std::chrono::steady_clock::duration took_{};
  std::thread thread_;
};

// With one connection in the process, a caller waits in recvfrom on the
// socket itself (no poll), and the call's own timeout still holds: the
// socket's receive timeout follows it, here from the default 30 s of the
// call before (see Echo) to 1 s.
TEST_F(PeerFixture, ASoleConnectionsCallerWaitsInItsReadWithItsTimeout) {
  ASSERT_EQ(Echo(), 0);
  HangingCall call(proxy_, 1);
  EXPECT_EQ(call.Wait(), SYS_recvfrom);
  std::chrono::steady_clock::duration took;
  EXPECT_EQ(call.Result(&took), OH_IPC_INNER_ERROR);
  // Deadlines are kept in whole milliseconds (NowMs): the call may end up
  // to 1 ms before a nanosecond clock says 1 s has passed.
  EXPECT_GE(took, std::chrono::milliseconds(999));
  EXPECT_LT(took, seconds(10));
  ASSERT_EQ(Echo(), 0);
}

// A caller blocked in recvfrom learns of the peer's death at once.
TEST_F(PeerFixture, ACallerBlockedInItsReadSeesThePeerDie) {
  ASSERT_EQ(Echo(), 0);  // see Echo
  HangingCall call(proxy_, 30);
  ASSERT_EQ(call.Wait(), SYS_recvfrom);
  peer_->Kill();
  std::chrono::steady_clock::duration took;
  EXPECT_EQ(call.Result(&took), OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_LT(took, seconds(10));
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy_), 1);
}

// With two connections a request of the caller's chain could come on the
// other one (and be handed over through its mailbox): the caller polls
// its socket and its wake-up fd.
TEST_F(PeerFixture, WithASecondConnectionACallerPolls) {
  PeerProcess other({"serve"});
  OHIPCRemoteProxy* other_proxy = AdoptSecondPeer(&other);
  ASSERT_NE(other_proxy, nullptr);
  {
    HangingCall call(proxy_, 1);
    EXPECT_TRUE(HangingCall::IsPoll(call.Wait()));
    std::chrono::steady_clock::duration took;
    EXPECT_EQ(call.Result(&took), OH_IPC_INNER_ERROR);
  }
  OH_IPCRemoteProxy_Destroy(other_proxy);
  other.Kill();
}

TEST_F(PeerFixture, ProxyForwardedToThirdProcessIsRelayed) {
  PeerProcess other({"serve"});
  OHIPCRemoteProxy* other_proxy = AdoptSecondPeer(&other);
  ASSERT_NE(other_proxy, nullptr);
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  OH_IPCParcel_WriteRemoteProxy(data.get(), other_proxy);
  OH_IPCParcel_WriteInt32(data.get(), 77);
  ASSERT_EQ(Call(kForward, data.get(), reply.get()), 0);
  int32_t rc = -1, echoed = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &rc), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &echoed), 0);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(echoed, 77);
  EXPECT_STREQ(OH_IPCParcel_ReadString(reply.get()), kPeerDescriptor);
  OH_IPCRemoteProxy_Destroy(other_proxy);
}

TEST(CrossProcessTest, NestedReentrantCallsWithOneWorkerThread) {
  ASSERT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(1), 0);
  PeerProcess peer({"serve"}, {"NCP_TEST_MAX_THREADS=1"});
  ParentState st;
  st.self =
      OH_IPCRemoteStub_Create("ncp.test.Parent", ParentHandler, nullptr, &st);
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(peer.TakeFd(), nullptr, &proxy), 0);
  for (int depth : {0, 1, 5}) {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteRemoteStub(data.get(), st.self);
    OH_IPCParcel_WriteInt32(data.get(), depth);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kNested, data.get(),
                                            reply.get(), &kSync),
              0)
        << depth;
    int32_t v = -1;
    ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0);
    EXPECT_EQ(v, 2 * depth + 1);
  }
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCRemoteStub_Destroy(st.self);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  ASSERT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(16), 0);
}

// The exact flow of libchild_process.so: the parent adopts its end with a
// registrar stub; the child adopts the other end, gets the registrar proxy
// and sends its own stub to it one-way; the parent's registrar handler (on
// an IPC worker) keeps the proxy, which is then used from the main thread.
struct Registrar {
  std::mutex mu;
  std::condition_variable cv;
  OHIPCRemoteProxy* child = nullptr;
  bool on_main_thread = true;
  pthread_t main_thread;
  // run_after_reply: the peer reports its reply (code 2, "child-sync").
  bool sync = false;
  pthread_t handler_thread;
  bool second_refused = false;
  bool peer_has_reply = false;
  bool after_ran = false;
  bool after_on_handler_thread = false;
  bool after_saw_reply = false;
};

// Runs after the registrar's reply: in "child-sync" mode the peer tells
// (code 2, served by another worker) that its call returned, which it
// could not if the reply waited for this.
void AfterRegistrarReply(void* user) {
  Registrar* reg = static_cast<Registrar*>(user);
  std::unique_lock<std::mutex> l(reg->mu);
  reg->after_on_handler_thread =
      pthread_equal(pthread_self(), reg->handler_thread);
  reg->after_saw_reply = !reg->sync || reg->cv.wait_for(l, seconds(10), [&] {
    return reg->peer_has_reply;
  });
  reg->after_ran = true;
  reg->cv.notify_all();
}

int RegistrarHandler(uint32_t code, const OHIPCParcel* data, OHIPCParcel*,
                     void* user) {
  Registrar* reg = static_cast<Registrar*>(user);
  if (code == 2) {
    std::lock_guard<std::mutex> l(reg->mu);
    reg->peer_has_reply = true;
    reg->cv.notify_all();
    return 0;
  }
  OHIPCRemoteProxy* p = OH_IPCParcel_ReadRemoteProxy(data);
  const Bridge* bridge = GetBridge();
  std::lock_guard<std::mutex> l(reg->mu);
  reg->handler_thread = pthread_self();
  if (bridge->run_after_reply(&AfterRegistrarReply, reg)) {
    reg->second_refused = !bridge->run_after_reply(&AfterRegistrarReply, reg);
  }
  reg->child = p;
  reg->on_main_thread = pthread_equal(pthread_self(), reg->main_thread);
  reg->cv.notify_all();
  return 0;
}

// `mode`: the peer adopts its end lazily (kAdoptLazily: no
// worker until its first request) and sends its stub one-way ("child") or
// with a sync request as the real child does ("child-sync"); its pool then
// serves the calls below.
void BridgeFlow(const char* mode) {
  const Bridge* bridge = GetBridge();
  ASSERT_NE(bridge, nullptr);
  Registrar reg;
  reg.main_thread = pthread_self();
  reg.sync = std::string(mode) == "child-sync";
  OHIPCRemoteStub* registrar =
      OH_IPCRemoteStub_Create("ncp.registrar", RegistrarHandler, nullptr, &reg);
  PeerProcess child({mode});
  ASSERT_GT(child.pid(), 0);
  ASSERT_EQ(bridge->adopt_connection(child.TakeFd(), registrar, nullptr), 0);
  {
    std::unique_lock<std::mutex> l(reg.mu);
    ASSERT_TRUE(
        reg.cv.wait_for(l, seconds(20), [&] { return reg.child != nullptr; }));
    EXPECT_FALSE(reg.on_main_thread);
    // What the handler asked to run after its reply ran, on its thread,
    // after the peer had the reply; a second request was refused.
    ASSERT_TRUE(reg.cv.wait_for(l, seconds(20), [&] { return reg.after_ran; }));
    EXPECT_TRUE(reg.after_on_handler_thread);
    EXPECT_TRUE(reg.after_saw_reply);
    EXPECT_TRUE(reg.second_refused);
  }
  OHIPCRemoteProxy* proxy = reg.child;
  EXPECT_EQ(bridge->proxy_peer_pid(proxy), child.pid());
  char* desc = nullptr;
  int32_t len = 0;
  ASSERT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, &desc, &len,
                                                     MallocAllocator),
            0);
  EXPECT_STREQ(desc, kPeerDescriptor);
  free(desc);
  // Used from another thread too.
  std::thread([&] {
    ParcelPtr d = NewParcel();
    ParcelPtr r = NewParcel();
    OH_IPCParcel_WriteInt32(d.get(), 579);
    EXPECT_EQ(
        OH_IPCRemoteProxy_SendRequest(proxy, kEcho, d.get(), r.get(), &kSync),
        0);
    int32_t v = 0;
    EXPECT_EQ(OH_IPCParcel_ReadInt32(r.get(), &v), 0);
    EXPECT_EQ(v, 579);
    EXPECT_EQ(
        OH_IPCRemoteProxy_SendRequest(proxy, kEcho, d.get(), nullptr, &kAsync),
        0);
  }).join();
  DeathState ds;
  ds.main_thread = pthread_self();
  OHIPCDeathRecipient* r = OH_IPCDeathRecipient_Create(OnDeath, nullptr, &ds);
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy, r), 0);
  child.Kill();
  {
    std::unique_lock<std::mutex> l(ds.mu);
    ASSERT_TRUE(ds.cv.wait_for(l, seconds(20), [&] { return ds.deaths > 0; }));
  }
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy), 1);
  ParcelPtr d = NewParcel();
  ParcelPtr rp = NewParcel();
  EXPECT_EQ(
      OH_IPCRemoteProxy_SendRequest(proxy, kEcho, d.get(), rp.get(), &kSync),
      OH_IPC_DEAD_REMOTE_OBJECT);
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCDeathRecipient_Destroy(r);
  OH_IPCRemoteStub_Destroy(registrar);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  std::lock_guard<std::mutex> l(ds.mu);
  EXPECT_EQ(ds.deaths, 1);
}

// A lazily adopted child starts its worker pool once its first sync call
// has its reply (so that, on a busy CPU, the thread creation does not come
// before the reply). A request of another call chain that reaches it while
// it waits still gets served: the child starts its pool for it.
struct OtherChainCall {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = -1;
  int32_t echoed = 0;
};

int CallFromAnotherThread(uint32_t code, const OHIPCParcel* data, OHIPCParcel*,
                          void* user_data) {
  // The child follows its call (code 1) with a one-way note (code 2) once
  // the call has returned; the note carries nothing to record, and reading
  // it as a call would overwrite the result the test is about to check.
  if (code != 1) return 0;
  auto* call = static_cast<OtherChainCall*>(user_data);
  OHIPCRemoteProxy* child = OH_IPCParcel_ReadRemoteProxy(data);
  int rc = -1;
  int32_t echoed = 0;
  std::thread([&] {
    ParcelPtr d = NewParcel();
    ParcelPtr r = NewParcel();
    OH_IPCParcel_WriteInt32(d.get(), 246);
    const OH_IPC_MessageOption ten_seconds = {OH_IPC_REQUEST_MODE_SYNC, 10,
                                              nullptr};
    rc = OH_IPCRemoteProxy_SendRequest(child, kEcho, d.get(), r.get(),
                                       &ten_seconds);
    OH_IPCParcel_ReadInt32(r.get(), &echoed);
  }).join();
  OH_IPCRemoteProxy_Destroy(child);
  std::lock_guard<std::mutex> l(call->mu);
  call->done = true;
  call->rc = rc;
  call->echoed = echoed;
  call->cv.notify_all();
  return 0;
}

TEST(CrossProcessTest, ALazyChildWaitingForItsFirstReplyServesOtherChains) {
  OtherChainCall call;
  OHIPCRemoteStub* registrar = OH_IPCRemoteStub_Create(
      "ncp.registrar", CallFromAnotherThread, nullptr, &call);
  PeerProcess child({"child-sync"});
  ASSERT_GT(child.pid(), 0);
  ASSERT_EQ(GetBridge()->adopt_connection(child.TakeFd(), registrar, nullptr),
            0);
  {
    std::unique_lock<std::mutex> l(call.mu);
    ASSERT_TRUE(call.cv.wait_for(l, seconds(20), [&] { return call.done; }));
    EXPECT_EQ(call.rc, OH_IPC_SUCCESS);
    EXPECT_EQ(call.echoed, 246);
  }
  child.Kill();
  OH_IPCRemoteStub_Destroy(registrar);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

TEST(CrossProcessTest, BridgeFlowOfChildProcessLibrary) { BridgeFlow("child"); }

TEST(CrossProcessTest, BridgeFlowWithASyncFirstRequest) {
  BridgeFlow("child-sync");
}

using ::ncp::testing::EpollEventsOf;

// How the kernel has the connection's socket registered: for the peer's
// input (EPOLLIN) or not. Either way still enabled for what epoll reports
// whatever the mask (EPOLL_CTL_MOD adds EPOLLHUP and EPOLLERR; a fired
// one-shot registration has neither), so the peer's end is always seen.
void ExpectWatchedForInput(int sock, bool input) {
  const int64_t events = EpollEventsOf(sock);
  ASSERT_GE(events, 0) << "the socket is in no (or several) epoll sets";
  EXPECT_EQ((events & EPOLLIN) != 0, input) << std::hex << events;
  EXPECT_NE(events & EPOLLHUP, 0) << std::hex << events;
}

using ::ncp::testing::ThreadsBlockedIn;
using ::ncp::testing::ThreadsBlockedInWith;

// Whether `sock` is read for the pool: registered for input, or a library
// thread of this process waits in recvfrom on it (a worker lingering after
// serving on the sole connection: runtime.h, Connection::Linger).
bool ReadForThePool(int sock) {
  const int64_t events = EpollEventsOf(sock);
  return (events >= 0 && (events & EPOLLIN) != 0) ||
         ThreadsBlockedIn(0, "ncp-ipc", SYS_recvfrom, sock) > 0;
}

using ::ncp::testing::Eventually;

// A connection that offers the peer nothing (no root, nothing sent) is
// left in the epoll set for EOF and errors only: its callers read their own
// replies. Once the peer holds a stub of ours, the pool watches the socket
// for the peer's requests, and stops when the peer lets the stub go.
TEST(CrossProcessTest,
     AConnectionOfferingNothingIsNotWatchedForInputBetweenCalls) {
  PeerProcess peer({"serve"});
  ASSERT_GT(peer.pid(), 0);
  const int sock = peer.TakeFd();  // adopt_connection keeps this fd
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(sock, nullptr, &proxy), 0);
  for (int i = 0; i < 3; ++i) {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteInt32(data.get(), 60 + i);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(),
                                            reply.get(), &kSync),
              0);
    int32_t v = 0;
    ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0);
    EXPECT_EQ(v, 60 + i);
  }
  ExpectWatchedForInput(sock, false);

  // The peer keeps a proxy of a stub of ours: it may call it at any time.
  ParentState st;
  st.self = OH_IPCRemoteStub_Create("ncp.test.Parent", ParentHandler,
                                    CountDestroyed<ParentState>, &st);
  ASSERT_NE(st.self, nullptr);
  {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteRemoteStub(data.get(), st.self);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kKeep, data.get(),
                                            reply.get(), &kSync),
              0);
  }
  ExpectWatchedForInput(sock, true);
  // And it does, in a call chain of its own (a one-way request starts
  // none), while this process makes no call: only the pool can read it.
  {
    ParcelPtr data = NewParcel();
    OH_IPCParcel_WriteInt32(data.get(), kParentPinged);
    OH_IPCParcel_WriteInt32(data.get(), 7);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kCallKept, data.get(),
                                            nullptr, &kAsync),
              0);
    std::unique_lock<std::mutex> l(st.mu);
    ASSERT_TRUE(st.cv.wait_for(l, seconds(20), [&] { return st.pinged == 7; }));
  }
  // The peer lets the stub go (its release precedes the reply): nothing is
  // offered any more, and the watch for input ends.
  ASSERT_EQ(CallEmpty(proxy, kDropKept), 0);
  ExpectWatchedForInput(sock, false);
  // Released remotely: our handle is the last one (the worker that served
  // the ping may still hold the stub for a moment after its reply).
  OH_IPCRemoteStub_Destroy(st.self);
  EXPECT_TRUE(WaitDestroyed(&st, 1));
  OH_IPCRemoteProxy_Destroy(proxy);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

// The death of a peer behind a connection that is not watched for input
// still reaches the death recipients without any call: EOF comes through
// the empty-mask registration (EPOLLHUP).
TEST(CrossProcessTest, APeerThatDiesIsSeenWithoutAWatch) {
  PeerProcess peer({"serve"});
  ASSERT_GT(peer.pid(), 0);
  const int sock = peer.TakeFd();
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(sock, nullptr, &proxy), 0);
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  OH_IPCParcel_WriteInt32(data.get(), 5);
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(), reply.get(),
                                          &kSync),
            0);
  ExpectWatchedForInput(sock, false);
  DeathState ds;
  ds.main_thread = pthread_self();
  OHIPCDeathRecipient* r = OH_IPCDeathRecipient_Create(OnDeath, nullptr, &ds);
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy, r), 0);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy), 0);
  peer.Kill();  // SIGKILL + reap
  {
    std::unique_lock<std::mutex> l(ds.mu);
    ASSERT_TRUE(ds.cv.wait_for(l, seconds(20), [&] { return ds.deaths > 0; }));
    EXPECT_FALSE(ds.on_main_thread);
  }
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy), 1);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(), reply.get(),
                                          &kSync),
            OH_IPC_DEAD_REMOTE_OBJECT);
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCDeathRecipient_Destroy(r);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  std::lock_guard<std::mutex> l(ds.mu);
  EXPECT_EQ(ds.deaths, 1);
}

// This process offers peer B nothing, but holds a proxy that B relays from
// a third process C. When C dies, only B sees it (B stays alive): B's DEAD
// NOTICE is the only way the news can arrive, and nothing here calls B in
// the meantime, so only the pool can read it, which it does because a held
// relayed proxy keeps the socket watched for input. Were relayed proxies
// not counted (`relayed_imports_`), the socket would have an empty mask,
// the notice would stay unread, and the wait below would time out.
TEST(CrossProcessTest, ARelayedProxysDeathReachesAProcessThatOffersNothing) {
  PeerProcess b({"serve"});
  PeerProcess c({"serve"});
  ASSERT_GT(b.pid(), 0);
  ASSERT_GT(c.pid(), 0);
  const int sock = b.TakeFd();
  OHIPCRemoteProxy* b_proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(sock, nullptr, &b_proxy), 0);
  // B gets the other end of C's socket, adopts it and sends us C's root.
  OHIPCRemoteProxy* relayed = nullptr;
  {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    const int c_end = c.TakeFd();
    ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), c_end), 0);
    close(c_end);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(b_proxy, kAdoptPeer, data.get(),
                                            reply.get(), &kSync),
              0);
    relayed = OH_IPCParcel_ReadRemoteProxy(reply.get());
    ASSERT_NE(relayed, nullptr);
  }
  // It is C's root, reached through B.
  EXPECT_EQ(GetBridge()->proxy_peer_pid(relayed), b.pid());
  {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(relayed, kWhoAmI, data.get(),
                                            reply.get(), &kSync),
              0);
    int64_t pid = 0;
    ASSERT_EQ(OH_IPCParcel_ReadInt64(reply.get(), &pid), 0);
    EXPECT_EQ(pid, c.pid());
  }
  ExpectWatchedForInput(sock, true);
  DeathState relayed_death;
  relayed_death.main_thread = pthread_self();
  DeathState b_death;
  b_death.main_thread = pthread_self();
  OHIPCDeathRecipient* r1 =
      OH_IPCDeathRecipient_Create(OnDeath, nullptr, &relayed_death);
  OHIPCDeathRecipient* r2 =
      OH_IPCDeathRecipient_Create(OnDeath, nullptr, &b_death);
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(relayed, r1), 0);
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(b_proxy, r2), 0);
  c.Kill();  // SIGKILL + reap; B stays alive
  {
    // No IPC while waiting.
    std::unique_lock<std::mutex> l(relayed_death.mu);
    ASSERT_TRUE(relayed_death.cv.wait_for(
        l, seconds(20), [&] { return relayed_death.deaths > 0; }));
    EXPECT_FALSE(relayed_death.on_main_thread);
  }
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(relayed), 1);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(b_proxy), 0);
  {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(relayed, kEcho, data.get(),
                                            reply.get(), &kSync),
              OH_IPC_DEAD_REMOTE_OBJECT);
    OH_IPCParcel_WriteInt32(data.get(), 9);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(b_proxy, kEcho, data.get(),
                                            reply.get(), &kSync),
              0);
    int32_t v = 0;
    ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0);
    EXPECT_EQ(v, 9);
  }
  {
    std::lock_guard<std::mutex> l(b_death.mu);
    EXPECT_EQ(b_death.deaths, 0);
  }
  OH_IPCRemoteProxy_Destroy(relayed);
  OH_IPCRemoteProxy_Destroy(b_proxy);
  b.Kill();
  OH_IPCDeathRecipient_Destroy(r1);
  OH_IPCDeathRecipient_Destroy(r2);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  std::lock_guard<std::mutex> l(relayed_death.mu);
  EXPECT_EQ(relayed_death.deaths, 1);
}

// Reads exactly `len` bytes from `fd` within `timeout_ms` (poll + read; no
// IPC). False on timeout, EOF or error.
bool ReadWithin(int fd, void* buf, size_t len, int timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char* p = static_cast<char*>(buf);
  while (len > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left < 0) return false;
    pollfd pfd = {fd, POLLIN, 0};
    const int n = poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const ssize_t r = read(fd, p, len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    len -= r;
  }
  return true;
}

// A root that serves one request: its handler retires it.
struct RetiringRoot {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  bool retired = false;  // retire_root() returned true in the handler
  int destroyed = 0;
};

int RetiringRootHandler(uint32_t code, const OHIPCParcel*, OHIPCParcel* reply,
                        void* user) {
  RetiringRoot* st = static_cast<RetiringRoot*>(user);
  const bool retired = GetBridge()->retire_root();
  std::lock_guard<std::mutex> l(st->mu);
  ++st->calls;
  st->retired = retired;
  if (code != kParentAnswer) return 1909998;
  return OH_IPCParcel_WriteInt32(reply, 4242);
}

// retire_root from a root's handler: that request is answered normally,
// later ones get OH_IPC_DEAD_REMOTE_OBJECT, and the connection no longer
// holds the root. The peer calls in call chains of its own (started by a
// one-way request) and reports through a pipe, so this process makes no
// call that would read the socket for the pool.
TEST(CrossProcessTest, RetireRootEndsTheRootAfterItsRequest) {
  const Bridge* bridge = GetBridge();
  ASSERT_NE(bridge, nullptr);
  EXPECT_FALSE(bridge->retire_root());  // not in a handler
  RetiringRoot st;
  OHIPCRemoteStub* root =
      OH_IPCRemoteStub_Create("ncp.test.Retiring", RetiringRootHandler,
                              CountDestroyed<RetiringRoot>, &st);
  ASSERT_NE(root, nullptr);
  PeerProcess peer({"serve"});
  ASSERT_GT(peer.pid(), 0);
  OHIPCRemoteProxy* proxy = nullptr;
  const int sock = peer.TakeFd();
  ASSERT_EQ(bridge->adopt_connection(sock, root, &proxy), 0);
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  // Three calls: the second comes while the socket is still registered for
  // input from before the root was retired; the third comes after that
  // registration has been used up, so it is answered only if the connection
  // keeps reading requests to a retired root.
  constexpr int kCalls = 3;
  {
    ParcelPtr data = NewParcel();
    ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), pipefd[1]), 0);
    close(pipefd[1]);
    OH_IPCParcel_WriteInt32(data.get(), kCalls);
    OH_IPCParcel_WriteInt32(data.get(), 5);  // the peer's timeout, seconds
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kCallRoot, data.get(),
                                            nullptr, &kAsync),
              0);
  }
  for (int i = 0; i < kCalls; ++i) {
    int32_t result[2] = {-1, -1};  // rc, first int of the reply
    ASSERT_TRUE(ReadWithin(pipefd[0], result, sizeof(result), 30000))
        << "call " << i;
    if (i == 0) {
      EXPECT_EQ(result[0], 0);
      EXPECT_EQ(result[1], 4242);
    } else {
      EXPECT_EQ(result[0], OH_IPC_DEAD_REMOTE_OBJECT) << "call " << i;
    }
  }
  close(pipefd[0]);
  {
    std::lock_guard<std::mutex> l(st.mu);
    EXPECT_EQ(st.calls, 1);
    EXPECT_TRUE(st.retired);
    EXPECT_EQ(st.destroyed, 0);
  }
  // The peer still holds its proxy of the retired root: the socket stays
  // read for the pool (the worker that served the peer's calls may linger
  // on it). Once the peer has released it (the release comes before the
  // reply), nothing more can come unasked: only EOF is watched.
  EXPECT_TRUE(Eventually([&] { return ReadForThePool(sock); }));
  ASSERT_EQ(CallEmpty(proxy, kDropRoot), 0);
  ExpectWatchedForInput(sock, false);
  // The connection dropped its reference: ours is the last, though the
  // peer is alive and still connected (the worker that served the first
  // request may still hold the stub for a moment after its reply).
  OH_IPCRemoteStub_Destroy(root);
  EXPECT_TRUE(WaitDestroyed(&st, 1));
  ParcelPtr data = NewParcel();
  ParcelPtr reply = NewParcel();
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(), reply.get(),
                                          &kSync),
            0);
  EXPECT_FALSE(bridge->retire_root());
  OH_IPCRemoteProxy_Destroy(proxy);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

int AnsweringRoot(uint32_t code, const OHIPCParcel*, OHIPCParcel* reply,
                  void*) {
  if (code != kParentAnswer) return 1909998;
  return OH_IPCParcel_WriteInt32(reply, 4242);
}

// Asks `proxy`'s process (one-way kCallRoot) to call the root this process
// offers it `n` times, and checks each call's result through a pipe.
void PeerCallsOurRoot(OHIPCRemoteProxy* proxy, int n) {
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  ParcelPtr data = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), pipefd[1]), 0);
  close(pipefd[1]);
  OH_IPCParcel_WriteInt32(data.get(), n);
  OH_IPCParcel_WriteInt32(data.get(), 10);  // the peer's timeout, seconds
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kCallRoot, data.get(), nullptr,
                                          &kAsync),
            0);
  for (int i = 0; i < n; ++i) {
    int32_t result[2] = {-1, -1};  // rc, first int of the reply
    ASSERT_TRUE(ReadWithin(pipefd[0], result, sizeof(result), 30000));
    EXPECT_EQ(result[0], 0) << "call " << i;
    EXPECT_EQ(result[1], 4242) << "call " << i;
  }
  close(pipefd[0]);
}

// Connects `peer` to this process, which offers it `root`, and has it call
// that root twice: the worker that served the calls then lingers on the
// connection (one ncp-ipc thread in recvfrom on it, another in epoll_wait).
// Sets the socket and the peer's root proxy.
void ConnectAndLinger(PeerProcess& peer, OHIPCRemoteStub* root, int* sock,
                      OHIPCRemoteProxy** proxy) {
  ASSERT_GT(peer.pid(), 0);
  *sock = peer.TakeFd();
  ASSERT_EQ(GetBridge()->adopt_connection(*sock, root, proxy), 0);
  PeerCallsOurRoot(*proxy, 2);
  ASSERT_TRUE(Eventually([&] {
    return ThreadsBlockedIn(0, "ncp-ipc", SYS_recvfrom, *sock) == 1 &&
           ThreadsBlockedIn(0, "ncp-ipc", SYS_epoll_wait) >= 1;
  }));
}

// A pool worker that has served a request on the process's only
// connection keeps reading that socket, blocked in recvfrom, with the
// socket's epoll registration disabled (so the next request cannot wake
// another worker), while another worker waits in epoll_wait for the rest:
// a second connection's requests are served meanwhile. Once a call of this
// process has had to take its reply from the lingering worker, workers no
// longer linger on that connection: the pool reads it through epoll again.
TEST(CrossProcessTest, AWorkerLingersOnTheSoleConnectionUntilThisProcessCalls) {
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  OHIPCRemoteStub* root = OH_IPCRemoteStub_Create(
      "ncp.test.Answering", AnsweringRoot, nullptr, nullptr);
  ASSERT_NE(root, nullptr);
  PeerProcess peer({"serve"});
  int sock = -1;
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_NO_FATAL_FAILURE(ConnectAndLinger(peer, root, &sock, &proxy));
  ExpectWatchedForInput(sock, false);

  // A second connection, whose peer calls us too: served by the worker in
  // epoll_wait while the first one lingers.
  PeerProcess other({"serve"});
  ASSERT_GT(other.pid(), 0);
  OHIPCRemoteProxy* other_proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(other.TakeFd(), root, &other_proxy),
            0);
  PeerCallsOurRoot(other_proxy, 1);
  EXPECT_EQ(ThreadsBlockedIn(0, "ncp-ipc", SYS_recvfrom, sock), 1);

  // This process calls on the first connection: the lingering worker reads
  // the reply and hands it over.
  {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteInt32(data.get(), 515);
    ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(),
                                            reply.get(), &kSync),
              0);
    int32_t v = 0;
    ASSERT_EQ(OH_IPCParcel_ReadInt32(reply.get(), &v), 0);
    EXPECT_EQ(v, 515);
  }
  OH_IPCRemoteProxy_Destroy(other_proxy);
  other.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(1, 20000));
  // The only connection again, served again: no worker lingers on it now.
  PeerCallsOurRoot(proxy, 2);
  EXPECT_TRUE(Eventually([&] {
    const int64_t events = EpollEventsOf(sock);
    return events >= 0 && (events & EPOLLIN) != 0 &&
           ThreadsBlockedIn(0, "ncp-ipc", SYS_recvfrom, sock) == 0;
  }));
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCRemoteStub_Destroy(root);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

// What a lingering worker's handler costs the other requests on its
// connection: it runs with the socket neither read nor armed (no epoll_ctl
// pair per request), and the pool's idle worker, which then waits in
// epoll_wait with a tick of kArmTickMs, arms the socket once that handler
// has run for a tick. So a handler that waits for another request on the
// same connection still gets it (within two ticks), and once nothing is
// served unarmed for a while the idle worker waits without a tick again.
struct BlockingRootState {
  std::mutex mu;
  std::condition_variable cv;
  bool block_first = false;
  int entered = 0;
  bool second_seen = false;
};

int BlockingRoot(uint32_t code, const OHIPCParcel*, OHIPCParcel* reply,
                 void* user_data) {
  auto* st = static_cast<BlockingRootState*>(user_data);
  if (code != kParentAnswer) return 1909998;
  std::unique_lock<std::mutex> l(st->mu);
  const int me = ++st->entered;
  st->cv.notify_all();
  if (st->block_first && me == 1) {
    // Blocks until the second request arrives on this connection.
    if (!st->cv.wait_for(l, seconds(20), [&] { return st->second_seen; })) {
      return OH_IPCParcel_WriteInt32(reply, -1);
    }
  } else if (st->block_first && me == 2) {
    st->second_seen = true;
    st->cv.notify_all();
  }
  return OH_IPCParcel_WriteInt32(reply, 4242);
}

// Sends `proxy`'s process a one-way kCallRoot for one call; returns the
// pipe its result comes through (-1 on failure).
int PeerCallsOurRootOnce(OHIPCRemoteProxy* proxy) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  ParcelPtr data = NewParcel();
  OH_IPCParcel_WriteFileDescriptor(data.get(), pipefd[1]);
  close(pipefd[1]);
  OH_IPCParcel_WriteInt32(data.get(), 1);
  OH_IPCParcel_WriteInt32(data.get(), 30);  // the peer's timeout, seconds
  if (OH_IPCRemoteProxy_SendRequest(proxy, kCallRoot, data.get(), nullptr,
                                    &kAsync) != 0) {
    close(pipefd[0]);
    return -1;
  }
  return pipefd[0];
}

TEST(CrossProcessTest,
     ALingeringWorkersBlockedHandlerHoldsUpItsSocketATickAtMost) {
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
  BlockingRootState st;
  OHIPCRemoteStub* root =
      OH_IPCRemoteStub_Create("ncp.test.Blocking", BlockingRoot, nullptr, &st);
  ASSERT_NE(root, nullptr);
  PeerProcess peer({"serve"});
  int sock = -1;
  OHIPCRemoteProxy* proxy = nullptr;
  // Served on the sole connection: a worker lingers on it.
  ASSERT_NO_FATAL_FAILURE(ConnectAndLinger(peer, root, &sock, &proxy));
  {
    std::lock_guard<std::mutex> l(st.mu);
    st.block_first = true;
    st.entered = 0;
  }
  const int first = PeerCallsOurRootOnce(proxy);
  ASSERT_GE(first, 0);
  {
    std::unique_lock<std::mutex> l(st.mu);
    ASSERT_TRUE(
        st.cv.wait_for(l, seconds(20), [&] { return st.entered == 1; }));
  }
  // The lingering worker is in the handler; an idle worker ticks, and arms
  // the socket for input as the handler goes on.
  EXPECT_TRUE(Eventually([&] {
    return ThreadsBlockedInWith(0, "ncp-ipc", SYS_epoll_wait, 3, kArmTickMs) >=
           1;
  }));
  EXPECT_TRUE(Eventually([&] {
    const int64_t events = EpollEventsOf(sock);
    return events >= 0 && (events & EPOLLIN) != 0;
  }));
  // A second request on the same connection reaches the pool while the
  // first handler still blocks, which it waits for.
  const int second = PeerCallsOurRootOnce(proxy);
  ASSERT_GE(second, 0);
  for (int fd : {second, first}) {
    int32_t result[2] = {-1, -1};  // rc, first int of the reply
    ASSERT_TRUE(ReadWithin(fd, result, sizeof(result), 60000));
    EXPECT_EQ(result[0], 0);
    EXPECT_EQ(result[1], 4242) << (fd == first ? "first" : "second");
    close(fd);
  }
  // Nothing served for a while: no worker waits with a tick any more.
  EXPECT_TRUE(Eventually([&] {
    return ThreadsBlockedInWith(0, "ncp-ipc", SYS_epoll_wait, 3, kArmTickMs) ==
               0 &&
           ThreadsBlockedIn(0, "ncp-ipc", SYS_epoll_wait) >= 1;
  }));
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCRemoteStub_Destroy(root);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

// The other side: a process that only serves (a Create child) reads its
// only socket directly between requests, one worker in recvfrom, another in
// epoll_wait.
TEST(CrossProcessTest, AServingPeerReadsItsOnlySocketBetweenRequests) {
  PeerProcess peer({"serve"});
  ASSERT_GT(peer.pid(), 0);
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(peer.TakeFd(), nullptr, &proxy), 0);
  int i = 0;
  auto echo = [&] {
    ParcelPtr data = NewParcel();
    ParcelPtr reply = NewParcel();
    OH_IPCParcel_WriteInt32(data.get(), 30 + i);
    int32_t v = 0;
    const bool ok = OH_IPCRemoteProxy_SendRequest(proxy, kEcho, data.get(),
                                                  reply.get(), &kSync) == 0 &&
                    OH_IPCParcel_ReadInt32(reply.get(), &v) == 0 && v == 30 + i;
    ++i;
    return ok;
  };
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(echo());
  // A worker lingers after a request once the peer's spare worker waits in
  // epoll_wait: three quick calls can all come before the spare is there,
  // so one more per check.
  EXPECT_TRUE(Eventually([&] {
    if (ThreadsBlockedIn(peer.pid(), "ncp-ipc", SYS_recvfrom) == 1 &&
        ThreadsBlockedIn(peer.pid(), "ncp-ipc", SYS_epoll_wait) >= 1) {
      return true;
    }
    EXPECT_TRUE(echo());
    return false;
  }));
  OH_IPCRemoteProxy_Destroy(proxy);
  peer.Kill();
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

// A connection adopted lazily (a Create child's) sends its HELLO with its
// first message, in one datagram (wire.h: kFlagMessageFollows), so that the
// peer wakes once for both: the peer's end holds nothing until then, the
// HELLO comes first with the credentials, and the message's fds follow
// them in the same datagram.
TEST(LazyAdoptionTest, TheHelloWaitsForTheFirstMessageAndCarriesIt) {
  const int live_before = Connection::LiveCount();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  const int on = 1;
  ASSERT_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
  OHIPCRemoteProxy* peer_root = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection_with(sv[0], nullptr, &peer_root,
                                               kAdoptLazily),
            OH_IPC_SUCCESS);
  char buf[wire::kMaxDatagram];
  EXPECT_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);

  int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(file, 0);
  struct stat sent;
  ASSERT_EQ(fstat(file, &sent), 0);
  ParcelPtr data = NewParcel();
  OH_IPCParcel_WriteInt32(data.get(), 7);
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data.get(), file), 0);
  close(file);
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(peer_root, kEcho, data.get(), nullptr,
                                          &kAsync),
            OH_IPC_SUCCESS);
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(4 * sizeof(int))];
  iovec iov = {buf, sizeof(buf)};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  ssize_t n = recvmsg(sv[1], &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  ASSERT_GE(n, static_cast<ssize_t>(2 * sizeof(wire::WireHeader)));
  EXPECT_EQ(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC), 0);
  wire::WireHeader h;
  memcpy(&h, buf, sizeof(h));
  EXPECT_EQ(h.type, wire::kHello);
  EXPECT_NE(h.flags & wire::kFlagMessageFollows, 0);
  memcpy(&h, buf + sizeof(h), sizeof(h));
  EXPECT_EQ(h.type, wire::kRequest);
  EXPECT_EQ(h.code, static_cast<uint32_t>(kEcho));
  EXPECT_NE(h.flags & wire::kFlagOneWay, 0);
  EXPECT_EQ(h.fd_count, 1u);
  // The credentials (this process: the kernel checked them) and the fd.
  bool creds = false;
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_type == SCM_CREDENTIALS) {
      ucred cr;
      memcpy(&cr, CMSG_DATA(c), sizeof(cr));
      creds = cr.pid == getpid();
    } else if (c->cmsg_type == SCM_RIGHTS) {
      for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); ++i) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
        fds.push_back(fd);
      }
    }
  }
  EXPECT_TRUE(creds);
  ASSERT_EQ(fds.size(), 1u);
  struct stat got;
  ASSERT_EQ(fstat(fds[0], &got), 0);
  EXPECT_EQ(got.st_ino, sent.st_ino);
  EXPECT_EQ(got.st_dev, sent.st_dev);
  close(fds[0]);
  // Nothing else: one HELLO.
  EXPECT_EQ(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1);

  OH_IPCRemoteProxy_Destroy(peer_root);
  close(sv[1]);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(live_before, 20000));
}

// As a peer on the raw socket `sock`: its HELLO (its credentials go along:
// the other end has SO_PASSCRED), then a sync request (code 1, `txn`) to
// the other end's root; returns once an answer can be read.
void SendHelloAndRequest(int sock, uint64_t txn) {
  wire::WireHeader hello{};
  hello.magic = wire::kMagic;
  hello.version = wire::kVersion;
  hello.type = wire::kHello;
  ASSERT_EQ(send(sock, &hello, sizeof(hello), 0),
            static_cast<ssize_t>(sizeof(hello)));
  wire::WireHeader request = hello;
  request.type = wire::kRequest;
  request.code = 1;
  request.txn_id = txn;
  ASSERT_EQ(send(sock, &request, sizeof(request), 0),
            static_cast<ssize_t>(sizeof(request)));
  pollfd p = {sock, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 20000), 1);
}

// The app's end of a Create channel (kAdoptDeferHello): its pool serves
// the child's report at once, and its HELLO waits for its first message,
// the reply, and goes in the same datagram.
// A lazily adopted connection is registered disarmed (its first sync caller
// reads it, no epoll_ctl on the way); a one-way first call arms it once
// sent, so that what the peer sends next is read. As the kernel shows it.
TEST(LazyAdoptionTest, AOneWayFirstCallArmsTheSocket) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  const int ours = sv[0];
  OHIPCRemoteProxy* peer_root = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection_with(ours, nullptr, &peer_root,
                                               kAdoptLazily | kAdoptOwnSocket),
            OH_IPC_SUCCESS);
  const int64_t before = ncp::testing::EpollEventsOf(ours);
  ASSERT_GE(before, 0);
  EXPECT_EQ(before & EPOLLIN, 0);
  ParcelPtr data = NewParcel();
  OH_IPCParcel_WriteInt32(data.get(), 7);
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(peer_root, kEcho, data.get(), nullptr,
                                          &kAsync),
            OH_IPC_SUCCESS);
  const int64_t after = ncp::testing::EpollEventsOf(ours);
  ASSERT_GE(after, 0);
  EXPECT_NE(after & EPOLLIN, 0);
  OH_IPCRemoteProxy_Destroy(peer_root);
  close(sv[1]);
}

TEST(LazyAdoptionTest, ADeferredHelloGoesWithTheReply) {
  const int live_before = Connection::LiveCount();
  OHIPCRemoteStub* root = OH_IPCRemoteStub_Create(
      "ncp.test.Deferred",
      [](uint32_t, const OHIPCParcel*, OHIPCParcel*, void*) { return 0; },
      nullptr, nullptr);
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_EQ(GetBridge()->adopt_connection_with(
                sv[0], root, nullptr, kAdoptDeferHello | kAdoptOwnSocket),
            OH_IPC_SUCCESS);
  char buf[wire::kMaxDatagram];
  EXPECT_EQ(recv(sv[1], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_NO_FATAL_FAILURE(SendHelloAndRequest(sv[1], 77));
  ssize_t n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
  ASSERT_GE(n, static_cast<ssize_t>(2 * sizeof(wire::WireHeader)));
  wire::WireHeader h;
  memcpy(&h, buf, sizeof(h));
  EXPECT_EQ(h.type, wire::kHello);
  EXPECT_NE(h.flags & wire::kFlagMessageFollows, 0);
  EXPECT_NE(h.flags & wire::kFlagHasRoot, 0);
  memcpy(&h, buf + sizeof(h), sizeof(h));
  EXPECT_EQ(h.type, wire::kReply);
  EXPECT_EQ(h.txn_id, 77u);
  EXPECT_EQ(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
  close(sv[1]);
  OH_IPCRemoteStub_Destroy(root);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(live_before, 20000));
}

// The app's end of a Create channel also says kAdoptNeverLinger: the app
// calls the child through it, so the worker that served the report goes
// back to epoll_wait instead of reading the socket for the next request
// (which a plain end, checked alike, does).
TEST(LazyAdoptionTest, TheAppsEndOfACreateChannelNeverLingers) {
  for (const bool never : {true, false}) {
    SCOPED_TRACE(never ? "kAdoptNeverLinger" : "plain");
    ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
    OHIPCRemoteStub* root = OH_IPCRemoteStub_Create(
        "ncp.test.Registrar",
        [](uint32_t, const OHIPCParcel*, OHIPCParcel*, void*) { return 0; },
        nullptr, nullptr);
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(
        GetBridge()->adopt_connection_with(sv[0], root, nullptr,
                                           kAdoptDeferHello | kAdoptOwnSocket |
                                               (never ? kAdoptNeverLinger : 0)),
        OH_IPC_SUCCESS);
    // Answered: the HELLO and the reply.
    ASSERT_NO_FATAL_FAILURE(SendHelloAndRequest(sv[1], 5));
    char buf[wire::kMaxDatagram];
    ASSERT_GT(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
    if (never) {
      EXPECT_TRUE(Eventually([&] {
        const int64_t events = EpollEventsOf(sv[0]);
        return events >= 0 && (events & EPOLLIN) != 0 &&
               ThreadsBlockedIn(0, "ncp-ipc", SYS_recvfrom, sv[0]) == 0;
      }));
    } else {
      EXPECT_TRUE(Eventually([&] {
        return ThreadsBlockedIn(0, "ncp-ipc", SYS_recvfrom, sv[0]) == 1;
      }));
    }
    close(sv[1]);
    OH_IPCRemoteStub_Destroy(root);
  }
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(0, 20000));
}

// The receiving runtime takes that datagram apart: the HELLO (the peer's
// pid, from its credentials), then the request with its fd. The lazy side
// is a forked copy of this process (with a runtime of its own).
TEST(LazyAdoptionTest, ARuntimeReadsAHelloCarryingAMessageWithAnFd) {
  const int live_before = Connection::LiveCount();
  struct Seen {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    ino_t ino = 0;
  } seen;
  auto handler = [](uint32_t, const OHIPCParcel* data, OHIPCParcel*,
                    void* user) -> int {
    auto* s = static_cast<Seen*>(user);
    int32_t fd = -1;
    struct stat st {};
    if (OH_IPCParcel_ReadFileDescriptor(data, &fd) == 0 && fd >= 0) {
      fstat(fd, &st);
      close(fd);
    }
    std::lock_guard<std::mutex> l(s->mu);
    s->ino = st.st_ino;
    s->done = true;
    s->cv.notify_all();
    return 0;
  };
  OHIPCRemoteStub* root =
      OH_IPCRemoteStub_Create("ncp.test.Lazy", handler, nullptr, &seen);
  int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(file, 0);
  struct stat sent;
  ASSERT_EQ(fstat(file, &sent), 0);
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(sv[1]);
    const Bridge* b = FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
    OHIPCRemoteProxy* lazy_root = nullptr;
    if (b == nullptr || b->adopt_connection_with(sv[0], nullptr, &lazy_root,
                                                 kAdoptLazily) != 0) {
      _exit(2);
    }
    OHIPCParcel* d = OH_IPCParcel_Create();
    OHIPCParcel* r = OH_IPCParcel_Create();
    if (OH_IPCParcel_WriteFileDescriptor(d, file) != 0) _exit(3);
    _exit(OH_IPCRemoteProxy_SendRequest(lazy_root, 1, d, r, &kSync) == 0 ? 0
                                                                         : 4);
  }
  close(sv[0]);
  close(file);
  OHIPCRemoteProxy* served = nullptr;
  ASSERT_EQ(GetBridge()->adopt_connection(sv[1], root, &served), 0);
  {
    std::unique_lock<std::mutex> l(seen.mu);
    ASSERT_TRUE(seen.cv.wait_for(l, seconds(20), [&] { return seen.done; }));
    EXPECT_EQ(seen.ino, sent.st_ino);
  }
  EXPECT_EQ(GetBridge()->proxy_peer_pid(served), child);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  OH_IPCRemoteProxy_Destroy(served);
  OH_IPCRemoteStub_Destroy(root);
  ASSERT_TRUE(Connection::WaitLiveCountAtMost(live_before, 20000));
}

}  // namespace
}  // namespace ncp::ipc::testing
