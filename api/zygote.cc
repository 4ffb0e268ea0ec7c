// The zygote: see zygote_protocol.h. Runs in the child trampoline.
//
// Single-threaded by design: it forks. It never touches the IPC runtime
// (which would start threads); libipc_capi.so is only loaded, so children
// start with it mapped and relocated.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/bootstrap.h"
#include "api/child_flows.h"
#include "api/zygote_protocol.h"
#include "ipc/bridge.h"
#include "spawner/child_setup.h"
#include "spawner/plan_codec.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

extern char** environ;

namespace ncp::api {
namespace {

// One request as received; owns its fds.
struct Received {
  ZygoteRequest header = {};
  std::string inline_payload;
  std::vector<int> fds;  // [payload memfd unless inline], cwd, fd table

  Received() = default;
  Received(const Received&) = delete;
  Received& operator=(const Received&) = delete;
  ~Received() {
    for (int fd : fds) close(fd);
  }
  int first_table_fd() const { return header.inline_bytes > 0 ? 1 : 2; }
};

// One request; false when the peer has gone (EOF or a broken socket).
bool ReceiveRequest(int sock, Received* out, bool* malformed) {
  *malformed = false;
  char buf[sizeof(ZygoteRequest) + kZygoteMaxInline];
  int msg_flags = 0;
  const ssize_t n = ReceiveWithFds(sock, buf, sizeof(buf), 0,
                                   kZygoteMaxMessageFds, &out->fds, &msg_flags);
  if (n <= 0) return false;
  if (static_cast<size_t>(n) < sizeof(ZygoteRequest)) {
    *malformed = true;
    return true;
  }
  memcpy(&out->header, buf, sizeof(out->header));
  const ZygoteRequest& h = out->header;
  if ((msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0 ||
      h.magic != kZygoteRequestMagic || h.table_fds > kZygoteMaxTableFds ||
      h.inline_bytes > kZygoteMaxInline ||
      static_cast<size_t>(n) != sizeof(ZygoteRequest) + h.inline_bytes ||
      out->fds.size() !=
          static_cast<size_t>(out->first_table_fd()) + h.table_fds) {
    *malformed = true;
    return true;
  }
  out->inline_payload.assign(buf + sizeof(ZygoteRequest), h.inline_bytes);
  return true;
}

// Sends `request` on (to a spare): the same message, the same fds.
bool ForwardRequest(int sock, const Received& request) {
  struct iovec iov[2] = {
      {const_cast<ZygoteRequest*>(&request.header), sizeof(request.header)},
      {const_cast<char*>(request.inline_payload.data()),
       request.inline_payload.size()}};
  char control_buf[CMSG_SPACE(sizeof(int) * kZygoteMaxMessageFds)] = {};
  struct msghdr msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = request.inline_payload.empty() ? 1 : 2;
  msg.msg_control = control_buf;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * request.fds.size());
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * request.fds.size());
  memcpy(CMSG_DATA(c), request.fds.data(), sizeof(int) * request.fds.size());
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof(request.header) +
                                   request.inline_payload.size());
}

