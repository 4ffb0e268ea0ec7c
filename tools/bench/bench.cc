#include "tools/bench/bench.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "ncp/trace.h"

extern char** environ;

namespace ncp::bench {
namespace {

// The operations' names, as printed.
constexpr char kStartNormal[] = "start_normal";
constexpr char kStartDirect[] = "start_normal (no zygote)";
constexpr char kStartIsolated[] = "start_isolated";
constexpr char kIsolatedP99[] = "start_isolated p99";
constexpr char kCreate[] = "create (to proxy)";
constexpr char kPosixSpawn[] = "posix_spawn+dlopen";
constexpr char kBwrap[] = "bwrap --unshare-all";
constexpr char kIpc4[] = "ipc 4 B round trip";
constexpr char kRaw4[] = "raw seqpacket 4 B";
constexpr char kIpcBig[] = "ipc 200 KB round trip";
constexpr char kRawBig[] = "raw stream 200 KB";
constexpr char kThreads[] = "parent threads +512 children";
constexpr char kPoolThreads[] = "ipc pool threads +512 children";
constexpr char kMemory[] = "parent KiB per live child";

constexpr size_t kBigSize = 200 * 1024;  // a parcel at its size limit
constexpr int kCapacityStarts = 462;
constexpr int kCapacityCreates = 50;

int64_t NowNs() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

bool Exists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

// Blocks until `pid` is gone (whoever reaps it), up to 10 s.
void WaitGone(pid_t pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return;
  struct pollfd pfd = {fd, POLLIN, 0};
  poll(&pfd, 1, 10000);
  close(fd);
}

struct Fixtures {
  std::string child;    // libncp_bench_child.so
  std::string service;  // libncp_bench_service.so
  std::string helper;   // bench_helper
  std::string bwrap;    // "" if not installed
};

// ---------------------------------------------------------------- spawns

// Start: microseconds from the call to the entry's stamp; *pid_out set.
double TimeStart(const Fixtures& f, NativeChildProcess_IsolationMode mode,
                 int32_t* pid_out = nullptr) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  NativeChildProcess_Fd fd = {const_cast<char*>("t"), p[1], nullptr};
  NativeChildProcess_Args args = {const_cast<char*>(""), {&fd}};
  NativeChildProcess_Options options = {};
  options.isolationMode = mode;
  int32_t pid = -1;
  const std::string entry = f.child + ":Stamp";
  int64_t t0 = NowNs();
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  close(p[1]);
  int64_t stamp = 0;
  bool ok = code == 0 && read(p[0], &stamp, sizeof(stamp)) ==
                             static_cast<ssize_t>(sizeof(stamp));
  close(p[0]);
  if (code == 0) WaitGone(pid);
  if (pid_out != nullptr) *pid_out = pid;
  return ok ? (stamp - t0) / 1000.0 : -1;
}

double TimeStartDirect(const Fixtures& f) {
  setenv("NCP_ZYGOTE", "0", 1);
  double us = TimeStart(f, NCP_ISOLATION_MODE_NORMAL);
  unsetenv("NCP_ZYGOTE");
  return us;
}

// posix_spawn of the helper, which dlopen()s the library and stamps.
double TimeBaseline(const Fixtures& f, bool bwrap) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p[1], 3);
  std::vector<std::string> args;
  if (bwrap) {
    args = {f.bwrap, "--unshare-all", "--ro-bind", "/",
            "/",     "--dev",         "/dev",      "--proc",
            "/proc", "--tmpfs",       "/tmp",      "--die-with-parent"};
  }
  for (const std::string& a :
       {f.helper, f.child, std::string("Stamp"), std::string("3")}) {
    args.push_back(a);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int64_t t0 = NowNs();
  int r = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(p[1]);
  int64_t stamp = 0;
  bool ok = r == 0 && read(p[0], &stamp, sizeof(stamp)) ==
                          static_cast<ssize_t>(sizeof(stamp));
  close(p[0]);
  if (r == 0) waitpid(pid, nullptr, 0);
  return ok ? (stamp - t0) / 1000.0 : -1;
}

