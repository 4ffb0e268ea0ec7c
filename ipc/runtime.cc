#include "ipc/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "ipc/bridge.h"

namespace ncp::ipc {
namespace {

using wire::WireHeader;
using wire::WireObject;
using wire::WireRelease;

// A message read while waiting for a reply that is neither the reply nor a
// request of the waiter's chain is queued for the pool. These bounds turn a
// flood from a peer into a protocol violation instead of unbounded memory
// and fd use.
constexpr uint32_t kMaxQueuedMessages = 1024;
constexpr uint32_t kMaxQueuedFds = 4096;
// Abandoned (timed out) transaction ids remembered per connection, so that
// a late reply is discarded instead of being taken for a violation.
constexpr size_t kMaxTimedOut = 256;
// Epoll token of the work queue's eventfd (connections use ids >= 1).
constexpr uint64_t kQueueToken = 0;

std::atomic<int> g_max_threads{16};

// The socket's sends and reads go straight to the kernel: libc's wrappers
// are cancellation points, so a pthread_cancel() of an app thread in
// SendRequest would unwind it through the runtime's locks and leave its
// waiter registered, and their cancellation bookkeeping costs two atomic
// operations on every call.
ssize_t SysSendmsg(int fd, const msghdr* m, int flags) {
  return syscall(SYS_sendmsg, fd, m, flags);
}

ssize_t SysRecvmsg(int fd, msghdr* m, int flags) {
  return syscall(SYS_recvmsg, fd, m, flags);
}

ssize_t SysSendto(int fd, const void* buf, size_t len, int flags) {
  return syscall(SYS_sendto, fd, buf, len, flags, nullptr, 0);
}

ssize_t SysRecvfrom(int fd, void* buf, size_t len, int flags) {
  return syscall(SYS_recvfrom, fd, buf, len, flags, nullptr, nullptr);
}

// Small datagrams without fds are gathered into one buffer and sent with
// sendto(): the kernel's iovec import costs ~2 % of a small round trip.
constexpr size_t kGatherMax = 512;

// Reads at most this many announced fd datagrams ahead (wire.h, kFdsNext):
// more is a peer keeping this side on the slower read.
constexpr uint32_t kMaxFdsAnnounced = 1024;

// ---------------------------------------------------------------------------
// Fork support: every fd the runtime creates is listed here (lock-free, so
// the atfork child handler can walk it although other threads of the parent
// may have been in the middle of anything).
constexpr int kTrackedFdSlots = 4096;
// Slots hold fd + 1, so that the zero-initialised state means "free".
std::atomic<int> g_tracked_fds[kTrackedFdSlots];

void TrackFd(int fd) {
  if (fd < 0) return;
  for (auto& slot : g_tracked_fds) {
    int expected = 0;
    if (slot.compare_exchange_strong(expected, fd + 1)) return;
  }
  // More than kTrackedFdSlots runtime fds: this one is not closed in a
  // forked child (it is still CLOEXEC).
}

void UntrackFd(int fd) {
  if (fd < 0) return;
  for (auto& slot : g_tracked_fds) {
    int expected = fd + 1;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void CloseTracked(UniqueFd& fd) {
  UntrackFd(fd.get());
  fd.Reset();
}

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t NowMs() { return NowNs() / 1000000; }

// Remaining milliseconds until `deadline` (-1: none) for poll().
int PollTimeout(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - NowMs();
  if (left <= 0) return 0;
  return left > 1000000 ? 1000000 : static_cast<int>(left);
}

// A word of a ring's header page (wire.h), shared with the peer.
template <typename T>
T* RingWord(uint8_t* ring, size_t offset) {
  return reinterpret_cast<T*>(ring + offset);
}

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

// Not FUTEX_PRIVATE: the ring is shared with another process.
void FutexWake(uint32_t* word) {
  syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
}

void FutexWait(uint32_t* word, uint32_t seen, int64_t timeout_ns) {
  timespec t = {static_cast<time_t>(timeout_ns / 1000000000),
                static_cast<long>(timeout_ns % 1000000000)};
  syscall(SYS_futex, word, FUTEX_WAIT, seen, &t, nullptr, 0);
}

// How long a reader spins for the next part of a pending ring body before
// it sleeps: the sender copies on another CPU, 32 KB in ~2-3 us.
constexpr int64_t kPendingSpinNs = 50 * 1000;
// Its sleeps are sliced so that it notices a peer that died meanwhile.
constexpr int64_t kPendingSliceNs = 10 * 1000 * 1000;
// A pending body is published in parts of this size (the receiver copies
// each out while the sender writes the next).
constexpr uint32_t kPublishedPart = 32 * 1024;

// One datagram read with a control buffer into `buf` (wire::kMaxDatagram
// bytes): its fds (owned first, so that any failure closes them) and
// credentials. Returns its length, -2 for EAGAIN/EINTR, -1 when the peer is
// gone or broken: EOF (or an empty datagram, which is never valid), an
// error, truncated data or truncated control data (fds the kernel dropped).
ssize_t ReadWithControl(int sock, uint8_t* buf, int flags,
                        std::vector<UniqueFd>* fds, bool* have_creds,
                        ucred* creds) {
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(int) * (wire::kMaxFdsPerMessage + 1)) +
              CMSG_SPACE(sizeof(ucred))];
  iovec iov = {buf, wire::kMaxDatagram};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  const ssize_t n = SysRecvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
  if (n < 0) return errno == EAGAIN || errno == EINTR ? -2 : -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        fds->emplace_back(fd);
      }
    } else if (c->cmsg_type == SCM_CREDENTIALS &&
               c->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
      std::memcpy(creds, CMSG_DATA(c), sizeof(*creds));
      *have_creds = true;
    }
  }
  if (n == 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) return -1;
  return n;
}

// Attaches one control message (`type`: SCM_RIGHTS or SCM_CREDENTIALS, with
// `len` bytes of `data`) to `m`, in `control` (CMSG_SPACE(len) bytes at
// least, aligned for cmsghdr).
void AttachControl(msghdr* m, char* control, int type, const void* data,
                   size_t len) {
  m->msg_control = control;
  m->msg_controllen = CMSG_SPACE(len);
  cmsghdr* c = CMSG_FIRSTHDR(m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  std::memcpy(CMSG_DATA(c), data, len);
}

WireHeader NewHeader(uint8_t type) {
  WireHeader h{};
  h.magic = wire::kMagic;
  h.version = wire::kVersion;
  h.type = type;
  return h;
}

// The current thread's ThreadState, in a pthread key rather than a
// thread_local (none in this library): it is usually dlopen()ed (the child
// trampoline loads it), so glibc malloc()s its TLS blocks, and GCC 12's
// sanitizer runtime takes a block that starts 16 bytes into a page for a
// glibc 2.19 TLS header: LeakSanitizer's tracer then scans a bogus range
// and crashes at exit (shared_library_test checks there is none).
pthread_key_t g_state_key;
pthread_once_t g_state_key_once = PTHREAD_ONCE_INIT;

void ReleaseThreadState(void* ts) {
  if (ts != nullptr) static_cast<ThreadState*>(ts)->Release();
}

pthread_key_t StateKey() {
  pthread_once(&g_state_key_once,
               [] { pthread_key_create(&g_state_key, &ReleaseThreadState); });
  return g_state_key;
}

// Globals that worker threads may still use while the process exits are
// never destroyed (a destroyed condition variable under a running thread is
// undefined; ThreadSanitizer reports it).
template <typename T>
class NeverDestroyed {
 public:
  NeverDestroyed() { new (storage_) T(); }
  T* operator->() { return reinterpret_cast<T*>(storage_); }
  T& operator*() { return *reinterpret_cast<T*>(storage_); }
  void Reset() { new (storage_) T(); }  // after fork, in the child

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
};

// Remote requests being handled in this process (for WaitRequestsDone).
// Counted without the lock; a request that ends takes it, to notify, only
// if a thread waits (sequentially consistent: either the waiter sees the
// count drop, or the request sees the waiter).
std::mutex g_serving_mu;
NeverDestroyed<std::condition_variable> g_serving_done;
std::atomic<int> g_serving{0};
std::atomic<int> g_serving_waiters{0};

std::mutex g_live_mu;
NeverDestroyed<std::condition_variable> g_live_cv;
int g_live_connections = 0;  // guarded by g_live_mu

std::mutex g_create_mu;
std::atomic<Runtime*> g_runtime{nullptr};

void AtforkPrepare() { g_create_mu.lock(); }
void AtforkParent() { g_create_mu.unlock(); }
void AtforkChild() {
  // The mutex may have been taken by the forking thread (prepare); the
  // child has only this thread, so a fresh mutex is the unlocked state.
  new (&g_create_mu) std::mutex;
  // Other threads of the parent may have held these at the fork.
  new (&g_live_mu) std::mutex;
  g_live_cv.Reset();
  new (&g_serving_mu) std::mutex;
  g_serving_done.Reset();
  g_serving.store(0);
  g_serving_waiters.store(0);
  Runtime::AbandonInChild();
}

// Registered when the library is loaded rather than with the first
// runtime: the zygote loads it, so a child it forks does not register them
// on its first use (3-5 us of every Create, measured in the child).
[[maybe_unused]] const int g_atfork_registered =
    pthread_atfork(AtforkPrepare, AtforkParent, AtforkChild);

}  // namespace

// A sync request waiting for its reply. Lives on the caller's stack.
struct Waiter {
  uint64_t txn = 0;
  Ref<ThreadState> ts;
  bool idle = false;  // guarded by the connection mutex
  // Guarded by ts->mu:
  bool done = false;
  bool dead = false;
  std::unique_ptr<Incoming> reply;
  // The caller's reply parcel (may be NULL). Its thread, as the reader,
  // may read the reply straight into it (TakeOwnReply): then `direct` and
  // the reply's status `code` are set, not `reply`.
  Parcel* into = nullptr;
  bool direct = false;
  uint32_t code = 0;
};

// ---------------------------------------------------------------------------
// ThreadState

ThreadState* ThreadState::Current() {
  pthread_key_t key = StateKey();
  auto* ts = static_cast<ThreadState*>(pthread_getspecific(key));
  if (ts == nullptr) {
    ts = new ThreadState();
    pthread_setspecific(key, ts);
  }
  return ts;
}

ThreadState::~ThreadState() { CloseTracked(wake_fd_); }

int ThreadState::wake_fd() {
  if (!wake_fd_.valid()) {
    wake_fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    TrackFd(wake_fd_.get());
  }
  return wake_fd_.get();
}

uint8_t* ThreadState::read_buffer() {
  if (!read_buffer_) read_buffer_.reset(new uint8_t[wire::kMaxDatagram]);
  return read_buffer_.get();
}

void ThreadState::Wake() {
  uint64_t one = 1;
  ssize_t n;
  do {
    n = write(wake_fd(), &one, sizeof(one));
  } while (n < 0 && errno == EINTR);
}

