// ipc_benchmark: SendRequest round trips next to raw socketpair ping-pongs
// between two processes, measured interleaved in one run
// (shared/notes/performance.md: every claim is a ratio against a baseline
// measured in the same run).
//
//   4 B:    OH_IPCRemoteProxy_SendRequest (int32 echoed by the peer's stub)
//           vs a raw SOCK_SEQPACKET ping-pong of 4 bytes;
//   200 KB: a 204,800-byte parcel echoed back (a sealed memfd each way)
//           vs a raw SOCK_STREAM ping-pong of 204,800 bytes.
//
// Usage: ipc_benchmark [iterations_small] [iterations_large]
// Run pinned (taskset -c 0) and unpinned.
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "ipc/bridge.h"
#include "ipc/testing/peer_process.h"
#include "ipc/testing/peer_protocol.h"

namespace {

using ncp::ipc::testing::PeerProcess;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

struct Stats {
  double min_us, median_us, p99_us;
};

Stats Summarize(std::vector<int64_t> ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * (ns.size() - 1));
    return ns[i] / 1000.0;
  };
  return {ns.front() / 1000.0, at(0.5), at(0.99)};
}

void Print(const char* name, const Stats& s) {
  printf("  %-34s min %9.2f  median %9.2f  p99 %9.2f us\n", name, s.min_us,
         s.median_us, s.p99_us);
}

bool RawSeqpacketRoundTrip(int fd, const char* buf, size_t len, char* out) {
  if (send(fd, buf, len, MSG_NOSIGNAL) != static_cast<ssize_t>(len)) {
    return false;
  }
  return recv(fd, out, len, 0) == static_cast<ssize_t>(len);
}

bool RawStreamRoundTrip(int fd, const char* buf, size_t len, char* out) {
  size_t sent = 0, got = 0;
  // Interleave so that neither side blocks on a full buffer.
  while (sent < len || got < len) {
    if (sent < len) {
      ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += n;
    }
    if (got < len) {
      ssize_t n = recv(fd, out + got, len - got, sent < len ? MSG_DONTWAIT : 0);
      if (n > 0) got += n;
      if (n == 0) return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int small_iters = argc > 1 ? atoi(argv[1]) : 20000;
  const int large_iters = argc > 2 ? atoi(argv[2]) : 2000;
  constexpr size_t kLarge = 204800;

  const ncp::ipc::Bridge* bridge =
      ncp::ipc::FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
  PeerProcess ipc_peer({"serve"});
  PeerProcess raw_small({"raw-seqpacket"});
  PeerProcess raw_large({"raw-stream", std::to_string(kLarge)}, {},
                        SOCK_STREAM);
  if (bridge == nullptr || ipc_peer.pid() <= 0 || raw_small.pid() <= 0 ||
      raw_large.pid() <= 0) {
    fprintf(stderr, "ipc_benchmark: cannot start the peers\n");
    return 1;
  }
  OHIPCRemoteProxy* proxy = nullptr;
  if (bridge->adopt_connection(ipc_peer.TakeFd(), nullptr, &proxy) != 0) {
    fprintf(stderr, "ipc_benchmark: adopt failed\n");
    return 1;
  }
  const int small_fd = raw_small.TakeFd();
  const int large_fd = raw_large.TakeFd();
  const OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};

  OHIPCParcel* small_data = OH_IPCParcel_Create();
  OHIPCParcel* small_reply = OH_IPCParcel_Create();
  OH_IPCParcel_WriteInt32(small_data, 42);
  OHIPCParcel* large_data = OH_IPCParcel_Create();
  OHIPCParcel* large_reply = OH_IPCParcel_Create();
  std::vector<uint8_t> payload(kLarge);
  for (size_t i = 0; i < kLarge; ++i) payload[i] = static_cast<uint8_t>(i);
  OH_IPCParcel_WriteBuffer(large_data, payload.data(), kLarge);
  std::vector<char> raw_out(kLarge);
  const char four[4] = {1, 2, 3, 4};

  auto ipc_small = [&] {
    return OH_IPCRemoteProxy_SendRequest(proxy, ncp::ipc::testing::kEcho,
                                         small_data, small_reply, &sync) == 0;
  };
  auto raw_small_rt = [&] {
    return RawSeqpacketRoundTrip(small_fd, four, 4, raw_out.data());
  };
  auto ipc_large = [&] {
    return OH_IPCRemoteProxy_SendRequest(proxy, ncp::ipc::testing::kEcho,
                                         large_data, large_reply, &sync) == 0 &&
           OH_IPCParcel_GetDataSize(large_reply) == static_cast<int>(kLarge);
  };
  auto raw_large_rt = [&] {
    return RawStreamRoundTrip(large_fd,
                              reinterpret_cast<const char*>(payload.data()),
                              kLarge, raw_out.data());
  };

  // Interleaved in pairs (A A B B A A...) after a warm-up of each; only
  // the second call of a pair is timed. The serving process goes back to
  // waiting after its caller has the reply, so with single calls
  // alternated each side's tail was charged to the other's next sample
  // (it flattered SendRequest's 4-byte ratio by ~20% pinned).
  auto run = [](int iters, const std::function<bool()>& a,
                const std::function<bool()>& b, std::vector<int64_t>* ta,
                std::vector<int64_t>* tb) {
    for (int i = 0; i < iters / 10 + 10; ++i) {
      if (!a() || !b()) return false;
    }
    auto timed = [](const std::function<bool()>& call,
                    std::vector<int64_t>* times) {
      if (!call()) return false;  // takes the other side's tail
      int64_t t0 = NowNs();
      if (!call()) return false;
      times->push_back(NowNs() - t0);
      return true;
    };
    for (int i = 0; i < iters; ++i) {
      if (!timed(a, ta) || !timed(b, tb)) return false;
    }
    return true;
  };
  std::vector<int64_t> t_ipc_small, t_raw_small, t_ipc_large, t_raw_large;
  if (!run(small_iters, ipc_small, raw_small_rt, &t_ipc_small, &t_raw_small) ||
      !run(large_iters, ipc_large, raw_large_rt, &t_ipc_large, &t_raw_large)) {
    fprintf(stderr, "ipc_benchmark: a round trip failed\n");
    return 1;
  }
  const Stats is = Summarize(t_ipc_small), rs = Summarize(t_raw_small);
  const Stats il = Summarize(t_ipc_large), rl = Summarize(t_raw_large);
  printf(
      "IPC round trips (%d x 4 B, %d x 200 KB), one run, interleaved in "
      "pairs\n",
      small_iters, large_iters);
  Print("SendRequest 4 B", is);
  Print("raw SEQPACKET ping-pong 4 B", rs);
  Print("SendRequest 200 KB", il);
  Print("raw unix stream ping-pong 200 KB", rl);
  const double mb = 2.0 * kLarge / 1e6;  // both directions
  printf("ratios (median):\n");
  printf("  4 B   SendRequest / raw SEQPACKET       %.2fx  (goal <= 1.3x)\n",
         is.median_us / rs.median_us);
  printf(
      "  200KB throughput SendRequest / stream  %.2fx  (goal >= 0.8x;"
      " %.0f vs %.0f MB/s)\n",
      rl.median_us / il.median_us, mb / (il.median_us / 1e6),
      mb / (rl.median_us / 1e6));
  OH_IPCParcel_Destroy(small_data);
  OH_IPCParcel_Destroy(small_reply);
  OH_IPCParcel_Destroy(large_data);
  OH_IPCParcel_Destroy(large_reply);
  OH_IPCRemoteProxy_Destroy(proxy);
  return 0;
}