bool ReadAll(int fd, std::string* out) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 0 || st.st_size > (8 << 20))
    return false;
  out->assign(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n =
        pread(fd, &(*out)[done], out->size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// A decoded request: what the child needs to set itself up and run.
struct Parsed {
  ZygotePayload payload;
  Bootstrap boot;
  spawner::DecodedPlan decoded;
  // The request's plan: its pointers refer into `decoded`, or into the
  // spare's own decoding of the same bytes (see Parse).
  spawner::SpawnPlan plan;
  std::vector<int> table;  // plan.source_fds points here
  int cwd_fd = -1;
};

// The app encodes a request's plan without its trace fd (which the
// bootstrap names): a sandbox's encoding is then the same for every
// request, and is the key of its spares (KindKey). `known` (may be NULL):
// a spare's own decoding of its key; a request whose plan is that key, as
// bytes, uses it instead of decoding its own copy (a sandbox plan is 3 KiB
// of mounts and seccomp filter: decoding it cost ~8.5 us of every ISOLATED
// start, warm).
bool Parse(const Received& r, Parsed* p, const std::string* known_key = nullptr,
           const spawner::SpawnPlan* known = nullptr) {
  std::string bytes;
  const std::string* payload = &r.inline_payload;
  if (r.header.inline_bytes == 0) {
    if (!ReadAll(r.fds[0], &bytes)) return false;
    payload = &bytes;
  }
  if (!DecodeZygotePayload(payload->data(), payload->size(), &p->payload) ||
      !DecodeBootstrap(p->payload.bootstrap.data(), p->payload.bootstrap.size(),
                       &p->boot)) {
    return false;
  }
  if (known != nullptr && known_key != nullptr &&
      p->payload.plan == *known_key) {
    p->plan = *known;
  } else {
    if (!p->decoded.Decode(p->payload.plan.data(), p->payload.plan.size())) {
      return false;
    }
    p->plan = p->decoded.plan();
  }
  const int first = r.first_table_fd();
  p->cwd_fd = r.fds[first - 1];
  p->table.assign(r.fds.begin() + first, r.fds.end());
  spawner::SpawnPlan& plan = p->plan;
  plan.source_fds = p->table.data();
  plan.n_fds = static_cast<int>(p->table.size());
  plan.trace_fd_index = p->boot.trace_fd;
  return plan.trace_fd_index < plan.n_fds;
}

// Sends `data` with `count` (0..2) fds. Returns sendmsg's result.
ssize_t SendWithFds(int sock, const void* data, size_t size, const int* fds,
                    size_t count) {
  struct iovec iov = {const_cast<void*>(data), size};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  char control_buf[CMSG_SPACE(2 * sizeof(int))] = {};
  if (count > 0) {
    msg.msg_control = control_buf;
    msg.msg_controllen = CMSG_SPACE(count * sizeof(int));
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(count * sizeof(int));
    memcpy(CMSG_DATA(c), fds, count * sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void SendWithFd(int sock, const void* data, size_t size, int fd) {
  SendWithFds(sock, data, size, &fd, fd >= 0 ? 1 : 0);
}

// Breaks copy-on-write of the pages a child is about to write (heap, the
// libraries' data, the top of the stack), and maps the pages of the loaded
// files it is about to read or run (the libraries' code and constants: a
// fork copies no page table entries for those, so each first touch in the
// child was a fault, in the dynamic loader's code above all), so that the
// spawn does not pay for those faults: a spare does this while it waits.
void Prefault() {
  FILE* maps = fopen("/proc/self/maps", "re");
  if (maps == nullptr) return;
  struct Range {
    uintptr_t start, end;
    bool write;
  };
  std::vector<Range> ranges;
  char line[512];
  while (fgets(line, sizeof(line), maps) != nullptr) {
    unsigned long start = 0, end = 0;
    char perms[8] = {};
    char path[256] = {};
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &start, &end, perms,
               path) < 3) {
      continue;
    }
    const bool write = strcmp(perms, "rw-p") == 0;
    // A file's read-only or executable pages ("/..." or "/memfd:...", not
    // [vdso] and the like).
    const bool file = path[0] == '/' && perms[0] == 'r' && perms[1] == '-';
    if (!write && !file) continue;
    constexpr unsigned long kStackTop = 128 << 10;
    if (strstr(line, "[stack]") != nullptr) {
      if (end - start > kStackTop) start = end - kStackTop;
    } else if (end - start > (4ul << 20)) {
      continue;  // big reservations (arenas, thread stacks, a locale
                 // archive): left alone
    }
    ranges.push_back({start, end, write});
  }
  fclose(maps);
  const long page = sysconf(_SC_PAGESIZE);
  for (const Range& r : ranges) {
    if (madvise(reinterpret_cast<void*>(r.start), r.end - r.start,
                r.write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0 ||
        errno != EINVAL) {
      continue;  // done, or a range it cannot populate (a page past the
                 // end of its file, say), which a touch would not survive
    }
    // COMPAT(kernel 5.14): no MADV_POPULATE_*; touch each page.
    for (uintptr_t p = r.start; p < r.end; p += static_cast<uintptr_t>(page)) {
      volatile char* c = reinterpret_cast<volatile char*>(p);
      if (r.write) {
        *c = *c;
      } else {
        (void)*c;
      }
    }
  }
}

unsigned EnvCount(const char* name, unsigned fallback) {
  const char* value = getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  unsigned long n = strtoul(value, &end, 10);
  return *end == '\0' && n <= 16 ? static_cast<unsigned>(n) : fallback;
}

class Zygote {
 public:
  Zygote(const Bootstrap& boot, void* ipc_library)
      : boot_(boot), ipc_library_(ipc_library), control_(boot.channel_fd) {}

  [[noreturn]] void Run() {
    if (prctl(PR_GET_TID_ADDRESS, &tid_address_) != 0 ||
        tid_address_ == nullptr) {
      // Without it a fork-like clone would leave glibc's idea of the
      // child's thread id stale; the app falls back to exec'ing children.
      fprintf(stderr, "ncp-zygote: PR_GET_TID_ADDRESS: %s\n", strerror(errno));
      _exit(69);
    }
    app_pidfd_ = static_cast<int>(syscall(__NR_pidfd_open, getppid(), 0));
    self_pidfd_ = static_cast<int>(syscall(__NR_pidfd_open, getpid(), 0));
    // Once here, so that no child has to (an exec'd one gets them reset by
    // the kernel): every handler at its default.
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    }
    normal_spares_ = EnvCount("NCP_ZYGOTE_SPARES", 1);
    netns_pool_ = EnvCount("NCP_NETNS_POOL", 2);
    kinds_[""].target = normal_spares_;
    Preload();
    Refill();
    for (;;) Serve();
  }

 private:
  // A spare, handed to the app (CreateSpare): requests come on `sock`,
  // from the app or from here, and the verdict goes back on it; `report`
  // gets "taken" (one byte), or a failed preparation's record.
  struct Spare {
    pid_t pid = -1;
    int pidfd = -1;
    int sock = -1;
    int report = -1;
  };
  // Spares of one kind (KindKey): NORMAL, NORMAL Create*, or one sandbox.
  struct Kind {
    unsigned target = 0;
    uint64_t app_kind = 0;  // ZygoteRequest::kind, for the notices
    uint64_t last_used = 0;
    bool exhausted = false;  // creating one failed: on-demand only
    std::vector<Spare> spares;
  };

  void Preload() {
    // boot.params: libraries every child wants, loaded once here.
    size_t start = 0;
    while (start < boot_.params.size()) {
      size_t end = boot_.params.find(':', start);
      if (end == std::string::npos) end = boot_.params.size();
      std::string lib = boot_.params.substr(start, end - start);
      if (!lib.empty() &&
          dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
        fprintf(stderr, "ncp-zygote: cannot preload %s: %s\n", lib.c_str(),
                dlerror());
      }
      start = end + 1;
    }
  }

  // Waits for a request (or a spare's death) and answers it.
  void Serve() {
    std::vector<struct pollfd> pfds = {{control_, POLLIN, 0}};
    // The hang-up of a spare's request socket says that its child is past
    // its start, or that it died. Nothing wakes this process while the app
    // and a spare start a child.
    std::vector<std::pair<std::string, pid_t>> watched;
    for (auto& [key, kind] : kinds_) {
      for (const Spare& s : kind.spares) {
        pfds.push_back({s.sock, 0, 0});
        watched.emplace_back(key, s.pid);
      }
    }
    const size_t first_starting = pfds.size();
    int timeout = -1;
    const int64_t now = NowMs();
    for (const auto& [fd, deadline] : starting_) {
      // Hang-up only: a handed spare's socket may still hold the verdict
      // for the app.
      pfds.push_back({fd, 0, 0});
      int left = static_cast<int>(std::max<int64_t>(0, deadline - now));
      timeout = timeout < 0 ? left : std::min(timeout, left);
    }
    if (poll(pfds.data(), pfds.size(), timeout) < 0) return;  // EINTR
    // Children past their start (hang-up), or given up on.
    const int64_t after = NowMs();
    std::vector<std::pair<int, int64_t>> still;
    bool started = false;
    for (size_t i = first_starting; i < pfds.size(); ++i) {
      const auto& entry = starting_[i - first_starting];
      if (pfds[i].revents != 0 || entry.second <= after) {
        started = started || pfds[i].revents != 0;
        close(entry.first);
      } else {
        still.push_back(entry);
      }
    }
    starting_ = std::move(still);
    for (size_t i = 1; i < first_starting; ++i) {
      if (pfds[i].revents != 0) {
        SpareHungUp(watched[i - 1].first, watched[i - 1].second);
      }
    }
    // A child has just started (it closed its end right before its entry,
    // or once its report had its reply): let it, and whatever else shares
    // this CPU, run first. Woken by that close, this process could be
    // picked to run as soon as the child was preempted (by a kernel worker
    // it had woken, in a scheduler trace), and its refill fork then came
    // before the child's entry. Pinned, in eight pairs of ncp bench runs
    // with and without this: Start NORMAL p99 1.25-1.62 ms against
    // 1.51-1.85 ms, its median lower in seven pairs (by up to 65 us).
    if (started && starting_.empty()) sched_yield();
    if (starting_.empty()) Refill();
    if (pfds[0].revents == 0) return;
    Received request;
    bool malformed;
    if (!ReceiveRequest(control_, &request, &malformed)) _exit(0);
    ZygoteReply reply = {kZygoteReplyMagic, 0, 0, EINVAL, -1, 0};
    const int pidfd = malformed ? -1 : Handle(request, &reply);
    SendWithFd(control_, &reply, sizeof(reply), pidfd);
    if (pidfd >= 0) close(pidfd);
    if (starting_.empty()) Refill();  // else once the child has started
  }

  // A child for `request`: from a spare if one is ready, else forked now.
  // Returns its pidfd (or -1) and fills `reply` (which says EINVAL until
  // then). A NORMAL request goes to a spare undecoded: decoding it is the
  // spare's work, off this process's path to the next request.
  int Handle(const Received& request, ZygoteReply* reply) {
    Parsed parsed;
    bool decoded = false;
    std::string key;
    if ((request.header.flags & ZygoteRequest::kNormal) == 0) {
      if (!Parse(request, &parsed)) return -1;
      decoded = true;
      key = KindKey(parsed);
    } else if ((request.header.flags & ZygoteRequest::kCreate) != 0) {
      key = CreateKey();  // (the spare checks it: KindKey)
    }
    Kind& kind = KindOf(key);
    kind.app_kind = request.header.kind;
    // The app sends here when it has no spare of the kind at hand: this
    // one's notice is still on its way to it (the app drops its socket when
    // it reads the reply). Not one the app has used already.
    for (;;) {
      auto it = std::find_if(kind.spares.rbegin(), kind.spares.rend(),
                             [](const Spare& s) { return !Taken(s); });
      if (it == kind.spares.rend()) break;
      Spare spare = *it;
      kind.spares.erase(std::next(it).base());
      if (ForwardRequest(spare.sock, request)) {
        bool died = false;
        const int started = ReadVerdict(spare.sock, reply, &died);
        spare.sock = -1;  // (closed, or now `started`)
        if (!died) {
          close(spare.report);
          Starting(started);
          reply->pid = spare.pid;
          reply->spare = 1;
          return spare.pidfd;
        }
      }
      Discard(spare);  // it died before it began: the next, or fork one
    }
    if (!decoded &&
        (!Parse(request, &parsed) || parsed.plan.namespace_flags != 0)) {
      return -1;  // malformed, or not the NORMAL request it said it was
    }
    int pidfd = Spawn(parsed, reply);
    if (reply->err == 0) kind.exhausted = false;  // room again
    return pidfd;
  }

  // The setup's verdict on `report`: a record (err 0: set up; the child
  // keeps the pipe open until it is past its start, see SetStartedFd), or
  // EOF (it died during the setup, which the app will see). Returns the
  // pipe while the child is starting, else -1 (closed).
  // *died: EOF before any record.
  static int ReadVerdict(int report, ZygoteReply* reply, bool* died = nullptr) {
    int32_t record[3] = {0, 0, -1};
    ssize_t n;
    do {
      n = read(report, record, sizeof(record));
    } while (n < 0 && errno == EINTR);
    if (died != nullptr) *died = n <= 0;
    reply->stage = 0;
    reply->err = 0;
    reply->index = -1;
    if (n == static_cast<ssize_t>(sizeof(record))) {
      reply->stage = record[0];
      reply->err = record[1];
      reply->index = record[2];
      if (record[1] == 0) return report;
    }
    close(report);
    return -1;
  }

  // Children still starting: forking a spare waits until they are past it
  // (their pipe's EOF) or kStartingMs have passed.
  void Starting(int fd) {
    if (fd < 0) return;
    starting_.push_back({fd, NowMs() + kStartingMs});
  }

  static int64_t NowMs() {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
  }

  void Notice(ZygoteNotice::Event event, pid_t pid) {
    ZygoteNotice notice = {kZygoteNoticeMagic, event, pid, 0, 0};
    SendWithFd(control_, &notice, sizeof(notice), -1);
  }

  // Ends `spare` (unless it is dead already: the app holds its socket, so
  // it would not see EOF) and tells the app.
  void Discard(const Spare& spare) {
    syscall(__NR_pidfd_send_signal, spare.pidfd, SIGKILL, nullptr, 0);
    Notice(ZygoteNotice::kSpareGone, spare.pid);
    close(spare.pidfd);
    if (spare.sock >= 0) close(spare.sock);
    if (spare.report >= 0) close(spare.report);
  }

  // Whether the spare `s` took a request from the app: it says so
  // ("taken", one byte) on its report pipe once it has decoded it. Reads
  // nothing.
  static bool Taken(const Spare& s) {
    struct pollfd p = {s.report, POLLIN, 0};
    return poll(&p, 1, 0) == 1;  // (or died: EOF; either way, not a spare)
  }

  // The spare `pid`'s end of its request socket closed: it took a request
  // from the app (which got the verdict on that socket and opened the
  // child's pidfd itself) and the child is past its start; or it died:
  // unused (kSpareGone; if its preparation failed, a record on its report
  // pipe, its kind gets no more spares: requests of that kind are forked on
  // demand, and fail with the reason), or after it took the request (the
  // app saw EOF and asked again: the notice changes nothing).
  void SpareHungUp(const std::string& key, pid_t pid) {
    Kind& kind = kinds_[key];
    for (size_t i = 0; i < kind.spares.size(); ++i) {
      Spare spare = kind.spares[i];
      if (spare.pid != pid) continue;
      kind.spares.erase(kind.spares.begin() + static_cast<long>(i));
      // (Its writer went with the socket's end: never blocks.)
      int32_t record[3] = {0, 0, -1};
      struct pollfd said = {spare.report, POLLIN, 0};
      ssize_t n = -1;
      if (poll(&said, 1, 0) == 1) {
        do {
          n = read(spare.report, record, sizeof(record));
        } while (n < 0 && errno == EINTR);
      }
      if (n == static_cast<ssize_t>(sizeof(record)) && record[1] != 0) {
        kind.exhausted = true;
      }
      struct pollfd exited = {spare.pidfd, POLLIN, 0};
      if (n != 1 || poll(&exited, 1, 0) == 1) {
        Discard(spare);
        return;
      }
      close(spare.report);
      close(spare.pidfd);
      close(spare.sock);
      return;
    }
  }

  // The kind of `plan`: "" for NORMAL (spares that do nothing in advance);
  // CreateKey() for a NORMAL Create* (spares that make its IPC runtime and
  // channel in advance); for a sandbox, its whole plan but the fd table
  // (spares that build it in advance).
  static const std::string& KindKey(const Parsed& parsed) {
    // A plan's encoding is canonical (plan_codec_test), and the app sends
    // it without the trace fd (Parse): it is its own key, as sent.
    static const std::string kNormal;
    if (parsed.plan.namespace_flags != 0) return parsed.payload.plan;
    return parsed.boot.kind == Bootstrap::kCreate ? CreateKey() : kNormal;
  }
  // NORMAL Create* children: spares that make the IPC runtime and channel
  // in advance (no plan's encoding is this).
  static const std::string& CreateKey() {
    static const std::string kCreate = "create";
    return kCreate;
  }
  static bool Sandboxed(const std::string& key) {
    return !key.empty() && key != CreateKey();
  }

  // The kind for `key` (KindKey). At most kMaxKinds sandbox kinds: the
  // least recently used goes (its spares end).
  Kind& KindOf(const std::string& key) {
    Kind& kind = kinds_[key];
    kind.last_used = ++clock_;
    if (!key.empty() && kind.target == 0 && !kind.exhausted) {
      kind.target = Sandboxed(key) ? netns_pool_ : normal_spares_;
    }
    while (kinds_.size() > kMaxKinds + 1 + kinds_.count(CreateKey())) {
      auto oldest = kinds_.end();
      for (auto it = kinds_.begin(); it != kinds_.end(); ++it) {
        if (Sandboxed(it->first) &&
            (oldest == kinds_.end() ||
             it->second.last_used < oldest->second.last_used)) {
          oldest = it;
        }
      }
      for (const Spare& spare : oldest->second.spares) Discard(spare);
      kinds_.erase(oldest);
    }
    return kinds_[key];
  }

  void Refill() {
    for (auto& [key, kind] : kinds_) {
      while (!kind.exhausted && kind.spares.size() < kind.target) {
        if (!CreateSpare(key, &kind)) kind.exhausted = true;
      }
    }
  }

  // Fork-like clone: CLONE_PARENT (the app's child), a pidfd, and glibc's
  // thread id of the copy kept right (CLONE_CHILD_SETTID at the address
  // glibc registered, as fork() itself does).
  long Clone(uint64_t ns_flags, int* pidfd) {
    uint64_t flags = CLONE_PARENT | CLONE_PIDFD | CLONE_CHILD_SETTID |
                     CLONE_CHILD_CLEARTID | ns_flags;
    if (!no_clone3_) {
      struct clone_args args = {};
      args.flags = flags;
      args.pidfd = reinterpret_cast<uint64_t>(pidfd);
      args.child_tid = reinterpret_cast<uint64_t>(tid_address_);
      args.exit_signal = 0;  // CLONE_PARENT: the app's own exit signal rules
      long r = syscall(SYS_clone3, &args, sizeof(args));
      if (r >= 0 || (errno != ENOSYS && errno != EPERM)) return r;
      no_clone3_ = true;  // COMPAT: clone3 refused (kernel < 5.3, seccomp)
    }
    return syscall(SYS_clone, flags, nullptr, pidfd, tid_address_, 0);
  }

  bool CreateSpare(const std::string& key, Kind* kind) {
    spawner::DecodedPlan prepared;
    uint64_t flags = 0;
    if (Sandboxed(key)) {
      if (!prepared.Decode(key.data(), key.size())) return false;
      flags = prepared.plan().namespace_flags;
    }
    int sv[2], report[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      return false;
    }
    if (pipe2(report, O_CLOEXEC) != 0) {
      close(sv[0]);
      close(sv[1]);
      return false;
    }
    sigset_t all, saved;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &saved);
    int pidfd = -1;
    long pid = Clone(flags, &pidfd);
    if (pid == 0) {
      RunSpare(sv[1], report[1], key, Sandboxed(key) ? &prepared : nullptr);
    }
    sigprocmask(SIG_SETMASK, &saved, nullptr);
    close(sv[1]);
    close(report[1]);
    if (pid < 0) {
      // e.g. ENOSPC at user.max_net_namespaces: no pool for now.
      close(sv[0]);
      close(report[0]);
      return false;
    }
    // The request socket goes to the app with the notice: the app sends
    // requests to the spare directly, and this process is not on the path.
    kind->spares.push_back({static_cast<pid_t>(pid), pidfd, sv[0], report[0]});
    ZygoteNotice notice = {kZygoteNoticeMagic, ZygoteNotice::kSpareCreated,
                           static_cast<int32_t>(pid), 0, kind->app_kind};
    SendWithFd(control_, &notice, sizeof(notice), sv[0]);
    return true;
  }

  // A spare: prepares itself (with `prepared`: its namespaces, file
  // system and credentials, as that plan says), then waits for its request
  // (whose plan is the same but for the fd table).
  [[noreturn]] void RunSpare(int sock, int report, const std::string& key,
                             spawner::DecodedPlan* prepared) {
    SetProcessName("ncp-spare");
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the app (CLONE_PARENT) dies: so do we
    struct pollfd app = {app_pidfd_, POLLIN, 0};
    if (app_pidfd_ >= 0 && poll(&app, 1, 0) > 0) _exit(0);
    // Keep the request socket, the report pipe, the app's pidfd and the
    // zygote's (at 3, 4, 5, 6), and stdio until the setup installs the
    // child's fd table; nothing else (not the zygote's socket to the app,
    // nor other spares').
    int keep[4] = {sock, report, app_pidfd_, self_pidfd_};
    for (int& fd : keep) {
      if (fd >= 0) fd = fcntl(fd, F_DUPFD_CLOEXEC, 64);
    }
    for (int i = 0; i < 4; ++i) {
      if (keep[i] >= 0) {
        dup3(keep[i], 3 + i, O_CLOEXEC);
        keep[i] = 3 + i;
      }
    }
    syscall(SYS_close_range, 7, ~0U, 0);
    sock = keep[0];
    report = keep[1];
    app_pidfd_ = keep[2];
    const int zygote_pidfd = keep[3];
    self_pidfd_ = -1;
    control_ = -1;
    int init_link = -1;   // the real child's socket to its init (see below)
    int own_status = -1;  // and its end of the status pipe its init made
    if (prepared != nullptr) {
      spawner::SpawnPlan& plan = prepared->plan();
      plan.report_fd = report;
      plan.parent_pidfd = app_pidfd_;
      plan.reset_signal_handlers = false;
      plan.phases = spawner::kPhaseNamespaces | spawner::kPhaseCredentials;
      // A failure is on the report pipe for the zygote (SpareHungUp).
      if (spawner::RunChildSetup(&plan, nullptr) != 0) {
        _exit(spawner::kSetupFailedExitCode);
      }
      if ((plan.namespace_flags & CLONE_NEWPID) != 0) {
        init_link = ForkRealChildAhead(sock, report, &own_status);
      }
    }
    // A NORMAL Create* spare makes the IPC runtime (bridge.h) and the
    // channel (the app gets its end with the verdict) now: for a Create*
    // request the fd phase keeps their fds (RunInChild). Other spares make
    // neither: a Start* child would pay for closing them.
    int own_channel[2] = {-1, -1};
    if (key == CreateKey()) {
      const ipc::Bridge* bridge = IpcBridgeOf(ipc_library_);
      if (bridge == nullptr || bridge->prepare_runtime(runtime_fds_) != 0) {
        runtime_fds_[0] = runtime_fds_[1] = -1;
      }
      if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, own_channel) !=
          0) {
        own_channel[0] = own_channel[1] = -1;
      }
    }
    Prefault();

    // The app holds the other end of `sock` too (CreateSpare): a spare
    // ends, unused, when the zygote does.
    struct pollfd wait[2] = {{sock, POLLIN, 0}, {zygote_pidfd, POLLIN, 0}};
    while (zygote_pidfd >= 0 && poll(wait, 2, -1) < 0 && errno == EINTR) {
    }
    if (zygote_pidfd >= 0 && wait[0].revents == 0) _exit(0);
    Received request;
    bool malformed;
    if (!ReceiveRequest(sock, &request, &malformed)) _exit(0);  // unused
    if (zygote_pidfd >= 0) close(zygote_pidfd);
    Parsed parsed;
    // Only a request of this spare's kind: a NORMAL spare is handed
    // requests undecoded (Handle), and the app picks spares by its own name
    // for their kind (ZygoteNotice::kind). Otherwise it ends, and the app
    // (seeing EOF) asks the zygote.
    if (malformed ||
        !Parse(request, &parsed, &key,
               prepared != nullptr ? &prepared->plan() : nullptr) ||
        KindKey(parsed) != key) {
      _exit(spawner::kSetupFailedExitCode);
    }
    // "Taken", for the zygote; the verdict goes back on `sock`, to the app
    // (or the zygote) that sent the request.
    const char taken = 1;
    if (write(report, &taken, 1) != 1) _exit(spawner::kSetupFailedExitCode);
    close(report);
    report = sock;
    InitRole init = InitRole::kBecome;
    if (init_link >= 0) {
      // The app's own request brings no status pipe: the init's serves, and
      // the init hands the app its read end with the verdict. One the
      // zygote forwards brings the app's (in the table), which serves.
      if ((parsed.boot.flags & Bootstrap::kRunAsInit) == 0 ||
          parsed.boot.status_fd >= static_cast<int>(parsed.table.size())) {
        _exit(spawner::kSetupFailedExitCode);
      }
      if (parsed.boot.status_fd >= 0) {
        close(own_status);
        own_status = -1;
      }
      // A setup that fails answers on `sock` itself; a verdict of success
      // goes through the init (HandToInit, once the setup has run).
      init = InitRole::kForked;
    }
    spawner::SpawnPlan& plan = parsed.plan;
    plan.report_fd = report;
    plan.kept_fds[0] = init_link;
    plan.kept_fds[1] = own_status;
    if (parsed.boot.kind == Bootstrap::kCreate) {
      plan.kept_fds[2] = runtime_fds_[0];
      plan.kept_fds[3] = runtime_fds_[1];
      if (parsed.boot.channel_fd < 0) {
        if (own_channel[0] < 0) _exit(spawner::kSetupFailedExitCode);
        plan.kept_fds[4] = own_channel[1];  // the child's end
        plan.kept_fds[5] = own_channel[0];  // the app's, with the verdict
      }
    }  // (else the fd phase closes them)
    plan.parent_pidfd = app_pidfd_;
    plan.reset_signal_handlers = false;
    if (prepared != nullptr) plan.phases = spawner::kPhaseFds;
    RunInChild(parsed, plan, /*sandboxed=*/prepared != nullptr, init);
  }

  // A prepared spare that is pid 1 of its namespace forks the process that
  // will be the child now, off the spawn path: that process (which returns
  // from here, with the socket to its init) prefaults and takes the
  // request, so that the child's start pays for no fork and no
  // copy-on-write faults. This process becomes the init: it waits for the
  // setup's verdict with the child's name (HandToInit), names itself,
  // forwards the verdict (on `sock`, which it keeps), then serves as init.
  // It makes the status pipe it reports the child's end on, in advance too
  // (the child gets the write end in *status_write, for its seccomp
  // report): the read end goes to the app with the verdict, unless the
  // request brought the app's own pipe. If the child ends first (before
  // its request, or its setup failed: it told the app itself), so does the
  // init, with its status, and the zygote drops the spare.
  int ForkRealChildAhead(int sock, int report, int* status_write) {
    int link[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link) != 0) {
      _exit(spawner::kSetupFailedExitCode);
    }
    int status[2];
    if (pipe2(status, O_CLOEXEC | O_NONBLOCK) != 0) {
      _exit(spawner::kSetupFailedExitCode);
    }
    // Not dumpable from before the fork (as BecomeInit): the child can
    // never read the init's /proc files.
    prctl(PR_SET_DUMPABLE, 0);
    const pid_t child = fork();  // every signal is blocked (CreateSpare)
    if (child < 0) _exit(spawner::kSetupFailedExitCode);
    if (child == 0) {
      close(link[0]);
      close(status[0]);
      *status_write = status[1];
      return link[1];
    }
    // The child answers the zygote's "taken": the report pipe must reach
    // EOF when it is gone. The request socket stays open here too, until
    // the child is past its start (or gone: this process then ends too).
    close(link[1]);
    close(report);
    if (app_pidfd_ >= 0) close(app_pidfd_);
    const int answer = sock;
    // The verdict (int32 {stage, errno, index}), then the name.
    constexpr size_t kVerdictSize = 3 * sizeof(int32_t);
    char message[kVerdictSize + 4096];
    std::vector<int> fds;  // the app's status pipe, if it sent one
    const ssize_t n = ReceiveWithFds(link[0], message, sizeof(message) - 1, 0,
                                     /*max_fds=*/1, &fds);
    // Anything but the status pipe is not ours to keep (ServeAsInit closes
    // every other fd).
    int status_fd = -1;
    if (n <= static_cast<ssize_t>(kVerdictSize)) {
      close(status[1]);  // the app never hears of this child
    } else {
      status_fd = status[1];
      // Named before the verdict goes out: the app may look at this
      // process as soon as it has the pid. The child does not wait for it.
      message[n] = '\0';
      SetProcessName(message + kVerdictSize);
      if (!fds.empty()) {
        status_fd = fds[0];
        close(status[1]);
      }
      ssize_t w = SendWithFds(answer, message, kVerdictSize, &status[0],
                              fds.empty() ? 1 : 0);
      (void)w;  // (the app may be gone)
      // The request socket hangs up when the child is past its start (it
      // then closes its end of the link), as a NORMAL child's does: the
      // zygote then makes the next spare. Until then this process's
      // wake-up preempts nobody (SCHED_BATCH, same weight): on a busy or
      // single CPU, the zygote's work must not come before the child's
      // entry. (Unlike SCHED_IDLE or a nice value, leaving it again needs
      // no privilege.)
      const struct sched_param none = {0};
      const bool batch = sched_getscheduler(0) == SCHED_OTHER &&
                         sched_setscheduler(0, SCHED_BATCH, &none) == 0;
      for (;;) {
        char byte;
        const ssize_t r = read(link[0], &byte, 1);
        if (r == 0 || (r < 0 && errno != EINTR)) break;
      }
      if (batch) sched_setscheduler(0, SCHED_OTHER, &none);
    }
    ServeAsInit(child, status_fd);  // closes every other fd
  }

  // The real child, forked ahead and set up: sends its init the setup's
  // verdict and its name (and the app's status pipe, if the request
  // brought one: `app_status` >= 0), in one message: the init wakes once,
  // names itself, then forwards the verdict on the request socket, whose
  // copy here (`answer`) is closed now. No round trip: the child goes on
  // at once.
  static void HandToInit(int link, const std::string& name, int app_status,
                         int answer, const int32_t (&verdict)[3]) {
    std::string message(reinterpret_cast<const char*>(verdict),
                        sizeof(verdict));
    message.append(name.c_str(), name.size() + 1);
    if (SendWithFds(link, message.data(), message.size(), &app_status,
                    app_status >= 0 ? 1 : 0) < 0) {
      _exit(spawner::kSetupFailedExitCode);
    }
    close(answer);
  }

  // Forks a child for `parsed` now (no spare was ready).
  int Spawn(Parsed& parsed, ZygoteReply* reply) {
    spawner::SpawnPlan& plan = parsed.plan;
    plan.parent_pidfd = app_pidfd_;
    plan.reset_signal_handlers = false;  // all default here (Run)
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
      reply->err = errno;
      return -1;
    }
    plan.report_fd = report[1];

    // The child starts with every signal blocked (the setup unblocks them
    // last, as after an exec).
    sigset_t all, saved;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &saved);
    int pidfd = -1;
    long pid = Clone(plan.namespace_flags, &pidfd);
    if (pid == 0) {
      close(report[0]);
      RunInChild(parsed, plan, /*sandboxed=*/false, InitRole::kBecome);
    }
    const int clone_errno = errno;
    sigprocmask(SIG_SETMASK, &saved, nullptr);
    close(report[1]);
    if (pid < 0) {
      close(report[0]);
      reply->stage = 0;
      reply->err = clone_errno;
      return -1;
    }
    Starting(ReadVerdict(report[0], reply));
    reply->pid = static_cast<int32_t>(pid);
    return pidfd;
  }

  // `sandboxed`: the plan's namespace and credential phases have run (a
  // prepared spare): its working directory is its new root's.
  [[noreturn]] void RunInChild(Parsed& parsed, const spawner::SpawnPlan& plan,
                               bool sandboxed, InitRole init) {
    const Bootstrap& boot = parsed.boot;
    // Named before the app hears of it, as an exec'd child is.
    SetProcessName(boot.process_name);
    // A NORMAL child works where the app works (an isolated one gets "/",
    // from its setup).
    if (!sandboxed && fchdir(parsed.cwd_fd) != 0) {
      // Keep the zygote's directory; the setup may still succeed.
    }
    umask(parsed.payload.umask);
    int report_fd = -1;
    // A spare's: init link, own status pipe, prepared IPC runtime, channel.
    int kept[spawner::SpawnPlan::kMaxKeptFds] = {-1, -1, -1, -1, -1, -1};
    if (spawner::RunChildSetup(&plan, &report_fd, kept) != 0) {
      _exit(spawner::kSetupFailedExitCode);
    }
    // Set up; the pipe (or the link to the init) stays open until this
    // child is past its start.
    const int32_t ok[3] = {0, 0, -1};
    if (init == InitRole::kForked) {
      // The app's status pipe is where the fd table put it; else the
      // init's serves (its write end is ours for the seccomp report).
      const int app_status = kept[1] >= 0 ? -1 : boot.status_fd;
      HandToInit(kept[0], boot.process_name, app_status, report_fd, ok);
      if (kept[1] >= 0) parsed.boot.status_fd = kept[1];
      report_fd = kept[0];
    } else if (kept[5] >= 0) {
      // The spare's channel: the child's end is its channel, the app's
      // goes with the verdict.
      parsed.boot.channel_fd = kept[4];
      if (SendWithFds(report_fd, ok, sizeof(ok), &kept[5], 1) !=
          static_cast<ssize_t>(sizeof(ok))) {
        _exit(spawner::kSetupFailedExitCode);
      }
      close(kept[5]);
    } else if (write(report_fd, ok, sizeof(ok)) != sizeof(ok)) {
      _exit(spawner::kSetupFailedExitCode);
    }
    SetStartedFd(report_fd);
    // The app's environment at the time of the request.
    std::vector<std::string>& vars = parsed.payload.env;
    char** env = static_cast<char**>(calloc(vars.size() + 1, sizeof(char*)));
    for (size_t i = 0; env != nullptr && i < vars.size(); ++i) {
      env[i] = strdup(vars[i].c_str());
    }
    if (env != nullptr) environ = env;
    if (kept[2] >= 0 && kept[3] >= 0) {
      // A Create* spare's runtime: the child's, with the fd numbers the
      // table gave its fds and the environment just set (if that fails,
      // RunCreate makes another).
      const int fds[2] = {kept[2], kept[3]};
      IpcBridgeOf(ipc_library_)->adopt_prepared_runtime(fds);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    RunChild(boot, ipc_library_, init);
  }

  const Bootstrap& boot_;
  void* ipc_library_;
  int control_;
  int* tid_address_ = nullptr;
  int app_pidfd_ = -1;
  int self_pidfd_ = -1;  // handed spares end with this process (RunSpare)
  int runtime_fds_[2] = {-1, -1};  // a spare's prepared IPC runtime
  bool no_clone3_ = false;
  unsigned normal_spares_ = 1;
  unsigned netns_pool_ = 2;
  std::map<std::string, Kind> kinds_;  // see KindOf
  uint64_t clock_ = 0;                 // for Kind::last_used
  static constexpr size_t kMaxKinds = 4;
  std::vector<std::pair<int, int64_t>> starting_;  // pipe, deadline (ms)
  static constexpr int64_t kStartingMs = 20;
};

}  // namespace

void RunZygote(const Bootstrap& boot, void* ipc_library) {
  prctl(PR_SET_NAME, "ncp-zygote");
  Zygote zygote(boot, ipc_library);
  zygote.Run();
}

}  // namespace ncp::api