bool ThreadState::WaitForWake(int64_t timeout_ms) {
  const int64_t deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  pollfd p = {wake_fd(), POLLIN, 0};
  for (;;) {
    int n = poll(&p, 1, PollTimeout(deadline));
    if (n > 0) {
      uint64_t v;
      while (read(p.fd, &v, sizeof(v)) < 0 && errno == EINTR) {
      }
      return true;
    }
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

CallContext& CurrentContext() { return ThreadState::Current()->ctx; }

// ---------------------------------------------------------------------------
// Runtime

Runtime* Runtime::GetIfExists() {
  return g_runtime.load(std::memory_order_acquire);
}

Runtime* Runtime::Get(bool start_pool) {
  Runtime* rt = g_runtime.load(std::memory_order_acquire);
  if (rt != nullptr) {
    if (start_pool) rt->StartPool();
    return rt;
  }
  std::lock_guard<std::mutex> l(g_create_mu);
  rt = g_runtime.load(std::memory_order_acquire);
  if (rt != nullptr) return rt;
  rt = new Runtime();
  if (!rt->epfd_.valid() || !rt->queue_fd_.valid()) {
    // Out of fds: report failure to the caller, retry on the next use.
    CloseTracked(rt->epfd_);
    CloseTracked(rt->queue_fd_);
    delete rt;
    return nullptr;
  }
  g_runtime.store(rt, std::memory_order_release);
  if (start_pool) rt->StartPool();
  return rt;
}

void Runtime::StartPool() {
  if (pool_started_.load(std::memory_order_acquire) ||
      pool_started_.exchange(true)) {
    return;
  }
  workers_.fetch_add(1);
  SpawnWorker();
}

void Runtime::ReadEnvironment() {
  ring_enabled_ = true;
  if (const char* ring = getenv("NCP_IPC_RING")) {
    ring_enabled_ = strcmp(ring, "0") != 0;
  }
  default_timeout_ms_ = 30000;
  if (const char* env = getenv("NCP_IPC_TIMEOUT_MS")) {
    char* end = nullptr;
    long long v = strtoll(env, &end, 10);
    if (end != env && *end == '\0' && v >= 0) default_timeout_ms_ = v;
  }
}

bool Runtime::RegisterQueue() {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = kQueueToken;
  return epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, queue_fd_.get(), &ev) == 0;
}

Runtime::Runtime(bool register_queue) {
  self_uid_ = static_cast<uint32_t>(getuid());
  ReadEnvironment();
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
    seed = static_cast<uint64_t>(getpid()) << 32 ^ NowMs();
  }
  // Chain ids only need to differ between processes that talk to each
  // other; the low 24 bits count calls of this process.
  chain_base_ = seed & ~uint64_t{0xFFFFFF};
  epfd_.Reset(epoll_create1(EPOLL_CLOEXEC));
  TrackFd(epfd_.get());
  queue_fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  TrackFd(queue_fd_.get());
  if (register_queue && epfd_.valid() && queue_fd_.valid()) RegisterQueue();
}

int Runtime::Prepare(int fds[2]) {
  StateKey();  // its first use wakes futex waiters: a system call
  std::lock_guard<std::mutex> l(g_create_mu);
  if (g_runtime.load(std::memory_order_acquire) != nullptr) return -1;
  auto* rt = new Runtime(/*register_queue=*/false);
  if (!rt->epfd_.valid() || !rt->queue_fd_.valid()) {
    CloseTracked(rt->epfd_);
    CloseTracked(rt->queue_fd_);
    delete rt;
    return -1;
  }
  fds[0] = rt->epfd_.get();
  fds[1] = rt->queue_fd_.get();
  g_runtime.store(rt, std::memory_order_release);
  return 0;
}

int Runtime::AdoptPrepared(const int fds[2]) {
  Runtime* rt = g_runtime.load(std::memory_order_acquire);
  if (rt == nullptr || fds[0] < 0 || fds[1] < 0) return -1;
  // The old numbers are closed (or are other files now): not ours.
  UntrackFd(rt->epfd_.Release());
  UntrackFd(rt->queue_fd_.Release());
  rt->epfd_.Reset(fds[0]);
  rt->queue_fd_.Reset(fds[1]);
  TrackFd(fds[0]);
  TrackFd(fds[1]);
  rt->ReadEnvironment();  // the request's, not the fork server's
  if (!rt->RegisterQueue()) {
    CloseTracked(rt->epfd_);
    CloseTracked(rt->queue_fd_);
    g_runtime.store(nullptr, std::memory_order_release);
    delete rt;  // unused: no thread, no connection
    return -1;
  }
  return 0;
}

void Runtime::SetMaxThreads(int n) { g_max_threads.store(n); }

void Runtime::AbandonInChild() {
  Runtime* rt = g_runtime.exchange(nullptr);
  if (rt != nullptr) rt->abandoned_.store(true, std::memory_order_release);
  for (auto& slot : g_tracked_fds) {
    int fd = slot.exchange(0) - 1;
    if (fd >= 0) close(fd);
  }
  // The forking thread's state may be mid-use by threads that do not exist
  // here (its mutex held, its wake fd just closed): start afresh. The old
  // state is leaked on purpose.
  pthread_setspecific(StateKey(), nullptr);
}

uint64_t Runtime::NewChain() {
  const uint64_t chain =
      chain_base_ |
      (chain_counter_.fetch_add(1, std::memory_order_relaxed) & 0xFFFFFF);
  return chain != 0 ? chain : 1;  // 0 means "no chain" on the wire
}

void Runtime::EnterChain(ThreadState* ts, uint64_t chain) {
  std::lock_guard<std::mutex> l(chain_mu_);
  if (ts->chain_depth++ == 0) {
    ts->chain = chain;
    chains_[chain] = Ref<ThreadState>(ts);
    chain_count_.store(chains_.size(), std::memory_order_release);
  }
}

void Runtime::EnterDeferredChain() {
  ThreadState* ts = ThreadState::Current();
  if (ts->deferred_chain != nullptr && *ts->deferred_chain != 0) {
    EnterChain(ts, *ts->deferred_chain);
    *ts->deferred_chain = 0;
  }
}

void Runtime::LeaveChain(ThreadState* ts) {
  // A vector: an empty std::deque allocates (twice) when constructed, and
  // this runs on every sync call.
  std::vector<std::unique_ptr<Incoming>> orphans;
  {
    std::lock_guard<std::mutex> l(chain_mu_);
    if (--ts->chain_depth > 0) return;
    auto it = chains_.find(ts->chain);
    if (it != chains_.end() && it->second.get() == ts) chains_.erase(it);
    chain_count_.store(chains_.size(), std::memory_order_release);
    ts->chain = 0;
    std::lock_guard<std::mutex> tl(ts->mu);
    for (auto& m : ts->nested) orphans.push_back(std::move(m));
    ts->nested.clear();
  }
  // Requests routed to this thread just as it stopped waiting: the pool
  // serves them.
  for (auto& m : orphans) PostRequest(std::move(m));
}

bool Runtime::DeliverToChain(uint64_t chain, ThreadState* ts,
                             std::unique_ptr<Incoming>& msg) {
  {
    std::lock_guard<std::mutex> l(chain_mu_);
    auto it = chains_.find(chain);
    if (it == chains_.end() || it->second.get() != ts) return false;
    std::lock_guard<std::mutex> tl(ts->mu);
    ts->nested.push_back(std::move(msg));
  }
  ts->Wake();
  return true;
}

Ref<ThreadState> Runtime::ChainWaiter(uint64_t chain) {
  if (chain_count_.load(std::memory_order_acquire) == 0) return {};
  std::lock_guard<std::mutex> l(chain_mu_);
  auto it = chains_.find(chain);
  return it == chains_.end() ? Ref<ThreadState>() : it->second;
}

int Runtime::AddConnection(const Ref<Connection>& conn, bool armed) {
  {
    std::lock_guard<std::mutex> l(mu_);
    conns_[conn->id()] = conn;
    live_connections_.store(static_cast<int>(conns_.size()),
                            std::memory_order_relaxed);
  }
  std::lock_guard<std::mutex> cl(conn->mu_);
  epoll_event ev{};
  ev.events = armed ? (EPOLLIN | EPOLLONESHOT) : EPOLLONESHOT;
  ev.data.u64 = conn->id();
  if (epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, conn->sock_.get(), &ev) != 0) {
    return OH_IPC_INNER_ERROR;
  }
  conn->armed_ = armed;
  conn->never_armed_ = !armed;
  return OH_IPC_SUCCESS;
}

void Runtime::RemoveConnection(Connection* conn) {
  Ref<Connection> drop;
  std::lock_guard<std::mutex> l(mu_);
  auto it = conns_.find(conn->id());
  if (it != conns_.end()) {
    drop = std::move(it->second);
    conns_.erase(it);
    live_connections_.store(static_cast<int>(conns_.size()),
                            std::memory_order_relaxed);
  }
  // `drop` is released after unlocking (declared first, destroyed last).
}

Ref<Connection> Runtime::FindConnection(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = conns_.find(id);
  return it == conns_.end() ? Ref<Connection>() : it->second;
}

