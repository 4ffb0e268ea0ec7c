// The per-process IPC runtime: connections, worker threads, transactions.
//
// Threading model (leader/follower, no dispatcher thread)
//   - One epoll set holds every connection's socket with EPOLLONESHOT, plus
//     an eventfd for the work queue. Idle pool workers ("ncp-ipc", all
//     signals blocked) wait in epoll_wait themselves.
//   - At most one thread at a time is the READER of a connection. A worker
//     woken by epoll becomes the reader, reads ONE message, gives the reader
//     role back (re-arming the socket or handing it to a waiting caller) and
//     then processes the message itself: no hand-off to another thread.
//   - A thread blocked in a sync SendRequest becomes the reader of its
//     connection when nobody else is (disarming the socket in epoll), so its
//     reply wakes it directly: one wake-up per direction, as in a raw
//     ping-pong. While it reads it delivers other threads' replies to them,
//     handles requests of its own call chain, and queues unrelated requests
//     for the pool.
//   - Nested calls (binder semantics): each sync request carries a call-chain
//     id. A request that arrives while a thread of this process waits in the
//     same chain is handled by that thread, so a handler calling back into
//     its caller works even with a single worker thread.
//   - The pool grows on demand (a worker about to run a handler spawns one
//     more if none is idle) up to OH_IPCSkeleton_SetMaxWorkThreadNum.
//   - Death: EOF, an error or a protocol violation kills the connection:
//     waiting callers return OH_IPC_DEAD_REMOTE_OBJECT at once, every proxy
//     of it is marked dead and its death recipients run once on a worker.
//
// Sync requests never wait forever: a timeout (option->timeout seconds, else
// NCP_IPC_TIMEOUT_MS, default 30000, 0 = forever) ends the wait with
// OH_IPC_INNER_ERROR; the late reply is recognised and discarded.
//
// Fork: pthread_atfork abandons the runtime in the child (its threads do not
// exist there): the child closes the runtime's fds, objects made before the
// fork behave as dead, and the next use creates a fresh runtime.
//
// Errors are OH_IPC_* codes throughout (see parcel.h for why not absl).
#ifndef NCP_IPC_RUNTIME_H_
#define NCP_IPC_RUNTIME_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "ipc/object.h"
#include "ipc/parcel.h"
#include "ipc/ref_counted.h"
#include "ipc/wire.h"

namespace ncp::ipc {

class Runtime;
struct Waiter;

// A tiny unordered map over a vector, for the few entries a connection's
// waiters or the process's waiting call chains hold at a time: no node
// allocation per sync call (the hot path), linear lookup.
template <typename K, typename V>
class SmallMap {
 public:
  using Entry = std::pair<K, V>;
  using iterator = typename std::vector<Entry>::iterator;
  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  iterator find(const K& key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) return it;
    }
    return entries_.end();
  }
  V& operator[](const K& key) {
    auto it = find(key);
    if (it != entries_.end()) return it->second;
    entries_.emplace_back(key, V());
    return entries_.back().second;
  }
  void erase(iterator it) {
    if (it + 1 != entries_.end()) *it = std::move(entries_.back());
    entries_.pop_back();
  }
  void clear() { entries_.clear(); }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

// Identity of the request being handled on a thread (ipc_cskeleton.h).
struct CallContext {
  bool in_ipc = false;
  uint64_t pid = 0;
  uint64_t uid = 0;
  uint64_t first_uid = 0;
  uint64_t chain = 0;
  Connection* conn = nullptr;  // that delivered the request (RetireRoot)
};

// A received request or reply, converted into a parcel.
// How often idle pool workers check handlers that run with their socket
// unarmed (Connection::Linger): such a handler holds up other requests on
// its connection for at most two ticks.
inline constexpr int kArmTickMs = 5;