// Create*: the start callback's arrival.
struct Started {
  std::mutex mu;
  std::condition_variable cv;
  int64_t ns = 0;  // -1: failed
  OHIPCRemoteProxy* proxy = nullptr;
};
Started g_started;

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  int64_t now = NowNs();
  std::lock_guard<std::mutex> lock(g_started.mu);
  g_started.ns = code == 0 ? now : -1;
  g_started.proxy = proxy;
  g_started.cv.notify_all();
}

// A Create child: its proxy, or nullptr; *us = call -> callback.
OHIPCRemoteProxy* CreateChild(const Fixtures& f, double* us) {
  {
    std::lock_guard<std::mutex> lock(g_started.mu);
    g_started.ns = 0;
    g_started.proxy = nullptr;
  }
  int64_t t0 = NowNs();
  if (OH_Ability_CreateNativeChildProcess(f.service.c_str(), &OnStarted) != 0) {
    return nullptr;
  }
  std::unique_lock<std::mutex> lock(g_started.mu);
  g_started.cv.wait_for(lock, std::chrono::seconds(10),
                        [] { return g_started.ns != 0; });
  if (g_started.ns <= 0) return nullptr;
  if (us != nullptr) *us = (g_started.ns - t0) / 1000.0;
  return g_started.proxy;
}

int32_t Call(OHIPCRemoteProxy* proxy, uint32_t code, int32_t value) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPCParcel_WriteInt32(data, value);
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int32_t out = -1;
  if (OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, &sync) == 0) {
    OH_IPCParcel_ReadInt32(reply, &out);
  }
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return out;
}

// Ends a Create child and waits until it is gone.
void EndChild(OHIPCRemoteProxy* proxy) {
  int32_t pid = Call(proxy, 4, 0);
  Call(proxy, 3, 0);
  OH_IPCRemoteProxy_Destroy(proxy);
  if (pid > 0) WaitGone(pid);
}

double TimeCreate(const Fixtures& f, int32_t* pid_out = nullptr) {
  double us = -1;
  OHIPCRemoteProxy* proxy = CreateChild(f, &us);
  if (proxy == nullptr) return -1;
  if (pid_out != nullptr) *pid_out = Call(proxy, 4, 0);
  EndChild(proxy);
  return us;
}

// ---------------------------------------------------------------- IPC