void Runtime::Arm(Connection* conn, int fd, bool on) {
  epoll_event ev{};
  ev.events = on ? (EPOLLIN | EPOLLONESHOT) : EPOLLONESHOT;
  ev.data.u64 = conn->id();
  epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void Runtime::Unwatch(int fd) {
  epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void Runtime::Post(Task task) {
  {
    std::lock_guard<std::mutex> l(mu_);
    tasks_.push_back(std::move(task));
    SignalQueueLocked();
  }
  // Work for the pool of a runtime that has not started it yet (a lazily
  // adopted connection whose first call still waits for its reply).
  StartPool();
}

void Runtime::SignalQueueLocked() {
  uint64_t one = 1;
  while (write(queue_fd_.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

void Runtime::WakeIdleWorker() {
  // The queue's eventfd without a task: RunTask finds none and the worker
  // waits again, now with a tick.
  std::lock_guard<std::mutex> l(mu_);
  SignalQueueLocked();
}

void Runtime::PostRequest(std::unique_ptr<Incoming> msg) {
  Task t;
  t.msg = std::move(msg);
  Post(std::move(t));
}

void Runtime::PostDeath(std::vector<Ref<DeathRecipient>> recipients) {
  Task t;
  t.recipients = std::move(recipients);
  Post(std::move(t));
}

bool Runtime::RunTask() {
  Task task;
  bool got = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!tasks_.empty()) {
      task = std::move(tasks_.front());
      tasks_.pop_front();
      got = true;
    }
    if (tasks_.empty()) {
      // Reset the eventfd under the lock: a concurrent Post() either came
      // before (and we saw its task) or will write again after.
      uint64_t v;
      while (read(queue_fd_.get(), &v, sizeof(v)) < 0 && errno == EINTR) {
      }
    }
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = kQueueToken;
  epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, queue_fd_.get(), &ev);
  if (!got) return false;
  BeforeBusy();
  if (task.msg) {
    Ref<Connection> conn = task.msg->conn;
    conn->ServeRequest(std::move(task.msg));
  }
  for (auto& r : task.recipients) r->Notify();
  return true;
}

// While a lingering worker serves requests with its socket unarmed
// (Connection::ReleaseReaderUnarmed), idle workers wake every kArmTickMs
// (runtime.h) and arm the socket of a handler that has run since the
// previous tick: another request on that connection waits at most two ticks
// for a reader. After kWatchIdleTicks ticks without such a request the watch
// ends, so an idle process is not woken.
constexpr int kWatchIdleTicks = 20;

// NCP_IPC_IDLE_MS (default 5000): how long a surplus pool worker waits for
// work before it exits.
int IdleRetireMs() {
  static const int ms = [] {
    const char* value = getenv("NCP_IPC_IDLE_MS");
    int parsed = value != nullptr ? atoi(value) : 0;
    return parsed > 0 ? parsed : 5000;
  }();
  return ms;
}

void Runtime::BeforeBusy() {
  if (idle_.load(std::memory_order_relaxed) > 0) return;
  int w = workers_.load();
  while (w < g_max_threads.load()) {
    if (workers_.compare_exchange_weak(w, w + 1)) {
      SpawnWorker();
      return;
    }
  }
}

namespace {
void* WorkerMain(void* arg) {
  // Named by itself: pthread_setname_np on another thread costs the
  // creator an open and a write of /proc/self/task/<tid>/comm.
  prctl(PR_SET_NAME, "ncp-ipc");
  Runtime* rt = static_cast<Runtime*>(arg);
  ThreadState* ts = ThreadState::Current();
  ts->is_pool_worker = true;
  rt->WorkerLoop(ts);
  return nullptr;
}
}  // namespace

void Runtime::SpawnWorker() {
  // Library threads block every signal: the application's handlers must
  // never run on them. The mask is inherited from the creating thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, WorkerMain, this);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (rc != 0) {
    --workers_;
    return;
  }
}

bool Runtime::MayLinger() const {
  return live_connections_.load(std::memory_order_relaxed) == 1 &&
         joined_.load(std::memory_order_relaxed) == 0 && idle_.load() > 0 &&
         workers_.load() <= g_max_threads.load();
}

void Runtime::WorkerLoop(ThreadState* ts) {
  ts->in_worker_loop = true;
  ts->stop_requested = false;
  if (!ts->is_pool_worker) joined_.fetch_add(1, std::memory_order_relaxed);
  int64_t idle_since = NowMs();
  for (;;) {
    // A pool worker retires (the limit was lowered, or it was idle for
    // long) unless it is the last one that is not lingering: a lingering
    // worker reads one connection only (see MayLinger).
    if (ts->is_pool_worker) {
      int w = workers_.load();
      if (w > g_max_threads.load() && w - lingering_workers_.load() > 1 &&
          workers_.compare_exchange_strong(w, w - 1)) {
        break;  // the limit was lowered: this worker retires
      }
    }
    idle_.fetch_add(1);
    epoll_event ev{};
    int n;
    for (;;) {
      // Pool workers beyond the first retire after a while without work, so
      // a burst of concurrent requests does not leave threads behind.
      int timeout_ms = ts->is_pool_worker ? IdleRetireMs() : -1;
      const bool ticking =
          watched_connections_.load(std::memory_order_relaxed) > 0;
      if (ticking && (timeout_ms < 0 || timeout_ms > kArmTickMs)) {
        timeout_ms = kArmTickMs;
      }
      n = epoll_wait(epfd_.get(), &ev, 1, timeout_ms);
      if (n != 0 || !ticking) break;
      // A tick, counted idle all the while: a lingering worker that asks
      // MayLinger now must not find nobody else waiting.
      ForEachConnection([](Connection* c) { c->TickUnarmed(); });
      if (ts->is_pool_worker && NowMs() - idle_since >= IdleRetireMs()) {
        break;  // idle for the retirement delay (n == 0)
      }
    }
    // Sequentially consistent with MayLinger's load of idle_ after a
    // lingering worker's increment of lingering_workers_ (Linger): one of the
    // two sees the other.
    idle_.fetch_sub(1);
    if (n == 0) {
      int w = workers_.load();
      if (w - lingering_workers_.load() > 1 &&
          workers_.compare_exchange_strong(w, w - 1)) {
        break;
      }
      continue;
    }
    if (n == 1) {
      if (ev.data.u64 == kQueueToken) {
        RunTask();
      } else if (Ref<Connection> c = FindConnection(ev.data.u64)) {
        c->OnReadable();
      }
      idle_since = NowMs();
    } else if (n < 0 && errno != EINTR) {
      break;  // the epoll fd is gone (never expected)
    }
    if (ts->stop_requested) break;
  }
  if (!ts->is_pool_worker) joined_.fetch_sub(1, std::memory_order_relaxed);
  ts->in_worker_loop = false;
  ts->stop_requested = false;
}

// ---------------------------------------------------------------------------
// Connection

Connection::Connection(Runtime* rt, UniqueFd sock, uint64_t id)
    : rt_(rt), id_(id), sock_(std::move(sock)) {
  TrackFd(sock_.get());
  std::lock_guard<std::mutex> l(g_live_mu);
  ++g_live_connections;
}

int Connection::LiveCount() {
  std::lock_guard<std::mutex> l(g_live_mu);
  return g_live_connections;
}

bool Connection::WaitLiveCountAtMost(int n, int64_t timeout_ms) {
  std::unique_lock<std::mutex> l(g_live_mu);
  return g_live_cv->wait_for(l, std::chrono::milliseconds(timeout_ms),
                             [n] { return g_live_connections <= n; });
}

Connection::~Connection() {
  if (rt_->abandoned()) {
    // In a forked child the fd was already closed by the atfork handler
    // and its number may have been reused; the rings were not inherited
    // (MADV_DONTFORK) and their addresses may have been reused too.
    sock_.Release();
  } else {
    if (tx_ring_ != nullptr) munmap(tx_ring_, wire::kRingFileSize);
    if (rx_ring_ != nullptr) munmap(rx_ring_, wire::kRingFileSize);
    if (!dead()) rt_->Unwatch(sock_.get());
    CloseTracked(sock_);
  }
  std::lock_guard<std::mutex> l(g_live_mu);
  --g_live_connections;
  g_live_cv->notify_all();
}

int32_t Connection::peer_pid() {
  std::lock_guard<std::mutex> l(mu_);
  return hello_ ? peer_pid_ : -1;
}

int Connection::Start(Stub* root, bool defer_hello) {
  WireHeader h = NewHeader(wire::kHello);
  if (root != nullptr) {
    std::lock_guard<std::mutex> l(mu_);
    Export& e = exports_[0];
    e.object = Ref<RemoteObject>(root);
    e.pinned = true;
    export_index_[root] = 0;
    h.flags = wire::kFlagHasRoot;
  }
  std::lock_guard<std::mutex> l(hello_mu_);
  own_hello_ = h;
  if (defer_hello) {
    hello_pending_.store(true, std::memory_order_release);
    return OH_IPC_SUCCESS;
  }
  bool unused;
  return SendHello(nullptr, rt_->default_timeout_ms(), nullptr, &unused);
}

int Connection::SendHello(msghdr* then, int64_t timeout_ms,
                          bool* holding_reader, bool* then_sent) {
  *then_sent = false;
  iovec iov = {&own_hello_, sizeof(own_hello_)};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  // The kernel checks the credentials: the peer learns this pid and uid.
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  const ucred cred = {getpid(), getuid(), getgid()};
  AttachControl(&m, control, SCM_CREDENTIALS, &cred, sizeof(cred));
  if (then != nullptr) {
    // One datagram: the HELLO, then the message (wire.h:
    // kFlagMessageFollows), the credentials before the message's fds.
    size_t then_len = 0;
    for (size_t i = 0; i < then->msg_iovlen; ++i) {
      then_len += then->msg_iov[i].iov_len;
    }
    constexpr size_t kMaxParts = 4;
    alignas(cmsghdr) char
        both_control[CMSG_SPACE(sizeof(ucred)) +
                     CMSG_SPACE(sizeof(int) * (wire::kMaxFdsPerMessage + 1))];
    if (sizeof(WireHeader) + then_len <= wire::kMaxDatagram &&
        then->msg_iovlen < kMaxParts &&
        CMSG_SPACE(sizeof(ucred)) + then->msg_controllen <=
            sizeof(both_control)) {
      WireHeader hello = own_hello_;
      hello.flags |= wire::kFlagMessageFollows;
      iovec parts[kMaxParts] = {{&hello, sizeof(hello)}};
      for (size_t i = 0; i < then->msg_iovlen; ++i) {
        parts[i + 1] = then->msg_iov[i];
      }
      msghdr one{};
      one.msg_iov = parts;
      one.msg_iovlen = then->msg_iovlen + 1;
      AttachControl(&one, both_control, SCM_CREDENTIALS, &cred, sizeof(cred));
      if (then->msg_controllen > 0) {
        std::memcpy(both_control + one.msg_controllen, then->msg_control,
                    then->msg_controllen);
        one.msg_controllen += then->msg_controllen;
      }
      const int rc = SendLoop(&one, timeout_ms, holding_reader);
      *then_sent = rc == OH_IPC_SUCCESS;
      return rc;
    }
    // Not with fds: they need their announcement (SendLoop) between.
    if (then->msg_controllen > 0)
      return SendLoop(&m, timeout_ms, holding_reader);
    mmsghdr both[2] = {};
    both[0].msg_hdr = m;
    both[1].msg_hdr = *then;
    int n;
    do {
      n = sendmmsg(sock_.get(), both, 2, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n == 2) *then_sent = true;
    if (n >= 1) return OH_IPC_SUCCESS;
    // Nothing went (a full socket, say): one at a time, with waits.
  }
  return SendLoop(&m, timeout_ms, holding_reader);
}

Ref<Proxy> Connection::RootProxy() {
  Ref<Proxy> proxy;
  bool no_root = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = imports_.find(0);
    if (it != imports_.end() && it->second->TryAddRef()) {
      return Ref<Proxy>::Adopt(it->second);
    }
    proxy = MakeRef<Proxy>(Ref<Connection>(this), 0);
    if (!dead()) imports_[0] = proxy.get();
    no_root = hello_ && !peer_has_root_;
  }
  if (no_root) proxy->MarkDead();
  return proxy;
}

int Connection::SendRaw(const void* buf, size_t len, int64_t timeout_ms) {
  iovec iov = {const_cast<void*>(buf), len};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  return SendMsgWithDeadline(&m, timeout_ms);
}

int Connection::SendMessage(WireHeader h, const Parcel* parcel,
                            int64_t timeout_ms, bool* holding_reader) {
  if (dead()) return OH_IPC_DEAD_REMOTE_OBJECT;
  if (has_pending_releases_.load(std::memory_order_acquire)) FlushReleases();

  const uint32_t object_count =
      parcel != nullptr ? static_cast<uint32_t>(parcel->objects().size()) : 0;
  const uint32_t data_size = parcel != nullptr ? parcel->data_size() : 0;
  h.object_count = static_cast<uint16_t>(object_count);
  h.data_size = data_size;
  h.body_size = object_count * sizeof(WireObject) + data_size;
  const bool large = h.body_size > wire::kMaxInlineBody;

  // Large bodies: a place in the ring (held, with the ring lock, until the
  // message is sent: ring order must be send order), else a one-off memfd.
  // Both are secured before exports are counted, so that a failure here
  // never leaves counts for a message that is not sent.
  std::unique_lock<std::mutex> ring_lock;
  uint64_t ring_pos = 0;
  bool in_ring = false;
  UniqueFd memfd;
  if (large) {
    ring_lock = std::unique_lock<std::mutex>(ring_mu_);
    in_ring = ReserveRing(h.body_size, timeout_ms, &ring_pos, holding_reader);
    if (dead()) return OH_IPC_DEAD_REMOTE_OBJECT;
    if (in_ring) {
      h.flags |= wire::kFlagBodyInRing;
    } else {
      ring_lock.unlock();
      memfd.Reset(memfd_create("ncp-ipc", MFD_CLOEXEC | MFD_ALLOW_SEALING));
      if (!memfd.valid()) return OH_IPC_INNER_ERROR;
      h.flags |= wire::kFlagBodyInMemfd;
    }
  }
  const bool in_memfd = memfd.valid();

  // Object table and fds. Exports are counted now (under the lock) so that
  // a concurrent release from the peer cannot drop them in between.
  std::vector<WireObject> table(object_count);
  int fds[wire::kMaxFdsPerMessage + 1];
  uint32_t nfds = 0;
  Ref<ThreadState> kick;
  if (object_count > 0) {
    std::lock_guard<std::mutex> l(mu_);
    for (uint32_t i = 0; i < object_count; ++i) {
      const ParcelObject& o = parcel->objects()[i];
      WireObject& w = table[i];
      w = WireObject{};
      w.offset = o.offset;
      if (o.fd.valid()) {
        w.kind = wire::kObjectFd;
        fds[nfds++] = o.fd.get();
        continue;
      }
      const RemoteObject* obj = o.object.get();
      if (obj->type() == RemoteObject::Type::kProxy) {
        const Proxy* p = static_cast<const Proxy*>(obj);
        if (p->is_local()) {
          obj = p->local_stub();
        } else if (p->connection() == this) {
          w.kind = wire::kObjectReceiverHandle;
          w.handle = p->handle();
          continue;
        }
        // Otherwise a proxy of another connection: exported as a relay.
        w.flags = wire::kObjectFlagRelay;
      }
      w.kind = wire::kObjectSenderHandle;
      auto it = export_index_.find(obj);
      uint32_t handle;
      if (it != export_index_.end()) {
        handle = it->second;
      } else {
        do {
          handle = next_handle_++;
        } while (handle == 0 || exports_.count(handle) != 0);
        exports_[handle].object =
            Ref<RemoteObject>(const_cast<RemoteObject*>(obj));
        export_index_[obj] = handle;
      }
      ++exports_[handle].sent;
      w.handle = handle;
    }
    // The peer may call what it is sent: the socket must be watched even
    // if nobody reads it now.
    if (!reading_ && !dead()) kick = HandOverLocked();
  }
  if (kick) kick->Wake();
  h.fd_count = static_cast<uint16_t>(nfds + (in_memfd ? 1 : 0));

  iovec iov[3];
  int iovcnt = 0;
  iov[iovcnt++] = {&h, sizeof(h)};
  // A ring body: copied in and published, before the datagram goes out or,
  // when the receiver reads on another CPU, after (kFlagBodyPending), in
  // parts that the receiver copies out as they come.
  auto fill_ring = [&](bool in_parts) {
    uint8_t* dst =
        tx_ring_ + wire::kRingHeaderSize + ring_pos % wire::kRingSize;
    const size_t table_len = object_count * sizeof(WireObject);
    if (table_len > 0) std::memcpy(dst, table.data(), table_len);
    const uint32_t part = in_parts ? kPublishedPart : data_size;
    uint32_t done = 0;
    do {
      const uint32_t n = std::min(part, data_size - done);
      if (n > 0) std::memcpy(dst + table_len + done, parcel->data() + done, n);
      done += n;
      PublishRing(ring_pos + table_len + done);
    } while (done < data_size);
  };
  bool pending = false;
  if (in_ring) {
    pending = ReaderOnOtherCpu();
    if (pending) {
      h.flags |= wire::kFlagBodyPending;
    } else {
      fill_ring(/*in_parts=*/false);
    }
    iov[iovcnt++] = {&ring_pos, sizeof(ring_pos)};
  } else if (in_memfd) {
    iovec body[2] = {{table.data(), object_count * sizeof(WireObject)},
                     {const_cast<uint8_t*>(parcel->data()), data_size}};
    size_t total = h.body_size;
    size_t done = 0;
    while (done < total) {
      // pwritev with an adjusted iovec: the body is small enough (<350 KB)
      // that a second call is rare.
      iovec part[2];
      int parts = 0;
      size_t skip = done;
      for (auto& b : body) {
        if (skip >= b.iov_len) {
          skip -= b.iov_len;
          continue;
        }
        part[parts++] = {static_cast<char*>(b.iov_base) + skip,
                         b.iov_len - skip};
        skip = 0;
      }
      ssize_t n = pwritev(memfd.get(), part, parts, done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        Kill();
        return OH_IPC_INNER_ERROR;
      }
      done += n;
    }
    if (fcntl(memfd.get(), F_ADD_SEALS,
              F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
      Kill();
      return OH_IPC_INNER_ERROR;
    }
    fds[nfds++] = memfd.get();
  } else {
    if (object_count > 0) {
      iov[iovcnt++] = {table.data(), object_count * sizeof(WireObject)};
    }
    if (data_size > 0) {
      iov[iovcnt++] = {const_cast<uint8_t*>(parcel->data()), data_size};
    }
  }

  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = iovcnt;
  alignas(cmsghdr) char
      control[CMSG_SPACE(sizeof(int) * (wire::kMaxFdsPerMessage + 1))];
  if (nfds > 0) AttachControl(&m, control, SCM_RIGHTS, fds, sizeof(int) * nfds);
  const int rc = SendMsgWithDeadline(&m, timeout_ms, holding_reader);
  if (pending && rc == OH_IPC_SUCCESS) fill_ring(/*in_parts=*/true);
  return rc;
}

void Connection::PublishRing(uint64_t end) {
  __atomic_store_n(RingWord<uint64_t>(tx_ring_, wire::kRingPublishedOffset),
                   end, __ATOMIC_SEQ_CST);
  uint32_t* seq = RingWord<uint32_t>(tx_ring_, wire::kRingPublishSeqOffset);
  __atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
  // Pairs with WaitPublished: it sets the flag, then reads the position.
  if (__atomic_load_n(RingWord<uint32_t>(tx_ring_, wire::kRingWaitingOffset),
                      __ATOMIC_SEQ_CST) != 0) {
    FutexWake(seq);
  }
}

bool Connection::ReaderOnOtherCpu() const {
  const uint32_t reader =
      __atomic_load_n(RingWord<uint32_t>(tx_ring_, wire::kRingReaderCpuOffset),
                      __ATOMIC_RELAXED);
  if (reader == 0) return false;
  const int self = sched_getcpu();
  return self >= 0 && reader != static_cast<uint32_t>(self) + 1;
}

bool Connection::WaitPublished(uint64_t want, int64_t deadline,
                               uint64_t* published) {
  uint64_t* word = RingWord<uint64_t>(rx_ring_, wire::kRingPublishedOffset);
  uint32_t* seq = RingWord<uint32_t>(rx_ring_, wire::kRingPublishSeqOffset);
  uint32_t* waiting = RingWord<uint32_t>(rx_ring_, wire::kRingWaitingOffset);
  auto ready = [&] {
    *published = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    return *published >= want;
  };
  const int64_t start = NowNs();
  while (!ready()) {
    if (NowNs() - start < kPendingSpinNs) {
      for (int i = 0; i < 64; ++i) CpuRelax();
      continue;
    }
    if (deadline < 0 && rt_->default_timeout_ms() > 0) {
      deadline = start / 1000000 + rt_->default_timeout_ms();  // NowMs
    }
    if (deadline >= 0 && NowMs() >= deadline) return false;
    const uint32_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);
    __atomic_store_n(waiting, 1, __ATOMIC_SEQ_CST);
    if (!ready()) FutexWait(seq, seen, kPendingSliceNs);
    __atomic_store_n(waiting, 0, __ATOMIC_SEQ_CST);
    // Gone (its end closed): it will never publish.
    pollfd p = {sock_.get(), 0, 0};
    if (!ready() && poll(&p, 1, 0) > 0 &&
        (p.revents & (POLLHUP | POLLERR)) != 0) {
      return false;
    }
  }
  return true;
}

bool Connection::ReserveRing(uint32_t size, int64_t timeout_ms, uint64_t* pos,
                             bool* holding_reader) {
  if (tx_ring_ == nullptr) {
    if (tx_ring_failed_ || !rt_->ring_enabled()) return false;
    tx_ring_failed_ = true;  // until the setup below succeeds
    UniqueFd fd(memfd_create("ncp-ipc-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd.valid() || ftruncate(fd.get(), wire::kRingFileSize) != 0 ||
        fcntl(fd.get(), F_ADD_SEALS,
              F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
      return false;
    }
    void* map = mmap(nullptr, wire::kRingFileSize, PROT_READ | PROT_WRITE,
                     MAP_SHARED, fd.get(), 0);
    if (map == MAP_FAILED) return false;
    // A forked child must not keep (or see) the ring.
    madvise(map, wire::kRingFileSize, MADV_DONTFORK);
    WireHeader h = NewHeader(wire::kRingSetup);
    h.fd_count = 1;
    iovec iov = {&h, sizeof(h)};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    const int ring_fd = fd.get();
    AttachControl(&m, control, SCM_RIGHTS, &ring_fd, sizeof(ring_fd));
    if (SendMsgWithDeadline(&m, timeout_ms, holding_reader) != OH_IPC_SUCCESS) {
      munmap(map, wire::kRingFileSize);
      return false;
    }
    tx_ring_ = static_cast<uint8_t*>(map);
    tx_ring_failed_ = false;
  }
  constexpr uint64_t kSize = wire::kRingSize;
  // The peer's progress, clamped: a lying peer only corrupts what it reads.
  uint64_t consumed =
      __atomic_load_n(RingWord<uint64_t>(tx_ring_, wire::kRingConsumedOffset),
                      __ATOMIC_ACQUIRE);
  if (consumed > tx_tail_) consumed = tx_tail_;
  uint64_t start = tx_tail_;
  // Restart at the beginning of the ring when the body would cross its end
  // or when everything sent has been consumed: a request/reply exchange then
  // reuses the same (cache-warm) bytes instead of sweeping the whole ring.
  if (start % kSize != 0 &&
      (start % kSize + size > kSize || consumed == tx_tail_)) {
    start = (start / kSize + 1) * kSize;
  }
  if (start + size - consumed > kSize) return false;  // full: use a memfd
  *pos = start;
  tx_tail_ = start + size;
  return true;
}

int Connection::SendMsgWithDeadline(msghdr* m, int64_t timeout_ms,
                                    bool* holding_reader) {
  if (hello_pending_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> l(hello_mu_);
    if (hello_pending_.load(std::memory_order_relaxed)) {
      bool sent = false;
      // Releases held back until the HELLO (FlushReleases) go between it
      // and this message, which they must precede: the HELLO then goes
      // alone.
      const bool releases =
          has_pending_releases_.load(std::memory_order_acquire);
      const int rc =
          SendHello(releases ? nullptr : m, timeout_ms, holding_reader, &sent);
      hello_pending_.store(false, std::memory_order_release);
      if (rc == OH_IPC_SUCCESS && releases) FlushReleases();
      if (rc != OH_IPC_SUCCESS || sent) return rc;
    }
  }
  return SendLoop(m, timeout_ms, holding_reader);
}

int Connection::SendLoop(msghdr* m, int64_t timeout_ms, bool* holding_reader) {
  if (m->msg_controllen > 0 && CMSG_FIRSTHDR(m)->cmsg_type == SCM_RIGHTS) {
    // Fds (not the HELLO's datagram, whose credentials come first: the
    // peer reads that one with a control buffer anyway): announced, so
    // that the peer reads them (wire.h, kFdsNext). With several senders
    // each datagram with fds has its own announcement before it, which is
    // all the peer counts on.
    WireHeader next = NewHeader(wire::kFdsNext);
    iovec iov = {&next, sizeof(next)};
    msghdr a{};
    a.msg_iov = &iov;
    a.msg_iovlen = 1;
    const int rc = SendLoop(&a, timeout_ms, holding_reader);
    if (rc != OH_IPC_SUCCESS) return rc;
  }
  uint8_t gathered[kGatherMax];
  size_t gathered_len = 0;
  if (m->msg_controllen == 0 && m->msg_iovlen > 1) {
    for (size_t i = 0; i < m->msg_iovlen; ++i) {
      gathered_len += m->msg_iov[i].iov_len;
    }
    if (gathered_len <= kGatherMax) {
      size_t at = 0;
      for (size_t i = 0; i < m->msg_iovlen; ++i) {
        std::memcpy(gathered + at, m->msg_iov[i].iov_base,
                    m->msg_iov[i].iov_len);
        at += m->msg_iov[i].iov_len;
      }
    } else {
      gathered_len = 0;
    }
  }
  // Taken when the socket is first full: a send that does not wait (nearly
  // all) reads no clock (clock_gettime is ~1 % of a serving process's time
  // in a VM).
  int64_t deadline = -2;
  for (;;) {
    ssize_t n = gathered_len > 0
                    ? SysSendto(sock_.get(), gathered, gathered_len,
                                MSG_DONTWAIT | MSG_NOSIGNAL)
                    : SysSendmsg(sock_.get(), m, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return OH_IPC_SUCCESS;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      if (deadline == -2)
        deadline = timeout_ms <= 0 ? -1 : NowMs() + timeout_ms;
      if (holding_reader != nullptr && *holding_reader) {
        *holding_reader = false;
        ReleaseReaderMidCall();
      }
      pollfd p = {sock_.get(), POLLOUT, 0};
      int r = poll(&p, 1, PollTimeout(deadline));
      if (r > 0 || (r < 0 && errno == EINTR)) continue;
      // The peer has not read for the whole timeout: give up on it.
      Kill();
      return OH_IPC_INNER_ERROR;
    }
    const bool gone = errno == EPIPE || errno == ECONNRESET ||
                      errno == ENOTCONN || errno == EBADF;
    Kill();
    return gone ? OH_IPC_DEAD_REMOTE_OBJECT : OH_IPC_INNER_ERROR;
  }
}

void Connection::FlushReleases() {
  // Nothing goes before this side's HELLO: a deferred one takes them along
  // (SendMsgWithDeadline).
  if (hello_pending_.load(std::memory_order_acquire)) return;
  std::vector<WireRelease> batch;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (dead() || pending_releases_.empty()) return;
    batch.swap(pending_releases_);
    has_pending_releases_.store(false, std::memory_order_release);
  }
  size_t start = 0;
  while (start < batch.size()) {
    size_t n =
        std::min<size_t>(batch.size() - start, wire::kMaxReleasesPerMessage);
    WireHeader h = NewHeader(wire::kRelease);
    h.body_size = static_cast<uint32_t>(n * sizeof(WireRelease));
    iovec iov[2] = {{&h, sizeof(h)}, {&batch[start], h.body_size}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    ssize_t r;
    do {
      r = SysSendmsg(sock_.get(), &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno == EAGAIN) {
        // The peer is not reading right now: keep the rest for the next
        // message sent on this connection.
        std::lock_guard<std::mutex> l(mu_);
        pending_releases_.insert(pending_releases_.end(), batch.begin() + start,
                                 batch.end());
        return;
      }
      Kill();
      return;
    }
    start += n;
  }
}

void Connection::ReleaseImport(Proxy* proxy) {
  if (rt_->abandoned()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = imports_.find(proxy->handle());
    if (it != imports_.end() && it->second == proxy) {
      if (proxy->relayed) --relayed_imports_;
      imports_.erase(it);
    }
    // The root proxy is released too, if the peer offered one (count 0: it
    // was not received in a message): a peer that retired its root watches
    // the connection until then, for requests still on their way to it.
    const bool is_root = proxy->handle() == 0;
    if (is_root && !hello_ && !dead()) {
      // Whether the peer offers a root is in its HELLO, not read yet: the
      // release goes once it is (ReadOne), if there is a root to release.
      root_release_pending_ = true;
      return;
    }
    if (dead() ||
        (is_root ? !(hello_ && peer_has_root_) : proxy->recv_count == 0)) {
      return;
    }
    pending_releases_.push_back(
        WireRelease{proxy->handle(), 0, proxy->recv_count});
    has_pending_releases_.store(true, std::memory_order_release);
  }
  FlushReleases();
}

void Connection::RetireRoot() {
  Ref<RemoteObject> drop;  // released after the unlock
  std::lock_guard<std::mutex> l(mu_);
  auto it = exports_.find(0);
  if (it == exports_.end() || !it->second.pinned) return;
  export_index_.erase(it->second.object.get());
  drop = std::move(it->second.object);
  exports_.erase(it);
  // The peer may still send requests to it (answered as to a dead object)
  // until it releases its root proxy.
  root_retired_ = true;
}

bool RetireServedRoot() {
  ThreadState* ts = ThreadState::Current();
  if (!ts->ctx.in_ipc || ts->ctx.conn == nullptr) return false;
  ts->ctx.conn->RetireRoot();
  return true;
}

void Connection::NotifyExportDead(const RemoteObject* object) {
  uint32_t handle = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = export_index_.find(object);
    if (it == export_index_.end() || dead()) return;
    handle = it->second;
  }
  WireHeader h = NewHeader(wire::kDeadNotice);
  h.handle = handle;
  SendRaw(&h, sizeof(h), rt_->default_timeout_ms());
}

void Connection::Kill() {
  bool expected = false;
  if (!dead_.compare_exchange_strong(expected, true)) return;
  Ref<Connection> self(this);
  std::vector<Ref<ThreadState>> wake;
  std::vector<Ref<Proxy>> proxies;
  std::vector<Ref<RemoteObject>> exports;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (watched_) {
      watched_ = false;
      rt_->watched_connections_.fetch_sub(1);
    }
    for (auto& [txn, w] : waiters_) {
      std::lock_guard<std::mutex> tl(w->ts->mu);
      w->done = true;
      w->dead = true;
      wake.push_back(w->ts);
    }
    waiters_.clear();
    for (auto& [handle, p] : imports_) {
      if (p->TryAddRef()) proxies.push_back(Ref<Proxy>::Adopt(p));
    }
    imports_.clear();
    relayed_imports_ = 0;
    for (auto& [handle, e] : exports_) exports.push_back(std::move(e.object));
    exports_.clear();
    export_index_.clear();
    pending_releases_.clear();
  }
  // shutdown, not close: other threads may be in poll() or sendmsg() on the
  // fd; they now see EOF/EPIPE. The fd is closed with the last reference.
  shutdown(sock_.get(), SHUT_RDWR);
  rt_->Unwatch(sock_.get());
  rt_->RemoveConnection(this);
  for (auto& ts : wake) ts->Wake();
  for (auto& p : proxies) p->MarkDead();
  // Dropping the exports may run stub destroy callbacks on this thread.
}

bool Connection::TryBecomeReader(Waiter* w) {
  std::lock_guard<std::mutex> l(mu_);
  return TryBecomeReaderLocked(w);
}

bool Connection::TryBecomeReaderLocked(Waiter* w) {
  if (dead()) return false;
  if (reading_) {
    // This process calls on the connection too: a lingering worker would
    // keep making its replies take a detour through another thread.
    if (lingering_) linger_off_ = true;
    w->idle = true;
    return false;
  }
  reading_ = true;
  w->idle = false;
  if (armed_) {
    armed_ = false;
    rt_->Arm(this, sock_.get(), false);
  }
  return true;
}

void Connection::ReleaseReader() {
  Ref<ThreadState> kick;
  {
    std::lock_guard<std::mutex> l(mu_);
    kick = ReleaseReaderLocked();
  }
  if (kick) kick->Wake();
}

Ref<ThreadState> Connection::ReleaseReaderLocked() {
  reading_ = false;
  lingering_ = false;
  return dead() ? Ref<ThreadState>() : HandOverLocked();
}

void Connection::ReleaseReaderMidCall() {
  rt_->EnterDeferredChain();
  ReleaseReader();
}

bool Connection::NeedsWatchLocked() const {
  return !hello_ || !exports_.empty() || relayed_imports_ > 0 ||
         (root_retired_ && !root_released_);
}

bool Connection::HasIdleWaiterLocked() {
  for (auto& [txn, w] : waiters_) {
    if (w->idle) return true;
  }
  return false;
}

Ref<ThreadState> Connection::HandOverLocked() {
  // Prefer a caller that is waiting for a reply on this connection: it
  // then reads its own reply.
  for (auto& [txn, w] : waiters_) {
    if (w->idle) {
      w->idle = false;
      return w->ts;
    }
  }
  if (armed_) return Ref<ThreadState>();
  if (NeedsWatchLocked()) {
    armed_ = true;
    never_armed_ = false;
    rearm_needed_ = false;
    rt_->Arm(this, sock_.get(), true);
  } else if (rearm_needed_) {
    rearm_needed_ = false;
    rt_->Arm(this, sock_.get(), false);
  }
  return Ref<ThreadState>();
}

Connection::ReadResult Connection::ReadOne(std::unique_ptr<Incoming>* out,
                                           bool wait, int64_t deadline,
                                           Waiter* own) {
  uint8_t* buf =
      (own != nullptr ? own->ts.get() : ThreadState::Current())->read_buffer();
  const int flags = wait ? 0 : MSG_DONTWAIT;
  std::vector<UniqueFd> fds;
  bool have_creds = false;
  ucred creds{};
  ssize_t n;
  if (hello_ && fds_announced_ == 0) {
    // No fds can come (wire.h, kFdsNext): no control buffer. With MSG_TRUNC
    // the kernel returns the datagram's real length, so a truncated one
    // shows.
    n = SysRecvfrom(sock_.get(), buf, wire::kMaxDatagram, flags | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return ReadResult::kAgain;
      return ReadResult::kFailed;
    }
    if (n == 0 || static_cast<size_t>(n) > wire::kMaxDatagram) {
      return ReadResult::kFailed;
    }
  } else {
    n = ReadWithControl(sock_.get(), buf, flags, &fds, &have_creds, &creds);
    if (n == -2) return ReadResult::kAgain;
    if (n < 0) return ReadResult::kFailed;
    if (!fds.empty() && fds_announced_ > 0) --fds_announced_;
  }
  WireHeader h;
  wire::MessageLayout layout;
  const uint8_t* datagram = buf;
  size_t datagram_len = static_cast<size_t>(n);
  // Only the reader sets hello_ (below, under mu_), and the role passes
  // under mu_: the reader reads it without the lock.
  const bool hello = hello_;
  if (!hello) {
    // The first message must be HELLO with kernel-verified credentials,
    // alone or followed in the same datagram by the peer's first message
    // (which the attached fds then belong to).
    size_t message_offset = 0;
    if (!have_creds || !wire::ValidateFirstDatagram(
                           buf, datagram_len, static_cast<uint32_t>(fds.size()),
                           &h, &message_offset)) {
      return ReadResult::kFailed;
    }
    Ref<Proxy> root;
    bool release_root = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      hello_ = true;
      peer_pid_ = creds.pid;
      peer_uid_ = creds.uid;
      peer_has_root_ = (h.flags & wire::kFlagHasRoot) != 0;
      if (root_release_pending_ && peer_has_root_) {
        pending_releases_.push_back(WireRelease{0, 0, 0});
        has_pending_releases_.store(true, std::memory_order_release);
        release_root = true;
      }
      root_release_pending_ = false;
      if (!peer_has_root_) {
        auto it = imports_.find(0);
        if (it != imports_.end() && it->second->TryAddRef()) {
          root = Ref<Proxy>::Adopt(it->second);
        }
      }
    }
    int off = 0;
    setsockopt(sock_.get(), SOL_SOCKET, SO_PASSCRED, &off, sizeof(off));
    if (root) root->MarkDead();
    if (release_root) FlushReleases();  // never blocks
    if (message_offset == 0) return ReadResult::kNothing;
    datagram += message_offset;
    datagram_len -= message_offset;
  }
  if (!wire::ValidateMessage(datagram, datagram_len,
                             static_cast<uint32_t>(fds.size()), &h, &layout)) {
    return ReadResult::kFailed;
  }
  switch (h.type) {
    case wire::kHello:
      return ReadResult::kFailed;
    case wire::kFdsNext:
      return ++fds_announced_ <= kMaxFdsAnnounced ? ReadResult::kNothing
                                                  : ReadResult::kFailed;
    case wire::kRelease: {
      bool ok = true;
      ApplyReleases(layout.data, h.body_size, &ok);
      return ok ? ReadResult::kNothing : ReadResult::kFailed;
    }
    case wire::kRingSetup: {
      // The peer's ring: once, a memfd of the exact size that can neither
      // grow nor shrink (so the mapping cannot fault).
      const int fd = fds[0].get();
      struct stat st;
      const int seals = fcntl(fd, F_GET_SEALS);
      const int required = F_SEAL_SHRINK | F_SEAL_GROW;
      if (rx_ring_ != nullptr || seals < 0 || (seals & required) != required ||
          fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
          static_cast<uint64_t>(st.st_size) != wire::kRingFileSize) {
        return ReadResult::kFailed;
      }
      void* map = mmap(nullptr, wire::kRingFileSize, PROT_READ | PROT_WRITE,
                       MAP_SHARED, fd, 0);
      if (map == MAP_FAILED) return ReadResult::kFailed;
      madvise(map, wire::kRingFileSize, MADV_DONTFORK);
      rx_ring_ = static_cast<uint8_t*>(map);
      return ReadResult::kNothing;
    }
    case wire::kDeadNotice: {
      Ref<Proxy> p;
      {
        std::lock_guard<std::mutex> l(mu_);
        auto it = imports_.find(h.handle);
        if (it != imports_.end() && it->second->TryAddRef()) {
          p = Ref<Proxy>::Adopt(it->second);
        }
      }
      if (p) p->MarkDead();
      return ReadResult::kNothing;
    }
    default:
      break;
  }
  // Request or reply.
  if (layout.body_in_ring) {
    std::unique_ptr<uint8_t[]> table;
    uint8_t* data = nullptr;
    uint32_t alloc = 0;
    if (!ReadRingBody(h, deadline, &layout, &table, &data, &alloc)) {
      return ReadResult::kFailed;
    }
    return BuildIncoming(h, layout, fds, data, alloc, out)
               ? ReadResult::kMessage
               : ReadResult::kFailed;
  }
  if (!layout.body_in_memfd) {
    if (own != nullptr && h.type == wire::kReply && h.txn_id == own->txn &&
        h.object_count == 0 && fds.empty() &&
        TakeOwnReply(h, layout.data, own)) {
      return ReadResult::kOwnReply;
    }
    return BuildIncoming(h, layout, fds, nullptr, 0, out) ? ReadResult::kMessage
                                                          : ReadResult::kFailed;
  }
  // The body is the content of the last fd: a sealed memfd of exactly
  // body_size bytes. The data goes straight into the parcel's buffer (one
  // copy); the object table into a scratch buffer.
  const int fd = fds.back().get();
  struct stat st;
  const int seals = fcntl(fd, F_GET_SEALS);
  const int required = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (seals < 0 || (seals & required) != required || fstat(fd, &st) != 0 ||
      !S_ISREG(st.st_mode) || st.st_size != h.body_size) {
    return ReadResult::kFailed;
  }
  const uint32_t table_len = h.object_count * sizeof(WireObject);
  std::unique_ptr<uint8_t[]> table;
  if (table_len > 0) {
    table.reset(new (std::nothrow) uint8_t[table_len]);
    if (!table) return ReadResult::kFailed;
  }
  uint32_t alloc;
  uint8_t* data = AllocReceivedData(h.data_size, &alloc);
  if (h.data_size > 0 && data == nullptr) return ReadResult::kFailed;
  size_t done = 0;
  const size_t total = h.body_size;
  bool ok = true;
  while (done < total) {
    iovec parts[2];
    int count = 0;
    if (done < table_len) {
      parts[count++] = {table.get() + done, table_len - done};
      if (h.data_size > 0) parts[count++] = {data, h.data_size};
    } else {
      parts[count++] = {data + (done - table_len), total - done};
    }
    ssize_t r = preadv(fd, parts, count, done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ok = false;
      break;
    }
    done += r;
  }
  if (!ok || !wire::ValidateBodyParts(h, table.get(), table_len, data,
                                      h.data_size, &layout)) {
    FreeParcelBlock(data, alloc);
    return ReadResult::kFailed;
  }
  fds.pop_back();  // the memfd itself
  return BuildIncoming(h, layout, fds, data, alloc, out) ? ReadResult::kMessage
                                                         : ReadResult::kFailed;
}

bool Connection::ReadRingBody(const WireHeader& h, int64_t deadline,
                              wire::MessageLayout* layout,
                              std::unique_ptr<uint8_t[]>* table, uint8_t** data,
                              uint32_t* alloc) {
  if (rx_ring_ == nullptr ||
      !wire::ValidRingPosition(rx_expected_, layout->ring_pos, h.body_size)) {
    return false;
  }
  // Where this side reads (the peer sends its next body early if that is
  // another CPU than its own); written only when it changes.
  const int cpu = sched_getcpu();
  uint32_t* reader_cpu =
      RingWord<uint32_t>(rx_ring_, wire::kRingReaderCpuOffset);
  if (cpu >= 0 && __atomic_load_n(reader_cpu, __ATOMIC_RELAXED) !=
                      static_cast<uint32_t>(cpu) + 1) {
    __atomic_store_n(reader_cpu, static_cast<uint32_t>(cpu) + 1,
                     __ATOMIC_RELAXED);
  }
  const uint8_t* src =
      rx_ring_ + wire::kRingHeaderSize + layout->ring_pos % wire::kRingSize;
  const uint32_t table_len = h.object_count * sizeof(WireObject);
  if (table_len > 0) {
    table->reset(new (std::nothrow) uint8_t[table_len]);
    if (!*table) return false;
  }
  *data = AllocReceivedData(h.data_size, alloc);
  if (h.data_size > 0 && *data == nullptr) return false;
  // Copies the body's bytes [copied, upto) out: the object table, then the
  // data.
  uint32_t copied = 0;
  auto copy_to = [&](uint32_t upto) {
    if (copied < table_len) {
      const uint32_t n = std::min(upto, table_len) - copied;
      std::memcpy(table->get() + copied, src + copied, n);
      copied += n;
    }
    if (upto > copied) {
      std::memcpy(*data + (copied - table_len), src + copied, upto - copied);
      copied = upto;
    }
  };
  if ((h.flags & wire::kFlagBodyPending) != 0) {
    // The sender writes it now, publishing as it goes: copy each part out
    // as it comes, on this CPU while the sender's goes on.
    while (copied < h.body_size) {
      uint64_t published = 0;
      if (!WaitPublished(layout->ring_pos + copied + 1, deadline, &published)) {
        FreeParcelBlock(*data, *alloc);
        *data = nullptr;
        return false;
      }
      copy_to(static_cast<uint32_t>(
          std::min<uint64_t>(published - layout->ring_pos, h.body_size)));
    }
  } else {
    copy_to(h.body_size);
  }
  // Copied: the sender may reuse the space. Validation works on the copy.
  rx_expected_ = layout->ring_pos + h.body_size;
  __atomic_store_n(RingWord<uint64_t>(rx_ring_, wire::kRingConsumedOffset),
                   rx_expected_, __ATOMIC_RELEASE);
  if (!wire::ValidateBodyParts(h, table->get(), table_len, *data, h.data_size,
                               layout)) {
    FreeParcelBlock(*data, *alloc);
    *data = nullptr;
    return false;
  }
  return true;
}

bool Connection::TakeOwnReply(const WireHeader& h, const uint8_t* data,
                              Waiter* own) {
  // Only a successful reply's data reaches the caller (Transact), and
  // none that failed: its parcel stays as it was.
  const bool copy =
      own->into != nullptr && h.data_size > 0 &&
      MapHandlerCode(static_cast<int32_t>(h.code)) == OH_IPC_SUCCESS;
  uint8_t* block = nullptr;
  uint32_t alloc = 0;
  if (copy && !own->into->FitsReceived(h.data_size)) {
    block = AllocReceivedData(h.data_size, &alloc);
    if (block == nullptr) return false;
  }
  Ref<ThreadState> kick;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = waiters_.find(h.txn_id);
    if (it == waiters_.end() || it->second != own) {
      FreeParcelBlock(block, alloc);
      return false;
    }
    waiters_.erase(it);
    kick = ReleaseReaderLocked();  // under the same lock
  }
  if (kick) kick->Wake();
  // Only this thread reads its own waiter, and nobody writes it once it is
  // out of waiters_ (as RouteMessage's kMine).
  if (copy) own->into->AssignReceived(data, h.data_size, block, alloc);
  own->code = h.code;
  own->direct = true;
  own->done = true;
  return true;
}