struct Incoming {
  wire::WireHeader header{};
  OHIPCParcel parcel;
  Ref<Connection> conn;
  Ref<RemoteObject> target;  // a request's, taken when it was read
  uint64_t peer_pid = 0;
  uint64_t peer_uid = 0;
  uint32_t fds = 0;  // for flood accounting
  bool queued = false;
};

// Per-thread state, reference counted because other threads wake it.
class ThreadState : public RefCounted {
 public:
  static ThreadState* Current();

  // Wakes the thread if it waits in WaitForWake().
  void Wake();
  // Waits for Wake() or `timeout_ms` (< 0: forever). Returns false on
  // timeout.
  bool WaitForWake(int64_t timeout_ms);
  // The thread's eventfd, created on first use BY THE THREAD ITSELF (before
  // it publishes itself as a waiter), so Wake() from others never races
  // with the creation. -1 if it cannot be created.
  int wake_fd();
  // The thread's receive buffer (wire::kMaxDatagram bytes), allocated on
  // first use. Per-thread state lives here, never in thread_local: see
  // StateKey() in runtime.cc.
  uint8_t* read_buffer();

  std::mutex mu;
  std::deque<std::unique_ptr<Incoming>> nested;  // guarded by mu

  CallContext ctx;
  // Set by a request handler (RunAfterReply): run once its reply is sent.
  void (*after_reply)(void*) = nullptr;
  void* after_reply_arg = nullptr;
  bool in_worker_loop = false;
  bool stop_requested = false;
  bool is_pool_worker = false;
  // Connection::Linger bookkeeping: set by a pool worker about to serve a
  // request it read itself, so that the reply's sender may take the reader
  // role (linger_ok, cleared by ServeAndReply); whether it did
  // (linger_holding, set by ServeAndReply, taken and cleared by the
  // worker).
  bool linger_ok = false;
  bool linger_holding = false;
  uint64_t chain = 0;   // chain this thread waits in (0: none)
  int chain_depth = 0;  // nested waits in `chain`
  // The innermost sync call's chain while its registration is deferred
  // (Connection::Transact), else NULL or pointing to 0.
  uint64_t* deferred_chain = nullptr;

 private:
  ~ThreadState() override;
  UniqueFd wake_fd_;
  std::unique_ptr<uint8_t[]> read_buffer_;
};

class Connection final : public RefCounted {
 public:
  Connection(Runtime* rt, UniqueFd sock, uint64_t id);

  uint64_t id() const { return id_; }
  Runtime* runtime() const { return rt_; }
  bool dead() const { return dead_.load(std::memory_order_acquire); }
  int32_t peer_pid();

  // Adoption: exports `root` as handle 0, sends HELLO. Returns an OH code.
  // `defer_hello`: the HELLO goes out with the connection's first message
  // instead, in the same datagram (wire.h: kFlagMessageFollows), so that
  // the peer wakes once for both (a Create child's HELLO and report).
  int Start(Stub* root, bool defer_hello = false);
  // The proxy for the peer's root (handle 0).
  Ref<Proxy> RootProxy();

  // A sync or one-way request to `handle`. `reply` may be NULL for one-way.
  int Transact(uint32_t handle, uint32_t code, const Parcel& data,
               Parcel* reply, bool one_way, int64_t timeout_ms);

  // Called by a worker when epoll reports the socket readable.
  void OnReadable();
  // This end calls more than it serves (the app's end of a Create channel):
  // its workers never linger on it (see Linger).
  void NeverLinger();
  // Serves a request (on the current thread) and sends the reply, then
  // runs what the handler asked to run after it (RunAfterReply).
  void ServeRequest(std::unique_ptr<Incoming> msg);

  // Closes the connection: waiters fail, proxies die, exports are dropped.
  void Kill();

  // Number of Connection objects alive in this process (each owns one
  // socket fd until destroyed), and a wait for it to drop to `n` or below.
  // For leak checks in tests.
  static int LiveCount();
  static bool WaitLiveCountAtMost(int n, int64_t timeout_ms);