// A raw echo peer: the helper on one end of a socketpair.
struct RawPeer {
  int fd = -1;
  pid_t pid = -1;
  bool Start(const Fixtures& f, int type, size_t size) {
    int sv[2];
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
    std::string size_arg = std::to_string(size);
    char* argv[] = {const_cast<char*>(f.helper.c_str()),
                    const_cast<char*>("--echo"), const_cast<char*>("3"),
                    size_arg.data(), nullptr};
    int r = posix_spawn(&pid, argv[0], &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(sv[1]);
    fd = sv[0];
    return r == 0;
  }
  bool RoundTrip(const char* buf, char* back, size_t size) {
    size_t sent = 0;
    while (sent < size) {
      ssize_t n = write(fd, buf + sent, size - sent);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    size_t got = 0;
    while (got < size) {
      ssize_t n = read(fd, back + got, size - got);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    return true;
  }
  ~RawPeer() {
    if (fd >= 0) close(fd);
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
};

double TimeIpc4(OHIPCRemoteProxy* proxy) {
  int64_t t0 = NowNs();
  int32_t v = Call(proxy, 1, 42);
  return v == 42 ? (NowNs() - t0) / 1000.0 : -1;
}

double TimeIpcBig(OHIPCRemoteProxy* proxy, const std::vector<uint8_t>& buf) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int64_t t0 = NowNs();
  bool ok = OH_IPCParcel_WriteBuffer(data, buf.data(),
                                     static_cast<int32_t>(buf.size())) == 0 &&
            OH_IPCRemoteProxy_SendRequest(proxy, 2, data, reply, &sync) == 0 &&
            OH_IPCParcel_ReadBuffer(reply, static_cast<int32_t>(buf.size())) !=
                nullptr;
  double us = (NowNs() - t0) / 1000.0;
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return ok ? us : -1;
}

double TimeRaw(RawPeer* peer, const std::vector<char>& buf,
               std::vector<char>* back) {
  int64_t t0 = NowNs();
  bool ok = peer->RoundTrip(buf.data(), back->data(), buf.size());
  return ok ? (NowNs() - t0) / 1000.0 : -1;
}

// ---------------------------------------------------------------- capacity

// "Threads:" and "VmRSS:" (KiB) of this process, and how many of its
// threads are IPC pool workers (comm "ncp-ipc").
void ThreadsAndRss(int* threads, long* rss_kib, int* pool_threads) {
  *threads = 0;
  *rss_kib = 0;
  *pool_threads = 0;
  FILE* f = fopen("/proc/self/status", "re");
  if (f == nullptr) return;
  char line[256];
  while (fgets(line, sizeof(line), f) != nullptr) {
    sscanf(line, "Threads: %d", threads);
    sscanf(line, "VmRSS: %ld", rss_kib);
  }
  fclose(f);
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    FILE* c = fopen(
        (std::string("/proc/self/task/") + e->d_name + "/comm").c_str(), "re");
    if (c == nullptr) continue;
    char comm[32] = {};
    if (fgets(comm, sizeof(comm), c) != nullptr &&
        strcmp(comm, "ncp-ipc\n") == 0) {
      ++*pool_threads;
    }
    fclose(c);
  }
  closedir(dir);
}

// ---------------------------------------------------------------- pinning

// Every thread of this process onto `mask` (children inherit the spawning
// thread's affinity, and the library spawns from its own thread).
// Jiffies of all CPUs from /proc/stat's first line: the total (user
// through steal) and the stolen part. False if there is no steal field.
bool CpuJiffies(unsigned long long* total, unsigned long long* steal) {
  FILE* f = fopen("/proc/stat", "re");
  if (f == nullptr) return false;
  unsigned long long v[8] = {};
  const int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (n != 8) return false;
  *total = 0;
  for (unsigned long long x : v) *total += x;
  *steal = v[7];
  return true;
}

// Measures the host's steal over a section of a pass.
class StealMeter {
 public:
  StealMeter() { ok_ = CpuJiffies(&total_, &steal_); }
  // Percent of CPU time stolen since construction; -1 if unknown (no
  // steal field, or less than one tick of /proc/stat has passed).
  double Percent() const {
    unsigned long long total, steal;
    if (!ok_ || !CpuJiffies(&total, &steal) || total <= total_) return -1;
    return 100.0 * static_cast<double>(steal - steal_) /
           static_cast<double>(total - total_);
  }

 private:
  bool ok_;
  unsigned long long total_ = 0, steal_ = 0;
};

void SetAffinityOfAllThreads(const cpu_set_t& mask) {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return;
  while (struct dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    sched_setaffinity(atoi(e->d_name), sizeof(mask), &mask);
  }
  closedir(tasks);
}

// ---------------------------------------------------------------- stages

// Medians of stage-to-stage times of traced spawns.
class StageCollector {
 public:
  void Add(const NCP_SpawnStages& s) { samples_.push_back(s); }

  StageRow Summarize(const std::string& operation, bool create) const {
    StageRow row;
    row.operation = operation;
    row.samples = static_cast<int>(samples_.size());
    for (const NCP_SpawnStages& s : samples_) {
      if (s.via_zygote == 2) ++row.from_spare;
    }
    // From `from` (or `alt_from` where `from` was not reached; -1: none).
    auto median = [this](int from, int to, int alt_from) {
      std::vector<double> d;
      for (const NCP_SpawnStages& s : samples_) {
        int64_t a = s.ns[from] != 0 ? s.ns[from]
                    : alt_from >= 0 ? s.ns[alt_from]
                                    : 0;
        if (a != 0 && s.ns[to] != 0) d.push_back((s.ns[to] - a) / 1000.0);
      }
      return d.empty() ? -1.0 : ncp::bench::Summarize(d).median;
    };
    auto add = [&row](const char* name, double us) {
      if (us >= 0) row.stages_us.emplace_back(name, us);
    };
    add("prepare",
        median(NCP_STAGE_CALLED, NCP_STAGE_LAUNCHING, NCP_STAGE_CALLED));
    add("clone+namespaces",
        median(NCP_STAGE_LAUNCHING, NCP_STAGE_CLONED, NCP_STAGE_LAUNCHING));
    add("mounts", median(NCP_STAGE_CLONED, NCP_STAGE_MOUNTED, -1));
    add("fds+creds+seccomp",
        median(NCP_STAGE_MOUNTED, NCP_STAGE_SANDBOXED, NCP_STAGE_CLONED));
    add("exec/fork return",
        median(NCP_STAGE_SANDBOXED, NCP_STAGE_RUNNING, NCP_STAGE_SANDBOXED));
    add("dlopen",
        median(NCP_STAGE_RUNNING, NCP_STAGE_LOADED, NCP_STAGE_RUNNING));
    if (create) {
      add("OnConnect",
          median(NCP_STAGE_LOADED, NCP_STAGE_CONNECTED, NCP_STAGE_LOADED));
      add("first IPC reply",
          median(NCP_STAGE_CONNECTED, NCP_STAGE_PROXY, NCP_STAGE_CONNECTED));
      add("total", median(NCP_STAGE_CALLED, NCP_STAGE_PROXY, NCP_STAGE_CALLED));
    } else {
      add("entry", median(NCP_STAGE_LOADED, NCP_STAGE_ENTRY, NCP_STAGE_LOADED));
      add("total", median(NCP_STAGE_CALLED, NCP_STAGE_ENTRY, NCP_STAGE_CALLED));
    }
    add("(call returned)",
        median(NCP_STAGE_CALLED, NCP_STAGE_RETURNED, NCP_STAGE_CALLED));
    return row;
  }

 private:
  std::vector<NCP_SpawnStages> samples_;
};

// ---------------------------------------------------------------- a pass

Row MakeRow(const std::string& op, const std::vector<double>& samples) {
  Row row;
  row.operation = op;
  row.summary = ncp::bench::Summarize(samples);
  return row;
}

void Compare(Row* row, const Row& baseline, double at_most) {
  row->baseline = baseline.operation;
  row->ratio = baseline.summary.median > 0
                   ? row->summary.median / baseline.summary.median
                   : 0;
  if (at_most > 0) {
    char goal[32];
    snprintf(goal, sizeof(goal), "<= %.2fx", at_most);
    row->goal = goal;
    row->has_goal = true;
    row->pass = row->ratio <= at_most;
  }
}

bool RunPass(const Options& o, const Fixtures& f, Pass* pass,
             std::string* error) {
  auto progress = [&](const std::string& op, int done, int total) {
    if (o.progress) o.progress(pass->name, op, done, total);
  };
  std::vector<double> normal, direct, isolated, create, posix, bwrap;
  const int total = o.warmup + o.iterations;
  const StealMeter spawn_steal;
  for (int i = 0; i < total; ++i) {
    if (i % 10 == 0) progress("spawns", i, total);
    // The order matters on one CPU: a spawn through the zygote leaves it
    // refilling its pool in the background (a fork for NORMAL and Create, a
    // whole sandbox for ISOLATED), which the next operation shares the CPU
    // with. So the baseline follows an operation that leaves nothing
    // behind (the direct path), start_normal's refill falls on the direct
    // path (no goal), the ISOLATED refill on bwrap (no goal), an uncounted
    // direct spawn takes what bwrap leaves behind (its namespaces' teardown)
    // before the Create, and another what the Create leaves behind before
    // the next start_normal.
    double a = TimeStart(f, NCP_ISOLATION_MODE_NORMAL);
    double e = TimeStartDirect(f);
    double b = TimeBaseline(f, false);
    double c = TimeStart(f, NCP_ISOLATION_MODE_ISOLATED);
    double g = f.bwrap.empty() ? 0 : TimeBaseline(f, true);
    if (!f.bwrap.empty()) TimeStartDirect(f);  // not counted: see above
    double d = TimeCreate(f);
    // Not counted: takes the CPU share of what the Create leaves behind
    // (its child's exit with its IPC threads, the NORMAL refill), which on
    // one CPU cost the next start_normal ~0.7 ms of its median (measured).
    TimeStartDirect(f);
    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0 || g < 0) {
      char what[160];
      snprintf(what, sizeof(what),
               "iteration %d failed (normal %.0f, posix_spawn %.0f, isolated "
               "%.0f, create %.0f, direct %.0f, bwrap %.0f)",
               i, a, b, c, d, e, g);
      *error = what;
      return false;
    }
    if (i < o.warmup) continue;
    normal.push_back(a);
    posix.push_back(b);
    isolated.push_back(c);
    create.push_back(d);
    direct.push_back(e);
    if (!f.bwrap.empty()) bwrap.push_back(g);
  }
  progress("spawns", total, total);
  pass->steal_percent.emplace_back("spawns", spawn_steal.Percent());
  Row r_normal = MakeRow(kStartNormal, normal);
  Row r_posix = MakeRow(kPosixSpawn, posix);
  Row r_isolated = MakeRow(kStartIsolated, isolated);
  Row r_create = MakeRow(kCreate, create);
  Row r_direct = MakeRow(kStartDirect, direct);
  Compare(&r_normal, r_posix, 0.6);
  Compare(&r_direct, r_posix, 0);
  Compare(&r_isolated, r_normal, 1.3);
  Compare(&r_create, r_normal, 1.5);
  Row r_p99 = r_isolated;
  r_p99.operation = kIsolatedP99;
  r_p99.baseline = "";
  r_p99.ratio = 0;
  r_p99.goal = "p99 <= 2000 us";
  r_p99.has_goal = true;
  r_p99.pass = r_isolated.summary.p99 <= 2000;
  pass->rows = {r_normal, r_isolated, r_p99, r_create, r_direct, r_posix};
  if (!bwrap.empty()) {
    Row r_bwrap = MakeRow(kBwrap, bwrap);
    Compare(&r_bwrap, r_isolated, 0);
    pass->rows.push_back(r_bwrap);
  }

  if (o.ipc) {
    double unused;
    OHIPCRemoteProxy* proxy = CreateChild(f, &unused);
    RawPeer seqpacket, stream;
    if (proxy == nullptr || !seqpacket.Start(f, SOCK_SEQPACKET, 4) ||
        !stream.Start(f, SOCK_STREAM, kBigSize)) {
      *error = "cannot start the IPC peers";
      if (proxy != nullptr) EndChild(proxy);
      return false;
    }
    std::vector<double> ipc4, raw4, ipc_big, raw_big;
    const StealMeter ipc_steal;
    std::vector<char> small(4, 'x'), small_back(4);
    std::vector<char> big(kBigSize, 'y'), big_back(kBigSize);
    std::vector<uint8_t> big_parcel(kBigSize, 'z');
    // Interleaved in pairs (ours twice, the baseline twice...); only the
    // second call of a pair is timed. The serving process goes back to
    // waiting after its caller has the reply, so with single calls
    // alternated each side's tail was charged to the other's next sample
    // (it flattered ours by ~20% pinned).
    auto pairs = [&](const char* what, int warmup, int n,
                     const std::function<double()>& ours,
                     const std::function<double()>& base,
                     std::vector<double>* t_ours, std::vector<double>* t_base) {
      for (int i = 0; i < warmup; ++i) {
        if (ours() < 0 || base() < 0) return false;
      }
      auto timed = [](const std::function<double()>& time,
                      std::vector<double>* samples) {
        if (time() < 0) return false;  // takes the other side's tail
        const double us = time();
        if (us < 0) return false;
        samples->push_back(us);
        return true;
      };
      for (int i = 0; i < n; ++i) {
        if (i % 1000 == 0) progress(what, i, n);
        if (!timed(ours, t_ours) || !timed(base, t_base)) return false;
      }
      return true;
    };
    if (!pairs(
            "ipc 4 B", o.warmup * 10, o.ipc_iterations,
            [&] { return TimeIpc4(proxy); },
            [&] { return TimeRaw(&seqpacket, small, &small_back); }, &ipc4,
            &raw4)) {
      *error = "an IPC round trip failed";
      EndChild(proxy);
      return false;
    }
    if (!pairs(
            "ipc 200 KB", o.warmup, std::max(1, o.ipc_iterations / 10),
            [&] { return TimeIpcBig(proxy, big_parcel); },
            [&] { return TimeRaw(&stream, big, &big_back); }, &ipc_big,
            &raw_big)) {
      *error = "a 200 KB round trip failed";
      EndChild(proxy);
      return false;
    }
    EndChild(proxy);
    pass->steal_percent.emplace_back("ipc", ipc_steal.Percent());
    Row r_ipc4 = MakeRow(kIpc4, ipc4), r_raw4 = MakeRow(kRaw4, raw4);
    Row r_big = MakeRow(kIpcBig, ipc_big),
        r_raw_big = MakeRow(kRawBig, raw_big);
    Compare(&r_ipc4, r_raw4, 1.3);
    // Throughput >= 0.8x the raw stream's: time <= 1.25x.
    Compare(&r_big, r_raw_big, 1.25);
    pass->rows.insert(pass->rows.end(), {r_ipc4, r_raw4, r_big, r_raw_big});
  }

  if (o.capacity) {
    progress("capacity", 0, kCapacityStarts + kCapacityCreates);
    int threads_before, threads_after, pool_before, pool_after;
    long rss_before, rss_after;
    ThreadsAndRss(&threads_before, &rss_before, &pool_before);
    std::vector<int32_t> pids;
    std::vector<OHIPCRemoteProxy*> proxies;
    const std::string entry = f.child + ":Sleep";
    bool ok = true;
    for (int i = 0; ok && i < kCapacityStarts; ++i) {
      NativeChildProcess_Args args = {};
      NativeChildProcess_Options options = {};
      int32_t pid = -1;
      ok = OH_Ability_StartNativeChildProcess(entry.c_str(), args, options,
                                              &pid) == 0;
      if (ok) pids.push_back(pid);
    }
    for (int i = 0; ok && i < kCapacityCreates; ++i) {
      OHIPCRemoteProxy* proxy = CreateChild(f, nullptr);
      ok = proxy != nullptr;
      if (ok) proxies.push_back(proxy);
      progress("capacity", kCapacityStarts + i,
               kCapacityStarts + kCapacityCreates);
    }
    ThreadsAndRss(&threads_after, &rss_after, &pool_after);
    for (int32_t pid : pids) OH_Ability_KillChildProcess(pid);
    for (OHIPCRemoteProxy* proxy : proxies) EndChild(proxy);
    for (int32_t pid : pids) WaitGone(pid);
    if (!ok) {
      *error = "the capacity run could not start 462 + 50 children";
      return false;
    }
    // The IPC pool is counted apart: its size follows concurrent requests
    // (at most OH_IPCSkeleton_SetMaxWorkThreadNum, 16 by default), not the
    // number of children, and idle workers retire after 5 s, so it may be
    // a worker or two larger or smaller at either sample.
    Row threads;
    threads.operation = kThreads;
    threads.unit = "threads";
    const int grown =
        (threads_after - pool_after) - (threads_before - pool_before);
    threads.summary.min = threads.summary.median = threads.summary.p99 = grown;
    threads.summary.n = 1;
    threads.goal = "= 0";
    threads.has_goal = true;
    threads.pass = grown == 0;
    Row pool;
    pool.operation = kPoolThreads;
    pool.unit = "threads";
    pool.summary.min = pool.summary.median = pool.summary.p99 =
        pool_after - pool_before;
    pool.summary.n = 1;
    Row memory;
    memory.operation = kMemory;
    memory.unit = "KiB";
    memory.summary.min = memory.summary.median = memory.summary.p99 =
        static_cast<double>(rss_after - rss_before) /
        (kCapacityStarts + kCapacityCreates);
    memory.summary.n = 1;
    memory.goal = "<= 32 KiB";
    memory.has_goal = true;
    memory.pass = memory.summary.median <= 32;
    pass->rows.insert(pass->rows.end(), {threads, pool, memory});
  }

  if (o.stages) {
    StageCollector s_normal, s_isolated, s_create;
    const int n = std::max(1, std::min(o.iterations, 300));
    setenv("NCP_TRACE_STAGES", "1", 1);
    for (int i = 0; i < n; ++i) {
      if (i % 10 == 0) progress("stages", i, n);
      NCP_SpawnStages s;
      int32_t pid = -1;
      if (TimeStart(f, NCP_ISOLATION_MODE_NORMAL, &pid) >= 0 &&
          ncp_GetSpawnStages(pid, &s) == 0) {
        s_normal.Add(s);
      }
      if (TimeStart(f, NCP_ISOLATION_MODE_ISOLATED, &pid) >= 0 &&
          ncp_GetSpawnStages(pid, &s) == 0) {
        s_isolated.Add(s);
      }
      // Not counted: takes the CPU share of the ISOLATED refill (see
      // RunPass), so that it does not fall on the Create.
      TimeStartDirect(f);
      if (TimeCreate(f, &pid) >= 0 && ncp_GetSpawnStages(pid, &s) == 0) {
        s_create.Add(s);
      }
    }
    unsetenv("NCP_TRACE_STAGES");
    pass->stages = {s_normal.Summarize(kStartNormal, false),
                    s_isolated.Summarize(kStartIsolated, false),
                    s_create.Summarize(kCreate, true)};
  }
  return true;
}

std::string Machine() {
  struct utsname u;
  uname(&u);
  char text[256];
  snprintf(text, sizeof(text), "%ld CPUs, Linux %s %s",
           sysconf(_SC_NPROCESSORS_ONLN), u.release, u.machine);
  return text;
}

std::string Today() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char text[32];
  strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string FindFixtures(const char* argv0) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string exe = n > 0 ? std::string(self, static_cast<size_t>(n)) : argv0;
  std::string dir = exe.substr(0, exe.rfind('/'));
  const std::string candidates[] = {
      exe + ".runfiles/ncp/tools/bench",  // bazel run //tools:ncp
      dir,                                // the bench binary's own dir
      dir + "/bench",                     // tools/ncp next to tools/bench
  };
  for (const std::string& c : candidates) {
    if (Exists(c + "/libncp_bench_child.so") && Exists(c + "/bench_helper")) {
      return c;
    }
  }
  return "";
}