bool Connection::BuildIncoming(const WireHeader& h,
                               const wire::MessageLayout& layout,
                               std::vector<UniqueFd>& fds, uint8_t* owned_data,
                               uint32_t owned_alloc,
                               std::unique_ptr<Incoming>* out) {
  auto msg = std::make_unique<Incoming>();
  msg->header = h;
  msg->conn = Ref<Connection>(this);
  msg->fds = static_cast<uint32_t>(fds.size());
  uint8_t* data = owned_data;
  uint32_t alloc = owned_alloc;
  if (data == nullptr && h.data_size > 0) {
    data = AllocReceivedData(h.data_size, &alloc);
    if (data == nullptr) return false;
    std::memcpy(data, layout.data, h.data_size);
  }
  std::vector<ParcelObject> objects(h.object_count);
  bool ok = true;
  size_t next_fd = 0;
  // Set with hello_ by a reader (ReadOne): this thread reads them unlocked.
  msg->peer_pid = static_cast<uint64_t>(static_cast<int64_t>(peer_pid_));
  msg->peer_uid = peer_uid_;
  const bool request = h.type == wire::kRequest;
  if (h.object_count > 0 || request) {
    std::lock_guard<std::mutex> l(mu_);
    // A request's target is taken as it is read: a request that arrived
    // before the connection ended (its sender gone right after sending it
    // one-way, say) is still served, though Kill() has dropped the exports
    // by the time a worker gets to it.
    if (request) {
      auto it = exports_.find(h.handle);
      if (it != exports_.end()) msg->target = it->second.object;
    }
    for (uint32_t i = 0; i < h.object_count && ok; ++i) {
      WireObject o = wire::ObjectAt(layout, i);
      ParcelObject& po = objects[i];
      po.offset = o.offset;
      switch (o.kind) {
        case wire::kObjectFd:
          po.fd = std::move(fds[next_fd++]);
          break;
        case wire::kObjectSenderHandle: {
          auto it = imports_.find(o.handle);
          Proxy* p = nullptr;
          if (it != imports_.end() && it->second->TryAddRef()) {
            p = it->second;
          } else {
            // New, or the old proxy is being destroyed (it will still send
            // its own release count).
            if (it != imports_.end() && it->second->relayed) {
              --relayed_imports_;
            }
            p = new Proxy(Ref<Connection>(this), o.handle);
            p->relayed = (o.flags & wire::kObjectFlagRelay) != 0;
            if (p->relayed) ++relayed_imports_;
            imports_[o.handle] = p;
          }
          ++p->recv_count;
          po.object = Ref<RemoteObject>::Adopt(p);
          break;
        }
        case wire::kObjectReceiverHandle: {
          auto it = exports_.find(o.handle);
          if (it == exports_.end()) {
            ok = false;  // a handle we never gave out
          } else {
            po.object = it->second.object;
          }
          break;
        }
      }
    }
  }
  if (!ok) {
    FreeParcelBlock(data, alloc);
    return false;  // `objects` is dropped here, outside the lock
  }
  msg->parcel.parcel.Adopt(data, alloc, h.data_size, std::move(objects));
  *out = std::move(msg);
  return true;
}