  // Stops offering the root object given to Start(): later requests to it
  // are answered OH_IPC_DEAD_REMOTE_OBJECT, and the connection drops its
  // reference. The socket stays watched until the peer releases its root
  // proxy (a RELEASE of handle 0). Idempotent.
  void RetireRoot();

  // Proxy support.
  void ReleaseImport(Proxy* proxy);
  void NotifyExportDead(const RemoteObject* object);

 private:
  friend class Runtime;
  ~Connection() override;

  enum class ReadResult { kMessage, kOwnReply, kNothing, kAgain, kFailed };
  // Reads and validates one message. Handles HELLO, RELEASE, DEAD_NOTICE,
  // RING_SETUP and FDS_NEXT itself (kNothing). Must be called by the reader.
  // `wait`: blocks until a message comes or SO_RCVTIMEO passes (kAgain);
  // otherwise kAgain at once if there is none. `deadline` (NowMs; -1: the
  // runtime's timeout from now) bounds the wait for a pending ring body
  // (WaitPublished). `own`: the reader's own waiter, whose plain reply (inline,
  // no objects) goes straight into its caller's parcel (kOwnReply, see
  // TakeOwnReply).
  ReadResult ReadOne(std::unique_ptr<Incoming>* out, bool wait = false,
                     int64_t deadline = -1, Waiter* own = nullptr);
  // The reply `h` (data at `data`) to `own`: unregisters it, gives the
  // reader role back (as ReleaseReader) and puts the data into own->into;
  // false (nothing done) if it is not registered or the parcel cannot get
  // the memory.
  bool TakeOwnReply(const wire::WireHeader& h, const uint8_t* data,
                    Waiter* own);
  bool BuildIncoming(const wire::WireHeader& h,
                     const wire::MessageLayout& layout,
                     std::vector<UniqueFd>& fds, uint8_t* owned_data,
                     uint32_t owned_alloc, std::unique_ptr<Incoming>* out);
  void ApplyReleases(const uint8_t* body, uint32_t size, bool* ok);
  // Routes a message read by the current thread. `self` is the caller's
  // waiter when the reader is a waiting caller (NULL for a pool worker).
  //   kMine:     it was the reply `self` waits for (now in `self`);
  //   kInline:   a request the current thread must serve itself;
  //   kConsumed: delivered elsewhere (or dropped); `msg` is empty or junk.
  enum class Route { kConsumed, kMine, kInline };
  // ServeRequest but for the after-reply step, which it returns.
  std::pair<void (*)(void*), void*> ServeAndReply(
      std::unique_ptr<Incoming> msg);
  Route RouteMessage(std::unique_ptr<Incoming>& msg, Waiter* self);
  void QueueRequest(std::unique_ptr<Incoming> msg);
  // A waiting caller reading the socket until something concerns it.
  // `timeout_ms` (0: none) is the call's, `deadline` its end (NowMs; -1:
  // none). `first`: the call's first wait, which may block in its read (see
  // the definition). True when it has read `w`'s own reply: then w->done
  // is set, with w->reply or, read straight into the caller's parcel,
  // w->direct; the waiter is unregistered and the role given back.
  bool ReaderLoop(Waiter* w, int64_t deadline, int64_t timeout_ms, bool first);