Report Run(const Options& options) {
  Report report;
  report.date = Today();
  report.machine = Machine();
  Fixtures f;
  f.child = options.fixtures + "/libncp_bench_child.so";
  f.service = options.fixtures + "/libncp_bench_service.so";
  f.helper = options.fixtures + "/bench_helper";
  if (access("/usr/bin/bwrap", X_OK) == 0) f.bwrap = "/usr/bin/bwrap";
  if (options.fixtures.empty() || !Exists(f.child) || !Exists(f.service) ||
      !Exists(f.helper)) {
    report.error =
        "benchmark fixtures not found (build //tools:ncp with Bazel "
        "and run it from bazel-bin, or pass --fixtures DIR)";
    return report;
  }
  // Children may exit with the library's exit callbacks unset: fine.
  cpu_set_t saved;
  CPU_ZERO(&saved);
  sched_getaffinity(0, sizeof(saved), &saved);
  if (options.unpinned) {
    Pass pass;
    pass.name = "unpinned";
    if (!RunPass(options, f, &pass, &report.error)) return report;
    report.passes.push_back(std::move(pass));
  }
  if (options.pinned) {
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &saved)) ++cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    SetAffinityOfAllThreads(one);
    Pass pass;
    pass.name = "pinned (cpu " + std::to_string(cpu) + ")";
    bool ok = RunPass(options, f, &pass, &report.error);
    SetAffinityOfAllThreads(saved);
    if (!ok) return report;
    report.passes.push_back(std::move(pass));
  }
  return report;
}