void Connection::ApplyReleases(const uint8_t* body, uint32_t size, bool* ok) {
  std::vector<Ref<RemoteObject>> drop;
  std::lock_guard<std::mutex> l(mu_);
  for (uint32_t off = 0; off + sizeof(WireRelease) <= size;
       off += sizeof(WireRelease)) {
    WireRelease r;
    std::memcpy(&r, body + off, sizeof(r));
    auto it = exports_.find(r.handle);
    if (r.handle == 0 && it == exports_.end() && root_retired_ &&
        r.reserved == 0) {
      root_released_ = true;  // nothing more can come to the retired root
      continue;
    }
    if (it == exports_.end() || r.reserved != 0) {
      *ok = false;
      break;
    }
    Export& e = it->second;
    if (e.pinned) continue;
    if (r.count > e.sent) {
      *ok = false;
      break;
    }
    e.sent -= r.count;
    if (e.sent == 0) {
      export_index_.erase(e.object.get());
      drop.push_back(std::move(e.object));
      exports_.erase(it);
    }
  }
  // `drop` is declared before the lock guard, so it is released after the
  // unlock: stub destroy callbacks may run here.
}

void Connection::QueueRequest(std::unique_ptr<Incoming> msg) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (queued_messages_ >= kMaxQueuedMessages ||
        queued_fds_ + msg->fds > kMaxQueuedFds) {
      msg->queued = false;
    } else {
      ++queued_messages_;
      queued_fds_ += msg->fds;
      msg->queued = true;
    }
  }
  if (!msg->queued) {
    Kill();  // a flood: the peer sends faster than we can ever serve
    return;
  }
  rt_->PostRequest(std::move(msg));
}