  bool TryBecomeReader(Waiter* w);
  bool TryBecomeReaderLocked(Waiter* w);
  void ReleaseReader();
  // ReleaseReader's part under mu_: the thread to wake, if any.
  Ref<ThreadState> ReleaseReaderLocked();
  // A caller giving the reader role up before its call ends: its deferred
  // chain is registered first (Runtime::EnterDeferredChain), so that the
  // next reader routes the chain's requests to it.
  void ReleaseReaderMidCall();
  // A pool worker that has served a request on the process's only
  // connection keeps reading it, blocked in its read, instead of going back
  // to epoll_wait (Runtime::MayLinger has the conditions). Its reply is
  // sent with the reader role already taken (TakeReaderToLinger), so the
  // next request cannot wake another worker through epoll: on a shared CPU
  // the peer usually runs, and sends it, before this worker gets back. Each
  // request read is served with the role released but the socket left
  // unarmed (ReleaseReaderUnarmed): no epoll_ctl pair per request. A
  // handler that blocks holds up the connection's other requests for at
  // most two ticks (kArmTickMs): the idle worker then arms the socket.
  // `holding`: the reply's sender kept the role. Ends on anything that is
  // not a request to serve here, on EOF, or when a caller of this process
  // found the role taken by a lingering worker (linger_off_: its reply had
  // to be handed over; the worker no longer lingers on this connection).
  void Linger(bool holding);
  // Takes the reader role for Linger, if the connection allows it. Ends a
  // request served unarmed either way (arming the socket if nobody takes
  // the role).
  bool TakeReaderToLinger();
  // Linger's release of the role before serving a request it read: the
  // socket is left unarmed (no epoll_ctl pair around the handler), and the
  // runtime's idle worker watches this connection (Runtime::WorkerLoop).
  void ReleaseReaderUnarmed();
  // Ends a request served unarmed without taking the role (before a
  // handler's after-reply step): arms the socket if nobody reads it.
  void FinishUnarmed();
  // Called by the runtime's idle workers every kArmTickMs while this
  // connection is watched: arms the socket if the same handler has run
  // unarmed since the last tick; ends the watch (and its count in
  // Runtime::watched_connections_) after kWatchIdleTicks ticks with no
  // such handler running and no new one.
  void TickUnarmed();
  // Whether the peer can send what must be read even when no caller waits
  // for a reply: its HELLO, requests to and releases of our exports (a
  // retired root until the peer releases it), dead notices for the relayed
  // proxies it sent us. Otherwise
  // the socket is watched only for EOF and errors (reported by epoll
  // whatever the mask), and the replies are read by the callers
  // themselves: no epoll_ctl per call.
  bool NeedsWatchLocked() const;
  // With mu_ held and no reader: wakes an idle waiting caller to read
  // (returned), else registers the socket for input if NeedsWatchLocked(),
  // else re-enables the EOF watch if an event disabled it.
  Ref<ThreadState> HandOverLocked();
  // With mu_ held: whether a waiting caller is idle (HandOverLocked would
  // wake it to read).
  bool HasIdleWaiterLocked();
  // Sends one message (header + parcel) with a deadline. OH code.
  // `*holding_reader` (may be NULL): the caller holds the reader role; it
  // is given back before waiting for buffer space, so that the peer's
  // messages keep being read (two sides both blocked in a send while
  // holding their reader roles would deadlock), and set to false.
  int SendMessage(wire::WireHeader h, const Parcel* parcel, int64_t timeout_ms,
                  bool* holding_reader = nullptr);
  // Sends one datagram of `len` bytes (no fds); OH code.
  int SendRaw(const void* buf, size_t len, int64_t timeout_ms);
  // Sends `m` (a deferred HELLO first, see Start); OH code.
  int SendMsgWithDeadline(struct msghdr* m, int64_t timeout_ms,
                          bool* holding_reader = nullptr);
  // SendMsgWithDeadline without the HELLO check.
  int SendLoop(struct msghdr* m, int64_t timeout_ms, bool* holding_reader);
  // With hello_mu_ held: sends the HELLO, followed in the same datagram by
  // `then` (may be NULL) if it fits (else in the same sendmmsg, if the
  // socket takes both); *then_sent tells.
  int SendHello(struct msghdr* then, int64_t timeout_ms, bool* holding_reader,
                bool* then_sent);
  // With ring_mu_ held: a place for a `size`-byte body in this side's ring
  // (set up on first use). False if the ring is full or unavailable.
  bool ReserveRing(uint32_t size, int64_t timeout_ms, uint64_t* pos,
                   bool* holding_reader);
  // The sender, ring lock held: the body up to `end` is in the ring; wakes
  // a receiver waiting for it.
  void PublishRing(uint64_t end);
  // Whether the peer last read a ring body on another CPU than this
  // thread's (wire.h: kFlagBodyPending).
  bool ReaderOnOtherCpu() const;
  // The reader: waits until the peer has published the ring up to `want`
  // at least (*published: how far). False if it has not by `deadline`
  // (NowMs; -1: the runtime's timeout from now, none if that is 0) or is
  // gone: a message it does not finish sending ends the connection.
  bool WaitPublished(uint64_t want, int64_t deadline, uint64_t* published);
  // The reader: copies a ring body out of the peer's ring.
  bool ReadRingBody(const wire::WireHeader& h, int64_t deadline,
                    wire::MessageLayout* layout,
                    std::unique_ptr<uint8_t[]>* table, uint8_t** data,
                    uint32_t* alloc);
  void FlushReleases();