void PrintTable(const Report& report, FILE* out) {
  fprintf(out, "ncp bench, %s, %s\n", report.date.c_str(),
          report.machine.c_str());
  for (const Pass& pass : report.passes) {
    fprintf(out, "\n%s\n\n", pass.name.c_str());
    fprintf(out, "| %-30s | %9s | %9s | %9s | %-22s | %6s | %-14s | %-4s |\n",
            "operation", "min", "median", "p99", "baseline", "ratio", "goal",
            "");
    fprintf(out, "|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(32, '-').c_str(),
            std::string(11, '-').c_str(), std::string(11, '-').c_str(),
            std::string(11, '-').c_str(), std::string(24, '-').c_str(),
            std::string(8, '-').c_str(), std::string(16, '-').c_str(),
            std::string(6, '-').c_str());
    for (const Row& r : pass.rows) {
      char ratio[16] = "";
      if (!r.baseline.empty()) snprintf(ratio, sizeof(ratio), "%.2fx", r.ratio);
      std::string unit = r.unit == "us" ? "" : " " + r.unit;
      char min[32], median[32], p99[32];
      snprintf(min, sizeof(min), "%.1f", r.summary.min);
      snprintf(median, sizeof(median), "%.1f%s", r.summary.median,
               unit.c_str());
      snprintf(p99, sizeof(p99), "%.1f", r.summary.p99);
      fprintf(out, "| %-30s | %9s | %9s | %9s | %-22s | %6s | %-14s | %-4s |\n",
              r.operation.c_str(), r.unit == "us" ? min : "", median,
              r.unit == "us" ? p99 : "", r.baseline.c_str(), ratio,
              r.goal.c_str(), r.has_goal ? (r.pass ? "pass" : "FAIL") : "");
    }
    if (!pass.steal_percent.empty()) {
      fprintf(out,
              "\nhost steal (CPU time the hypervisor gave to other "
              "guests, /proc/stat):");
      const char* sep = "";
      for (const auto& [section, percent] : pass.steal_percent) {
        if (percent < 0) {
          fprintf(out, "%s %s unknown", sep, section.c_str());
        } else {
          fprintf(out, "%s %s %.1f%%", sep, section.c_str(), percent);
        }
        sep = ",";
      }
      fprintf(out, "\n");
    }
    if (!pass.stages.empty()) {
      fprintf(out, "\nmedian us per stage (traced spawns, ncp/trace.h)\n\n");
      for (const StageRow& s : pass.stages) {
        fprintf(out, "  %-18s (n=%d, %d from spares):", s.operation.c_str(),
                s.samples, s.from_spare);
        for (const auto& [name, us] : s.stages_us) {
          fprintf(out, " %s %.0f,", name.c_str(), us);
        }
        fprintf(out, "\n");
      }
    }
  }
  if (!report.error.empty())
    fprintf(out, "\nerror: %s\n", report.error.c_str());
}