Connection::Route Connection::RouteMessage(std::unique_ptr<Incoming>& msg,
                                           Waiter* self) {
  const WireHeader& h = msg->header;
  if (h.type == wire::kReply) {
    Ref<ThreadState> wake;
    bool mine = false;
    bool violation = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = waiters_.find(h.txn_id);
      if (it == waiters_.end()) {
        // A late reply to a call that timed out is expected; a reply to a
        // transaction that never existed is a protocol violation.
        violation = std::find(timed_out_.begin(), timed_out_.end(), h.txn_id) ==
                    timed_out_.end();
      } else {
        Waiter* w = it->second;
        waiters_.erase(it);
        if (w == self) {
          // Only this thread reads its own waiter, and nobody can write it
          // once it is out of waiters_.
          w->reply = std::move(msg);
          w->done = true;
          mine = true;
        } else {
          std::lock_guard<std::mutex> tl(w->ts->mu);
          w->reply = std::move(msg);
          w->done = true;
          wake = w->ts;
        }
      }
    }
    if (wake) wake->Wake();
    if (violation) Kill();
    return mine ? Route::kMine : Route::kConsumed;
  }
  // A request: of a call chain a thread of ours waits in?
  if (h.chain_id != 0) {
    if (Ref<ThreadState> ts = rt_->ChainWaiter(h.chain_id)) {
      if (ts.get() == ThreadState::Current()) return Route::kInline;
      bool accepted = false;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (queued_messages_ < kMaxQueuedMessages &&
            queued_fds_ + msg->fds <= kMaxQueuedFds) {
          ++queued_messages_;
          queued_fds_ += msg->fds;
          msg->queued = true;
          accepted = true;
        }
      }
      if (!accepted) {
        Kill();  // a flood
        return Route::kConsumed;
      }
      // If that thread stopped waiting meanwhile, the pool serves it.
      if (!rt_->DeliverToChain(h.chain_id, ts.get(), msg)) {
        rt_->PostRequest(std::move(msg));
      }
      return Route::kConsumed;
    }
  }
  if (self == nullptr) return Route::kInline;
  QueueRequest(std::move(msg));
  return Route::kConsumed;
}