  Runtime* const rt_;
  const uint64_t id_;
  UniqueFd sock_;
  std::atomic<bool> dead_{false};
  // This side's HELLO, until sent (Start). Every send checks the flag; the
  // one that finds it set sends the HELLO first, under hello_mu_.
  std::atomic<bool> hello_pending_{false};
  std::mutex hello_mu_;
  wire::WireHeader own_hello_{};  // guarded by hello_mu_

  std::mutex mu_;
  // All below guarded by mu_.
  bool reading_ = false;
  bool armed_ = false;  // registered for input (EPOLLIN)
  // Registered disarmed (a lazily adopted connection, AddConnection) and
  // never armed since: a one-way call arms it once sent (Transact).
  bool never_armed_ = false;   // guarded by mu_
  bool rearm_needed_ = false;  // an event disabled the registration
  bool lingering_ = false;     // the reader is a worker in Linger
  // A lingering worker serves a request it read with the socket neither
  // read nor armed (ReleaseReaderUnarmed); the pool's idle worker arms it if
  // that handler runs for a whole tick (TickUnarmed).
  bool unarmed_serving_ = false;
  bool watched_ = false;     // counted in Runtime::watched_connections_
  uint64_t serve_seq_ = 0;   // requests served unarmed
  uint64_t seen_seq_ = 0;    // serve_seq_ at the last tick
  int idle_ticks_ = 0;       // ticks since the last such request
  bool linger_off_ = false;  // see Linger
  bool hello_ = false;
  // kFdsNext messages read whose datagram with fds has not come yet: the
  // reader reads with a control buffer while this is not 0 (or before the
  // HELLO). Owned by the reader, like hello_.
  uint32_t fds_announced_ = 0;
  bool peer_has_root_ = true;
  int32_t peer_pid_ = -1;
  uint64_t peer_uid_ = 0;
  uint64_t next_txn_ = 1;
  SmallMap<uint64_t, Waiter*> waiters_;
  struct Export {
    Ref<RemoteObject> object;
    uint64_t sent = 0;
    bool pinned = false;  // the root: kept until the connection closes
  };
  std::unordered_map<uint32_t, Export> exports_;
  std::unordered_map<const RemoteObject*, uint32_t> export_index_;
  uint32_t next_handle_ = 1;
  std::unordered_map<uint32_t, Proxy*> imports_;  // weak
  uint32_t relayed_imports_ = 0;  // imports_ entries with `relayed` set
  bool root_retired_ = false;     // RetireRoot() dropped export 0
  bool root_released_ = false;    // and the peer released its root proxy
  // Our proxy of the peer's root went before the peer's HELLO: its release
  // is sent once the HELLO says there is a root (ReadOne).
  bool root_release_pending_ = false;
  std::deque<uint64_t> timed_out_;  // recent abandoned txns
  std::vector<wire::WireRelease> pending_releases_;
  std::atomic<bool> has_pending_releases_{false};
  uint32_t queued_messages_ = 0;
  uint32_t queued_fds_ = 0;