std::string ToJson(const Report& report) {
  std::string j = "{\"date\":" + JsonString(report.date) +
                  ",\"machine\":" + JsonString(report.machine) +
                  ",\"passes\":[";
  char num[64];
  for (size_t p = 0; p < report.passes.size(); ++p) {
    const Pass& pass = report.passes[p];
    if (p > 0) j += ",";
    j += "{\"name\":" + JsonString(pass.name) + ",\"rows\":[";
    for (size_t i = 0; i < pass.rows.size(); ++i) {
      const Row& r = pass.rows[i];
      if (i > 0) j += ",";
      snprintf(num, sizeof(num), "%.3f", r.summary.min);
      j += "{\"operation\":" + JsonString(r.operation) +
           ",\"unit\":" + JsonString(r.unit) + ",\"min\":" + num;
      snprintf(num, sizeof(num), "%.3f", r.summary.median);
      j += std::string(",\"median\":") + num;
      snprintf(num, sizeof(num), "%.3f", r.summary.p99);
      j += std::string(",\"p99\":") + num;
      j += ",\"n\":" + std::to_string(r.summary.n);
      j += ",\"baseline\":" + JsonString(r.baseline);
      snprintf(num, sizeof(num), "%.4f", r.ratio);
      j += std::string(",\"ratio\":") + num;
      j += ",\"goal\":" + JsonString(r.goal);
      j += std::string(",\"pass\":") +
           (r.has_goal ? (r.pass ? "true" : "false") : "null") + "}";
    }
    j += "],\"steal_percent\":{";
    for (size_t i = 0; i < pass.steal_percent.size(); ++i) {
      if (i > 0) j += ",";
      // null: unknown (no steal field, or the section took less than a
      // clock tick of /proc/stat).
      snprintf(num, sizeof(num), "%.2f", pass.steal_percent[i].second);
      j += JsonString(pass.steal_percent[i].first) + ":" +
           (pass.steal_percent[i].second < 0 ? "null" : num);
    }
    j += "},\"stages\":[";
    for (size_t i = 0; i < pass.stages.size(); ++i) {
      const StageRow& s = pass.stages[i];
      if (i > 0) j += ",";
      j += "{\"operation\":" + JsonString(s.operation) +
           ",\"samples\":" + std::to_string(s.samples) +
           ",\"from_spare\":" + std::to_string(s.from_spare) +
           ",\"median_us\":{";
      for (size_t k = 0; k < s.stages_us.size(); ++k) {
        if (k > 0) j += ",";
        snprintf(num, sizeof(num), "%.3f", s.stages_us[k].second);
        j += JsonString(s.stages_us[k].first) + ":" + num;
      }
      j += "}}";
    }
    j += "]}";
  }
  j += "],\"error\":" + JsonString(report.error) + "}";
  return j;
}

}  // namespace ncp::bench