void Connection::OnReadable() {
  Ref<Connection> keep(this);
  bool had_hello;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (dead()) return;
    had_hello = hello_;
    // The event disabled the socket's registration (EPOLLONESHOT): whoever
    // releases the reader role next registers it again.
    armed_ = false;
    rearm_needed_ = true;
    if (reading_) return;
    reading_ = true;
  }
  std::unique_ptr<Incoming> msg;
  ReadResult r = ReadOne(&msg);
  // That was the peer's HELLO: what came with it is read now rather than
  // after another epoll_wait (a Create child's HELLO and report arrive
  // together). Not after other messages ReadOne handles itself: a worker
  // that read on after each release would keep serving requests that an
  // idle thread (a joined one, say) could take.
  if (r == ReadResult::kNothing && !had_hello) r = ReadOne(&msg);
  if (r == ReadResult::kFailed) {
    Kill();
    return;
  }
  ReleaseReader();
  if (r != ReadResult::kMessage) return;
  if (RouteMessage(msg, nullptr) == Route::kInline) {
    rt_->BeforeBusy();
    ThreadState* ts = ThreadState::Current();
    if (!ts->is_pool_worker) {
      ServeRequest(std::move(msg));
      return;
    }
    ts->linger_ok = true;
    ServeRequest(std::move(msg));
    const bool holding = ts->linger_holding;
    ts->linger_holding = false;
    Linger(holding);
  }
}

void Connection::NeverLinger() {
  std::lock_guard<std::mutex> l(mu_);
  linger_off_ = true;
}

bool Connection::TakeReaderToLinger() {
  const bool may = rt_->MayLinger();
  Ref<ThreadState> kick;
  {
    std::lock_guard<std::mutex> l(mu_);
    const bool was_unarmed = unarmed_serving_;
    unarmed_serving_ = false;
    if (may && !dead() && !reading_ && !linger_off_ && NeedsWatchLocked()) {
      reading_ = true;
      lingering_ = true;
      if (armed_) {  // by a tick, or a nested call's reader
        armed_ = false;
        rt_->Arm(this, sock_.get(), false);
      }
      return true;
    }
    // Nobody reads a socket left unarmed: hand it over, or arm it.
    if (was_unarmed && !dead() && !reading_) kick = HandOverLocked();
  }
  if (kick) kick->Wake();
  return false;
}

void Connection::FinishUnarmed() {
  Ref<ThreadState> kick;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!unarmed_serving_) return;
    unarmed_serving_ = false;
    if (!dead() && !reading_) kick = HandOverLocked();
  }
  if (kick) kick->Wake();
}

void Connection::ReleaseReaderUnarmed() {
  Ref<ThreadState> kick;
  bool start_ticking = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    reading_ = false;
    lingering_ = false;
    if (dead()) return;
    // A caller of this process waiting for a reply reads (HandOverLocked
    // prefers it); so does an armed socket's pool.
    if (armed_ || !NeedsWatchLocked() || HasIdleWaiterLocked()) {
      kick = HandOverLocked();
    } else {
      unarmed_serving_ = true;
      ++serve_seq_;
      if (!watched_) {
        watched_ = true;
        seen_seq_ = serve_seq_ - 1;
        idle_ticks_ = 0;
        start_ticking = true;
        rt_->watched_connections_.fetch_add(1);
      }
    }
  }
  if (kick) kick->Wake();
  if (start_ticking) rt_->WakeIdleWorker();
}

void Connection::TickUnarmed() {
  Ref<ThreadState> kick;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!watched_) return;
    bool stop = dead();
    if (!stop && serve_seq_ != seen_seq_) {
      seen_seq_ = serve_seq_;  // a new request since the last tick
      idle_ticks_ = 0;
    } else if (!stop && unarmed_serving_) {
      // The same handler since the last tick: let the pool read the rest
      // (HandOverLocked does nothing once the socket is armed). The watch
      // goes on until that handler ends.
      idle_ticks_ = 0;
      if (!reading_) kick = HandOverLocked();
    } else if (!stop) {
      stop = ++idle_ticks_ >= kWatchIdleTicks;
    }
    if (stop) {
      watched_ = false;
      rt_->watched_connections_.fetch_sub(1);
    }
  }
  if (kick) kick->Wake();
}

void Connection::Linger(bool holding) {
  ThreadState* ts = ThreadState::Current();
  // A process with several connections, say, without touching the shared
  // counter.
  if (!holding && !rt_->MayLinger()) return;
  // Counted before MayLinger reads idle_ again (TakeReaderToLinger): see
  // the retirement rule in WorkerLoop.
  rt_->lingering_workers_.fetch_add(1);
  for (;;) {
    if (!holding && !TakeReaderToLinger()) break;
    holding = false;
    std::unique_ptr<Incoming> msg;
    // Blocks until the peer sends something, closes, or a caller's
    // SO_RCVTIMEO (ReaderLoop) passes; a dying connection shuts the socket
    // down (Kill).
    const ReadResult r = ReadOne(&msg, /*wait=*/true);
    if (r == ReadResult::kFailed) {
      Kill();
      break;
    }
    if (r != ReadResult::kMessage) {
      ReleaseReader();
      if (r == ReadResult::kNothing) continue;  // a RELEASE, say
      break;                                    // SO_RCVTIMEO, EINTR
    }
    // A reply or a request of a caller's chain was handed to its thread.
    if (RouteMessage(msg, nullptr) != Route::kInline) {
      ReleaseReader();
      break;
    }
    ReleaseReaderUnarmed();
    rt_->BeforeBusy();
    ts->linger_ok = true;
    ServeRequest(std::move(msg));
    holding = ts->linger_holding;
    ts->linger_holding = false;
  }
  rt_->lingering_workers_.fetch_sub(1);
}

bool Connection::ReaderLoop(Waiter* w, int64_t deadline, int64_t timeout_ms,
                            bool first) {
  ThreadState* ts = w->ts.get();
  // The call's first wait blocks in its read when this is the process's only
  // connection. Then nothing but this socket can bring this thread anything:
  // its reply and the requests of its call chain come here (a connection
  // added meanwhile has never carried the chain), no other connection has a
  // reader that could hand it one, and a dying connection shuts the socket
  // down (Kill). That saves
  // the poll of a reply that is not there yet: one system call and one
  // wait-queue set-up per call. SO_RCVTIMEO carries the call's timeout (set
  // when it changes, so normally once); the wait then ends at most a few ms
  // after the deadline (the system call's start and the timer's rounding).
  // Otherwise, and for every later wait of the call: read before polling,
  // as when both processes share a CPU the peer has usually run, and
  // replied, before this thread gets here.
  bool block = first && rt_->SoleConnection();
  if (block && timeout_ms != rcvtimeo_ms_) {
    timeval tv = {static_cast<time_t>(timeout_ms / 1000),
                  static_cast<suseconds_t>(timeout_ms % 1000 * 1000)};
    if (setsockopt(sock_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ==
        0) {
      rcvtimeo_ms_ = timeout_ms;
    } else {
      block = false;
    }
  }
  bool read_first = true;
  for (;;) {
    if (!read_first) {
      pollfd p[2] = {{sock_.get(), POLLIN, 0}, {ts->wake_fd(), POLLIN, 0}};
      int n = poll(p, 2, PollTimeout(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ReleaseReaderMidCall();
        return false;  // timeout (or poll failure): the caller checks its
                       // deadline
      }
      if (p[1].revents != 0) {
        uint64_t v;
        while (read(p[1].fd, &v, sizeof(v)) < 0 && errno == EINTR) {
        }
        ReleaseReaderMidCall();
        return false;  // something for this thread (mailbox, or death)
      }
    }
    read_first = false;
    std::unique_ptr<Incoming> msg;
    ReadResult r = ReadOne(&msg, block, deadline, w);
    block = false;
    if (r == ReadResult::kFailed) {
      Kill();
      return false;
    }
    if (r == ReadResult::kOwnReply) return true;  // the role given back
    if (r != ReadResult::kMessage) continue;
    // A request of its chain is served on this thread (kInline), and from
    // here another thread may read the socket.
    rt_->EnterDeferredChain();
    switch (RouteMessage(msg, w)) {
      case Route::kMine:
        ReleaseReader();
        return true;
      case Route::kInline:
        ReleaseReader();
        ServeRequest(std::move(msg));
        return false;
      case Route::kConsumed:
        if (dead()) return false;
        break;
    }
  }
}

int Connection::Transact(uint32_t handle, uint32_t code, const Parcel& data,
                         Parcel* reply, bool one_way, int64_t timeout_ms) {
  if (rt_->abandoned() || dead()) return OH_IPC_DEAD_REMOTE_OBJECT;
  ThreadState* ts = ThreadState::Current();
  const CallContext& ctx = ts->ctx;
  WireHeader h = NewHeader(wire::kRequest);
  h.code = code;
  h.handle = handle;
  h.first_uid =
      ctx.in_ipc ? static_cast<uint32_t>(ctx.first_uid) : rt_->self_uid();
  if (timeout_ms < 0) timeout_ms = rt_->default_timeout_ms();
  if (one_way) {
    h.flags = wire::kFlagOneWay;
    const int rc = SendMessage(h, &data, timeout_ms);
    // A lazily adopted connection is registered disarmed for its first
    // caller to read; after a one-way first call nobody would.
    Ref<ThreadState> kick;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (never_armed_ && !reading_ && !dead()) kick = HandOverLocked();
    }
    if (kick) kick->Wake();
    rt_->StartPool();
    return rc;
  }
  const uint64_t chain =
      (ctx.in_ipc && ctx.chain != 0) ? ctx.chain : rt_->NewChain();
  h.chain_id = chain;
  // Other threads wake this one through its eventfd once the waiter is
  // published below: create it now, on this thread.
  if (ts->wake_fd() < 0) return OH_IPC_INNER_ERROR;
  Waiter w;
  w.ts = Ref<ThreadState>(ts);
  w.into = reply;
  bool reading;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (dead()) return OH_IPC_DEAD_REMOTE_OBJECT;
    w.txn = next_txn_++;
    waiters_[w.txn] = &w;
    // Take the reader role before sending: otherwise a fast reply can wake
    // a pool thread first, which then has to hand it over (two more context
    // switches, the common case when both processes share a CPU).
    reading = TryBecomeReaderLocked(&w);
  }
  h.txn_id = w.txn;
  // A caller that reads the process's only connection itself sees every
  // request of its chain first (as the blocking read assumes, see
  // ReaderLoop): its chain is registered only before it routes a message or
  // gives up the role (EnterDeferredChain), which most calls never do.
  uint64_t deferred = 0;
  uint64_t* const outer_deferred = ts->deferred_chain;
  if (reading && rt_->SoleConnection()) {
    deferred = chain;
    ts->deferred_chain = &deferred;
  } else {
    rt_->EnterChain(ts, chain);
  }
  const int64_t deadline = timeout_ms == 0 ? -1 : NowMs() + timeout_ms;
  int rc = SendMessage(h, &data, timeout_ms, &reading);
  if (rc != OH_IPC_SUCCESS && reading) ReleaseReader();
  bool timed_out = false;
  // Still the reader: the send did not wait, so the deadline is the
  // timeout from now (ReaderLoop may block for it).
  bool first_wait = reading;
  std::unique_ptr<Incoming> answer;
  bool dead_remote = false;
  bool own_reply = false;
  // Before its first wait as the reader, a thread in no registered chain
  // has nothing to look at: a reply or death only comes through the socket
  // it is about to read (Kill shuts it down), and nobody can queue a
  // request of its chain for it.
  bool look = !(first_wait && ts->chain_depth == 0);
  if (rc == OH_IPC_SUCCESS) {
    for (;;) {
      std::unique_ptr<Incoming> nested;
      if (look) {
        std::lock_guard<std::mutex> l(ts->mu);
        if (w.done) {
          // Set once: nothing writes the waiter after `done`.
          answer = std::move(w.reply);
          dead_remote = w.dead;
          break;
        }
        if (!ts->nested.empty()) {
          nested = std::move(ts->nested.front());
          ts->nested.pop_front();
        }
      }
      if (nested) {
        // A request of this thread's call chain (a callback into the
        // caller): served here, like binder does.
        Ref<Connection> c = nested->conn;
        c->ServeRequest(std::move(nested));
        continue;
      }
      // Not before the first wait (no clock read on the common path): only
      // a send that waited for the whole timeout could have used it up,
      // and that one failed the call.
      if (!first_wait && deadline >= 0 && NowMs() >= deadline) {
        timed_out = true;
        break;
      }
      if (reading || TryBecomeReader(&w)) {
        reading = false;  // ReaderLoop gives the role back when it returns
        look = true;
        if (ReaderLoop(&w, deadline, timeout_ms, first_wait)) {
          // Its own reply (set by this thread, read without the lock), the
          // waiter unregistered and the role handed over: nothing to leave.
          answer = std::move(w.reply);
          own_reply = true;
          break;
        }
        first_wait = false;
      } else {
        ts->WaitForWake(
            deadline < 0 ? -1 : std::max<int64_t>(0, deadline - NowMs()));
        std::lock_guard<std::mutex> l(mu_);
        w.idle = false;
      }
    }
  }
  // Leave the wait: unregister unless a reply or death already did.
  Ref<ThreadState> kick;
  if (!own_reply) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = waiters_.find(w.txn);
    if (it != waiters_.end() && it->second == &w) {
      waiters_.erase(it);
      if (timed_out) {
        timed_out_.push_back(w.txn);
        if (timed_out_.size() > kMaxTimedOut) timed_out_.pop_front();
      }
    }
    // Nobody reads (a waiter woken to take over may have got its reply
    // another way): hand the role over, or watch the socket.
    if (!dead() && !reading_) kick = HandOverLocked();
  }
  if (kick) kick->Wake();
  ts->deferred_chain = outer_deferred;
  if (deferred == 0) rt_->LeaveChain(ts);  // it was registered
  // A runtime created for a connection adopted lazily (AdoptConnection)
  // starts its pool now that the reply is in. Not while the peer works on
  // the request: on a busy or single CPU the thread creation (~0.1-0.3 ms)
  // would come before the peer's turn, and so before its reply (a Create
  // child's report, and with it the app's start callback).
  rt_->StartPool();
  if (!answer && !dead_remote && !w.direct) {
    // Timed out, or the send failed: a reply or death may still have come
    // before the waiter was unregistered above.
    std::lock_guard<std::mutex> l(ts->mu);
    answer = std::move(w.reply);
    dead_remote = w.dead;
  }
  if (rc != OH_IPC_SUCCESS) return rc;
  // Its data already in `reply` (TakeOwnReply).
  if (w.direct) return MapHandlerCode(static_cast<int32_t>(w.code));
  if (answer) {
    int status = MapHandlerCode(static_cast<int32_t>(answer->header.code));
    Parcel& got = answer->parcel.parcel;
    // A status-only or empty reply leaves the caller's parcel as it was.
    if (status == OH_IPC_SUCCESS && reply != nullptr &&
        (got.data_size() > 0 || !got.objects().empty())) {
      reply->MoveFrom(got);
    }
    return status;
  }
  if (dead_remote) return OH_IPC_DEAD_REMOTE_OBJECT;
  return OH_IPC_INNER_ERROR;  // timed out
}