  // Large bodies (wire.h). This side's ring, guarded by ring_mu_, which is
  // held from placing a body until its message is sent.
  std::mutex ring_mu_;
  uint8_t* tx_ring_ = nullptr;
  bool tx_ring_failed_ = false;
  uint64_t tx_tail_ = 0;
  // The peer's ring: used only by the current reader.
  uint8_t* rx_ring_ = nullptr;
  // The socket's SO_RCVTIMEO (0: none, the kernel's default), in ms: set
  // and read only by the current reader.
  int64_t rcvtimeo_ms_ = 0;
  uint64_t rx_expected_ = 0;
};

class Runtime {
 public:
  // The process's runtime, created on first use (never destroyed), with
  // its worker pool started unless `start_pool` is false (see StartPool).
  static Runtime* Get(bool start_pool = true);
  // Starts the worker pool (its first worker) if it has not been started.
  // A runtime created for a connection adopted lazily (AdoptConnection)
  // starts it once a thread's first one-way request is sent or first sync
  // request has its reply, or when a request is posted for the pool.
  void StartPool();
  // NULL if no runtime was created (in this process image).
  static Runtime* GetIfExists();

  bool abandoned() const { return abandoned_.load(std::memory_order_acquire); }
  int64_t default_timeout_ms() const { return default_timeout_ms_; }
  // getuid() at creation: the first token id of chains started here.
  uint32_t self_uid() const { return self_uid_; }
  // False when NCP_IPC_RING=0: large bodies then always use one-off memfds
  // (a debugging and testing knob).
  bool ring_enabled() const { return ring_enabled_; }

  // Registers a connection (epoll + table), its socket armed for input
  // unless `armed` is false (a connection adopted lazily: its first
  // caller reads it, and arms it when done, see HandOverLocked).
  int AddConnection(const Ref<Connection>& conn, bool armed = true);
  void RemoveConnection(Connection* conn);
  Ref<Connection> FindConnection(uint64_t id);
  // Whether exactly one connection is registered (see ReaderLoop).
  bool SoleConnection() const {
    return live_connections_.load(std::memory_order_relaxed) == 1;
  }
  uint64_t NextConnectionId() { return next_conn_id_.fetch_add(1); }
  template <typename F>
  void ForEachConnection(F f);

  // epoll arming for a connection socket (callers hold the conn mutex).
  void Arm(Connection* conn, int fd, bool on);
  void Unwatch(int fd);

  // Work queue for the pool.
  void PostRequest(std::unique_ptr<Incoming> msg);
  void PostDeath(std::vector<Ref<DeathRecipient>> recipients);

  // Call chains.
  uint64_t NewChain();
  void EnterChain(ThreadState* ts, uint64_t chain);
  void LeaveChain(ThreadState* ts);
  // Registers the chain of the current thread's call if that was deferred
  // (see Connection::Transact): before the thread routes a message it read
  // or gives up the reader role.
  void EnterDeferredChain();
  Ref<ThreadState> ChainWaiter(uint64_t chain);
  // Puts `msg` in the mailbox of `ts` if it still waits in `chain`.
  bool DeliverToChain(uint64_t chain, ThreadState* ts,
                      std::unique_ptr<Incoming>& msg);

  // The worker loop (pool threads and JoinWorkThread).
  void WorkerLoop(ThreadState* ts);
  // Before a pool worker runs a handler: keeps one idle worker if allowed.
  void BeforeBusy();
  // Whether a pool worker may linger on a connection (Connection::Linger):
  // it is the only one, another worker waits in epoll_wait for everything
  // else (tasks, new connections), the thread limit is not exceeded, and no
  // thread has joined the pool (OH_IPCSkeleton_JoinWorkThread: its owner
  // wants it to serve, and a lingering worker would take every request).
  // That other worker does not retire while one lingers.
  bool MayLinger() const;
  // Pool workers in Connection::Linger.
  std::atomic<int> lingering_workers_{0};
  // Connections whose handlers may run unarmed (Connection::watched_):
  // while there are any, idle workers wait in epoll_wait for at most
  // kArmTickMs and tick them (Connection::TickUnarmed).
  std::atomic<int> watched_connections_{0};
  // Wakes a worker waiting in epoll_wait (to start ticking).
  void WakeIdleWorker();
  // Threads in WorkerLoop through OH_IPCSkeleton_JoinWorkThread.
  std::atomic<int> joined_{0};