namespace {

struct ServingScope {
  ServingScope() { g_serving.fetch_add(1); }
  ~ServingScope() {
    if (g_serving.fetch_sub(1) == 1 && g_serving_waiters.load() > 0) {
      std::lock_guard<std::mutex> l(g_serving_mu);
      g_serving_done->notify_all();
    }
  }
};

}  // namespace

bool WaitRequestsDone(int timeout_ms) {
  g_serving_waiters.fetch_add(1);
  bool done;
  {
    std::unique_lock<std::mutex> l(g_serving_mu);
    done = g_serving_done->wait_for(l, std::chrono::milliseconds(timeout_ms),
                                    [] { return g_serving.load() == 0; });
  }
  g_serving_waiters.fetch_sub(1);
  return done;
}

void Connection::ServeRequest(std::unique_ptr<Incoming> msg) {
  const auto [after, arg] = ServeAndReply(std::move(msg));
  if (after == nullptr) return;
  // What runs after the reply may take long (a Create child's main
  // function): not with the reader role kept for lingering.
  ThreadState* ts = ThreadState::Current();
  if (ts->linger_holding) {
    ts->linger_holding = false;
    ReleaseReader();
  } else {
    FinishUnarmed();  // a one-way request's
  }
  after(arg);
}

bool RunAfterReply(void (*fn)(void*), void* arg) {
  ThreadState* ts = ThreadState::Current();
  if (fn == nullptr || !ts->ctx.in_ipc || ts->after_reply != nullptr) {
    return false;
  }
  ts->after_reply = fn;
  ts->after_reply_arg = arg;
  return true;
}

std::pair<void (*)(void*), void*> Connection::ServeAndReply(
    std::unique_ptr<Incoming> msg) {
  const ServingScope serving;  // until the reply is sent
  // Only the request a worker read itself (OnReadable, Linger), not one
  // its handler serves nested in a call.
  ThreadState* const self = ThreadState::Current();
  const bool may_linger = self->linger_ok;
  self->linger_ok = false;
  self->linger_holding = false;  // set below if it takes the reader role
  std::pair<void (*)(void*), void*> after = {nullptr, nullptr};
  const WireHeader h = msg->header;
  const bool one_way = (h.flags & wire::kFlagOneWay) != 0;
  Ref<RemoteObject> target = std::move(msg->target);  // BuildIncoming's
  if (msg->queued) {
    std::lock_guard<std::mutex> l(mu_);
    --queued_messages_;
    queued_fds_ -= msg->fds;
    msg->queued = false;
  }
  OHIPCParcel reply;
  int status;
  if (h.code == wire::kCodeGetDescriptor) {
    std::string descriptor;
    if (!target) {
      status = OH_IPC_DEAD_REMOTE_OBJECT;
    } else if (target->type() == RemoteObject::Type::kStub) {
      descriptor = static_cast<Stub*>(target.get())->descriptor();
      status = OH_IPC_SUCCESS;
    } else {
      status = static_cast<Proxy*>(target.get())->GetDescriptor(&descriptor);
    }
    if (status == OH_IPC_SUCCESS) {
      status =
          reply.parcel.WritePadded(descriptor.c_str(), descriptor.size() + 1);
    }
  } else if (h.code == 0 || h.code > wire::kMaxUserCode) {
    status = OH_IPC_CODE_OUT_OF_RANGE;
  } else if (!target) {
    status = OH_IPC_DEAD_REMOTE_OBJECT;
  } else {
    ThreadState* ts = self;
    const CallContext saved = ts->ctx;
    ts->ctx.in_ipc = true;
    ts->ctx.pid = msg->peer_pid;
    ts->ctx.uid = msg->peer_uid;
    ts->ctx.first_uid = h.first_uid;
    ts->ctx.chain = h.chain_id;
    ts->ctx.conn = this;
    if (target->type() == RemoteObject::Type::kStub) {
      const auto saved_after =
          std::make_pair(ts->after_reply, ts->after_reply_arg);
      ts->after_reply = nullptr;
      status = static_cast<Stub*>(target.get())
                   ->OnRequest(h.code, &msg->parcel, &reply);
      after = {ts->after_reply, ts->after_reply_arg};
      ts->after_reply = saved_after.first;
      ts->after_reply_arg = saved_after.second;
    } else {
      // A relayed proxy: forward, in the same call chain.
      status = static_cast<Proxy*>(target.get())
                   ->Transact(h.code, &msg->parcel, one_way ? nullptr : &reply,
                              one_way, -1);
    }
    ts->ctx = saved;
  }
  // The request's objects go before the reply: proxies the handler did not
  // keep are released now, so their release messages precede the reply and
  // the caller sees a consistent reference state when its call returns.
  msg->parcel.parcel.Clear();
  if (one_way) return after;
  bool holding = may_linger && TakeReaderToLinger();
  WireHeader r = NewHeader(wire::kReply);
  r.txn_id = h.txn_id;
  r.code = static_cast<uint32_t>(status);
  // The status always reaches the caller (decisions.md §2.11); a failed
  // handler's reply data is not sent.
  SendMessage(r, status == OH_IPC_SUCCESS ? &reply.parcel : nullptr,
              rt_->default_timeout_ms(), holding ? &holding : nullptr);
  self->linger_holding = holding;
  return after;
}

// ---------------------------------------------------------------------------
// Bridge

int AdoptConnection(int fd, OHIPCRemoteStub* root, OHIPCRemoteProxy** peer_root,
                    uint32_t flags) {
  if (fd < 0) return OH_IPC_CHECK_PARAM_ERROR;
  UniqueFd sock(fd);
  const bool start_pool = (flags & kAdoptLazily) == 0;
  auto option = [fd](int name) {
    int value = -1;
    socklen_t len = sizeof(value);
    return getsockopt(fd, SOL_SOCKET, name, &value, &len) == 0 ? value : -1;
  };
  if ((flags & kAdoptOwnSocket) == 0 &&
      (option(SO_TYPE) != SOCK_SEQPACKET || option(SO_DOMAIN) != AF_UNIX)) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  Stub* root_stub = nullptr;
  if (root != nullptr) {
    root_stub = StubOf(root);
    if (root_stub == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  }
  // An inherited fd may lack CLOEXEC; the peer's HELLO credentials need
  // SO_PASSCRED on this end until it has arrived.
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
    return OH_IPC_INNER_ERROR;
  }
  Runtime* rt = Runtime::Get(start_pool);
  if (rt == nullptr) return OH_IPC_INNER_ERROR;
  OHIPCRemoteProxy* handle = nullptr;
  if (peer_root != nullptr) {
    handle = new (std::nothrow) OHIPCRemoteProxy();
    if (handle == nullptr) return OH_IPC_INNER_ERROR;
  }
  Ref<Connection> conn =
      MakeRef<Connection>(rt, std::move(sock), rt->NextConnectionId());
  // Lazily: the caller's next step is a request, which then carries the
  // HELLO along (bridge.h).
  int rc =
      conn->Start(root_stub, (flags & (kAdoptLazily | kAdoptDeferHello)) != 0);
  if ((flags & kAdoptNeverLinger) != 0) conn->NeverLinger();
  // Lazily: nothing comes before the caller's first request, whose reply
  // it reads itself: the socket is armed once that call is done (no
  // epoll_ctl on the way to the first request).
  if (rc == OH_IPC_SUCCESS)
    rc = rt->AddConnection(conn, !(flags & kAdoptLazily));
  if (rc != OH_IPC_SUCCESS) {
    conn->Kill();
    delete handle;
    return rc;
  }
  if (handle != nullptr) {
    handle->proxy = conn->RootProxy();
    *peer_root = handle;
  }
  return OH_IPC_SUCCESS;
}

int32_t ProxyPeerPid(const OHIPCRemoteProxy* proxy) {
  Proxy* p = ProxyOf(proxy);
  if (p == nullptr || p->is_local()) return -1;
  Connection* c = p->connection();
  if (c->runtime()->abandoned()) return -1;
  return c->peer_pid();
}

}  // namespace ncp::ipc