  static void SetMaxThreads(int n);

  // Fork support (pthread_atfork child handler).
  static void AbandonInChild();

  // A fork server's process that will be a Create* child (a zygote's
  // Create* spare, bridge.h) makes its runtime before its request comes:
  // Prepare() creates it (no pool, no thread) and tells its two fds, whose
  // queue is not yet registered with the epoll set (a registration is keyed
  // by fd number, and the fd table moves them). AdoptPrepared() then takes
  // their new numbers, reads the environment again and registers the queue
  // (on failure it closes them and drops the runtime). 0 or -1.
  static int Prepare(int fds[2]);
  static int AdoptPrepared(const int fds[2]);

 private:
  struct Task {
    std::unique_ptr<Incoming> msg;
    std::vector<Ref<DeathRecipient>> recipients;
  };

  explicit Runtime(bool register_queue = true);
  void ReadEnvironment();
  bool RegisterQueue();
  void SpawnWorker();
  void Post(Task task);
  // With mu_ held: makes the queue's eventfd readable (wakes a worker).
  void SignalQueueLocked();
  bool RunTask();

  std::atomic<bool> abandoned_{false};
  int64_t default_timeout_ms_ = 30000;
  uint32_t self_uid_ = 0;
  bool ring_enabled_ = true;
  UniqueFd epfd_;
  UniqueFd queue_fd_;
  std::atomic<uint64_t> next_conn_id_{1};
  std::atomic<uint64_t> chain_counter_{1};
  uint64_t chain_base_ = 0;

  std::mutex mu_;
  std::unordered_map<uint64_t, Ref<Connection>> conns_;  // guarded by mu_
  std::atomic<int> live_connections_{0};                 // conns_.size()
  std::deque<Task> tasks_;                               // guarded by mu_
  std::atomic<bool> pool_started_{false};
  std::atomic<int> workers_{0};  // pool threads (JoinWorkThread excluded)
  std::atomic<int> idle_{0};     // threads waiting in epoll_wait

  std::mutex chain_mu_;
  SmallMap<uint64_t, Ref<ThreadState>> chains_;  // guarded by chain_mu_
  // chains_.size(), read without the lock: a process that makes no calls
  // (a serving child) routes each request without taking chain_mu_. A chain
  // is registered before its request is sent, or (deferred, see
  // Connection::Transact) before its caller routes a message or lets
  // another thread read: a request of it cannot be routed before the count
  // shows it.
  std::atomic<size_t> chain_count_{0};
};

template <typename F>
void Runtime::ForEachConnection(F f) {
  std::vector<Ref<Connection>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [id, c] : conns_) all.push_back(c);
  }
  for (auto& c : all) f(c.get());
}

// Identity helpers for the skeleton.
CallContext& CurrentContext();

// The bridge functions (bridge.h).
// `flags`: bridge.h's kAdopt* options.
int AdoptConnection(int fd, OHIPCRemoteStub* root, OHIPCRemoteProxy** peer_root,
                    uint32_t flags);
int32_t ProxyPeerPid(const OHIPCRemoteProxy* proxy);
bool RunAfterReply(void (*fn)(void*), void* arg);
bool RetireServedRoot();
bool WaitRequestsDone(int timeout_ms);

}  // namespace ncp::ipc

#endif  // NCP_IPC_RUNTIME_H_
