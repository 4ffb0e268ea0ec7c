// ncp-child: the trampoline every child execs (from a memfd embedded in
// libchild_process.so). It runs in a fresh process image, so it may load
// libraries: it reads the bootstrap message (fd 3), optionally becomes the
// init of an isolated child's pid namespace, loads libipc_capi.so and the
// user's library, and runs the entry.
//
// The executable carries DT_SONAME libchild_process.so and exports the
// child edition of OH_Ability_* (child_capi.cc): user libraries linked
// against libchild_process.so bind to it instead of loading the parent
// library.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "IPCKit/ipc_kit.h"
#include "api/bootstrap.h"
#include "api/child_flows.h"
#include "api/child_state.h"
#include "api/registrar.h"
#include "ipc/bridge.h"
#include "ncp/trace.h"

namespace ncp::api {
namespace {

constexpr int kExitLoadFailed = 127;  // decisions.md §2.7
constexpr int kExitBadBootstrap = 126;

const char* g_name = "ncp-child";
bool g_sandboxed = false;  // pid 1 of our own pid namespace is our init

[[noreturn]] void Die(int code, const char* fmt, const char* a,
                      const char* b = "") {
  fprintf(stderr, "ncp-child[%s]: ", g_name);
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  exit(code);
}

bool ReadBootstrap(Bootstrap* out) {
  struct stat st;
  if (fstat(kBootstrapFd, &st) != 0 || st.st_size <= 0 ||
      st.st_size > (1 << 20)) {
    return false;
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pread(kBootstrapFd, &data[done], data.size() - done,
                      static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  close(kBootstrapFd);
  return DecodeBootstrap(data.data(), data.size(), out);
}

int g_seccomp_report_fd = -1;

// The sandbox's filter traps system calls of foreign architectures
// (SECCOMP_RET_TRAP): say which, then die by SIGSYS as the default action
// would have. Async-signal-safe.
void OnSigsys(int /*sig*/, siginfo_t* info, void* /*context*/) {
  int32_t record[4] = {static_cast<int32_t>(kSeccompReportMagic),
                       info->si_syscall, static_cast<int32_t>(info->si_arch),
                       0};
  ssize_t w = write(g_seccomp_report_fd, record, sizeof(record));
  (void)w;
  signal(SIGSYS, SIG_DFL);
  raise(SIGSYS);  // pending until the handler returns, then fatal
}

void ReportSeccompKillsOn(int status_fd) {
  g_seccomp_report_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, 100);
  struct sigaction action = {};
  action.sa_sigaction = &OnSigsys;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &action, nullptr);
}

}  // namespace

// Pid 1's life once the real child exists: keeps nothing open but the
// report channel (the real child's fds, an IPC socket, user fds, must close
// when it exits, not when we do), reaps everything, forwards signals to the
// real child, and when it ends reports how on status_fd (if >= 0) and exits
// the same way (which ends the namespace).
void ServeAsInit(pid_t child, int status_fd) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  if (status_fd < 0) {
    syscall(SYS_close_range, 0, ~0U, 0);
  } else {
    if (status_fd > 0) syscall(SYS_close_range, 0, status_fd - 1, 0);
    syscall(SYS_close_range, status_fd + 1, ~0U, 0);
  }
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);
      if (pid <= 0) break;
      if (pid != child) continue;
      InitReport report = {
          kInitReportMagic, WIFSIGNALED(status) ? 1 : 0,
          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
          WIFSIGNALED(status) && WCOREDUMP(status) ? 1 : 0};
      if (status_fd >= 0) {
        ssize_t w = write(status_fd, &report, sizeof(report));
        (void)w;
      }
      _exit(report.signaled ? 128 + report.status : report.status);
    }
  }
}

void BecomeInitsChild(int status_fd) {
  prctl(PR_SET_DUMPABLE, 1);
  ReportSeccompKillsOn(status_fd);
  close(status_fd);
}

// The stub a Create child serves, for the rest of its life (the parent
// calls it until the child exits). Held here, where the leak checker of a
// sanitizer build sees it, not only in a stack slot that later code reuses;
// not in the anonymous namespace, where an optimiser drops a variable that
// is only written.
OHIPCRemoteStub* g_served_stub = nullptr;

namespace {

// Pid 1 of an isolated child's pid namespace: forks the real child (which
// returns from here), then serves as its init.
void BecomeInit(int status_fd) {
  sigset_t all, saved;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &saved);
  // Not dumpable from before the fork, so that the child can never read
  // our /proc files (environ, mem, fd), even running as the same uid.
  prctl(PR_SET_DUMPABLE, 0);
  pid_t child = fork();
  if (child < 0) Die(kExitBadBootstrap, "fork: %s", strerror(errno));
  if (child == 0) {
    BecomeInitsChild(status_fd);
    sigprocmask(SIG_SETMASK, &saved, nullptr);
    return;
  }
  ServeAsInit(child, status_fd);
}

// The argv area of this process (what /proc/<pid>/cmdline shows), from
// main(): the zygote reserves a large one for its children's names.
char* g_arg_area = nullptr;
size_t g_arg_area_size = 0;

// Spawn stage tracing (ncp/trace.h): the trace page, or -1.
int g_trace_fd = -1;

void TraceStamp(NCP_SpawnStage stage) {
  if (g_trace_fd < 0) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  ssize_t n =
      pwrite(g_trace_fd, &ns, sizeof(ns), 8 * static_cast<off_t>(stage));
  (void)n;
}

// A zygote's child: the pipe whose EOF tells the zygote that this child
// is past its start (see SetStartedFd), or -1.
int g_started_fd = -1;

// The last stamp of the start: then the user's code runs without the
// trace page.
void TraceDone(NCP_SpawnStage stage) {
  TraceStamp(stage);
  if (g_trace_fd >= 0) close(g_trace_fd);
  g_trace_fd = -1;
}

// Past the start: the zygote may go on with its own work (the next spare),
// which would otherwise compete with this child for a CPU.
void StartedNow() {
  if (g_started_fd >= 0) close(g_started_fd);
  g_started_fd = -1;
}

[[noreturn]] void RunStart(const Bootstrap& boot) {
  void* handle =
      boot.library.empty() ? nullptr : dlopen(boot.library.c_str(), RTLD_LAZY);
  if (handle == nullptr) {
    Die(kExitLoadFailed, "cannot load library \"%s\": %s", boot.library.c_str(),
        boot.library.empty() ? "empty name" : dlerror());
  }
  TraceStamp(NCP_STAGE_LOADED);
  dlerror();
  void* symbol = dlsym(handle, boot.symbol.c_str());
  if (symbol == nullptr) {
    const char* error = dlerror();
    Die(kExitLoadFailed, "cannot find entry \"%s\": %s", boot.symbol.c_str(),
        error != nullptr ? error : "NULL symbol");
  }

  // Allocated once, owned by the child for its lifetime (spec §1.5.2).
  static NativeChildProcess_Args args;
  args.entryParams = strdup(boot.params.c_str());
  NativeChildProcess_Fd** tail = &args.fdList.head;
  for (const auto& [name, fd] : boot.fds) {  // sorted by the parent
    auto* node = static_cast<NativeChildProcess_Fd*>(
        calloc(1, sizeof(NativeChildProcess_Fd)));
    if (node == nullptr) Die(kExitBadBootstrap, "%s", "out of memory");
    node->fdName = strdup(name.c_str());
    node->fd = fd;
    *tail = node;
    tail = &node->next;
  }
  g_current_args = &args;

  using Entry = void (*)(NativeChildProcess_Args);
  TraceDone(NCP_STAGE_ENTRY);
  StartedNow();
  reinterpret_cast<Entry>(symbol)(args);
  exit(0);
}

// The IPCKit functions the Create* flow needs, from the libipc_capi.so the
// trampoline loaded (the one the user's library binds to as well).
struct Ipc {
  decltype(&OH_IPCParcel_Create) parcel_create;
  decltype(&OH_IPCParcel_Destroy) parcel_destroy;
  decltype(&OH_IPCParcel_WriteInt32) write_int32;
  decltype(&OH_IPCParcel_WriteRemoteStub) write_stub;
  decltype(&OH_IPCRemoteProxy_SendRequest) send_request;
  decltype(&OH_IPCRemoteProxy_Destroy) proxy_destroy;
  const ipc::Bridge* bridge;
};

bool LoadIpc(void* library, Ipc* ipc) {
  ipc->parcel_create = reinterpret_cast<decltype(ipc->parcel_create)>(
      dlsym(library, "OH_IPCParcel_Create"));
  ipc->parcel_destroy = reinterpret_cast<decltype(ipc->parcel_destroy)>(
      dlsym(library, "OH_IPCParcel_Destroy"));
  ipc->write_int32 = reinterpret_cast<decltype(ipc->write_int32)>(
      dlsym(library, "OH_IPCParcel_WriteInt32"));
  ipc->write_stub = reinterpret_cast<decltype(ipc->write_stub)>(
      dlsym(library, "OH_IPCParcel_WriteRemoteStub"));
  ipc->send_request = reinterpret_cast<decltype(ipc->send_request)>(
      dlsym(library, "OH_IPCRemoteProxy_SendRequest"));
  ipc->proxy_destroy = reinterpret_cast<decltype(ipc->proxy_destroy)>(
      dlsym(library, "OH_IPCRemoteProxy_Destroy"));
  if (ipc->parcel_create == nullptr || ipc->parcel_destroy == nullptr ||
      ipc->write_int32 == nullptr || ipc->write_stub == nullptr ||
      ipc->send_request == nullptr || ipc->proxy_destroy == nullptr) {
    return false;
  }
  ipc->bridge = ipc::FindBridge(ipc->parcel_create, ipc->parcel_destroy);
  return ipc->bridge != nullptr;
}

// Tells the parent why there will be no stub, then exits.
[[noreturn]] void ReportFailure(const Ipc& ipc, OHIPCRemoteProxy* registrar,
                                int32_t code, const char* what,
                                const char* detail) {
  fprintf(stderr, "ncp-child[%s]: %s%s\n", g_name, what, detail);
  OHIPCParcel* data = ipc.parcel_create();
  OHIPCParcel* reply = ipc.parcel_create();
  if (data != nullptr && reply != nullptr &&
      ipc.write_int32(data, code) == OH_IPC_SUCCESS) {
    OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
    ipc.send_request(registrar, kRegistrarFailed, data, reply, &sync);
  }
  exit(0);
}

// The table of `library`, looked up once per process. The zygote looks it
// up before it forks, so that its Create children skip the lookups: a
// forked child has none of the symbol tables' pages mapped, and faulting
// them in cost ~10 us of each Create (pinned, A/B in one run). NULL if
// `library` is not ncp's.
const Ipc* IpcOf(void* library) {
  static Ipc ipc;
  static void* loaded_from = nullptr;
  if (library == nullptr) return nullptr;
  if (library != loaded_from) {
    if (!LoadIpc(library, &ipc)) return nullptr;
    loaded_from = library;
  }
  return &ipc;
}

[[noreturn]] void RunCreate(const Bootstrap& boot, void* ipc_library) {
  const Ipc* table = IpcOf(ipc_library);
  if (table == nullptr) {
    Die(kExitBadBootstrap, "%s", "libipc_capi.so is missing or not ncp's");
  }
  const Ipc& ipc = *table;
  // The pool starts with the first request (kRegistrarReady or
  // kRegistrarFailed): nothing can call this process before it has sent
  // its stub.
  OHIPCRemoteProxy* registrar = nullptr;
  if (ipc.bridge->adopt_connection_with(
          boot.channel_fd, nullptr, &registrar,
          ipc::kAdoptLazily | ipc::kAdoptOwnSocket) != OH_IPC_SUCCESS ||
      registrar == nullptr) {
    Die(kExitBadBootstrap, "%s", "cannot connect to the parent");
  }

  void* handle =
      boot.library.empty() ? nullptr : dlopen(boot.library.c_str(), RTLD_LAZY);
  if (handle == nullptr) {
    ReportFailure(ipc, registrar, NCP_ERR_LIB_LOADING_FAILED,
                  "cannot load library: ", dlerror());
  }
  TraceStamp(NCP_STAGE_LOADED);
  using OnConnect = OHIPCRemoteStub* (*)();
  using MainProc = void (*)();
  auto on_connect = reinterpret_cast<OnConnect>(
      dlsym(handle, "NativeChildProcess_OnConnect"));
  auto main_proc =
      reinterpret_cast<MainProc>(dlsym(handle, "NativeChildProcess_MainProc"));
  if (on_connect == nullptr || main_proc == nullptr) {
    ReportFailure(ipc, registrar, NCP_ERR_LIB_LOADING_FAILED,
                  "missing NativeChildProcess_OnConnect or "
                  "NativeChildProcess_MainProc in ",
                  boot.library.c_str());
  }

  OHIPCRemoteStub* stub = on_connect();
  g_served_stub = stub;
  TraceDone(NCP_STAGE_CONNECTED);
  if (stub == nullptr) {
    ReportFailure(ipc, registrar, NCP_ERR_CONNECTION_FAILED,
                  "NativeChildProcess_OnConnect returned NULL", "");
  }
  // The report. With more than one CPU to run on it is one-way: MainProc
  // starts at once, as OpenHarmony's does (its helper thread sends the stub
  // while MainProc runs), and the app runs its callback as soon as it has
  // read the report, with no reply to send first (~15 us of every Create,
  // measured). On one CPU it stays sync: the app must get the CPU before
  // MainProc, the pool's first thread and the zygote's refill do; so it
  // does when the app's thread is confined to one CPU (kSyncReport: in ncp
  // bench's pinned pass, the children not pinned, one-way measured
  // 1.46-1.48x Start NORMAL against 1.31-1.36x). Either
  // way a child that dies right after is not "died before connecting": the
  // app decides that only once it has read everything the child sent
  // (api/create_session.cc). The stub is served by the IPC workers from
  // now on, for as long as MainProc runs.
  OHIPCParcel* data = ipc.parcel_create();
  OHIPCParcel* reply = ipc.parcel_create();
  if (data == nullptr || reply == nullptr ||
      ipc.write_stub(data, stub) != OH_IPC_SUCCESS) {
    Die(kExitBadBootstrap, "%s", "cannot send the stub to the parent");
  }
  cpu_set_t cpus;
  const bool one_cpu =
      (boot.flags & Bootstrap::kSyncReport) != 0 ||
      (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) == 1);
  OH_IPC_MessageOption option = {
      one_cpu ? OH_IPC_REQUEST_MODE_SYNC : OH_IPC_REQUEST_MODE_ASYNC, 0,
      nullptr};
  if (ipc.send_request(registrar, kRegistrarReady, data,
                       one_cpu ? reply : nullptr, &option) != OH_IPC_SUCCESS) {
    Die(kExitBadBootstrap, "%s", "cannot reach the parent");
  }
  ipc.parcel_destroy(data);
  ipc.parcel_destroy(reply);
  // The report is on its way (sync: the parent has the proxy, and its
  // callback may be running): only now may the zygote fork the next spare.
  StartedNow();
  // The registrar served its one report (the parent retired it): releasing
  // it tells the parent nothing more will come to it, so the parent's IPC
  // pool stops watching this connection between the app's calls.
  ipc.proxy_destroy(registrar);
  main_proc();
  // The request that ended MainProc (an "exit" request, typically) is still
  // replying on an IPC thread: let it finish before the process goes.
  ipc.bridge->wait_requests_done(1000);
  exit(0);
}

}  // namespace

void SetStartedFd(int fd) { g_started_fd = fd; }

const ipc::Bridge* IpcBridgeOf(void* ipc_library) {
  const Ipc* table = IpcOf(ipc_library);
  return table != nullptr ? table->bridge : nullptr;
}

void SetProcessName(const std::string& name) {
  char comm[16] = {};
  strncpy(comm, name.c_str(), sizeof(comm) - 1);
  prctl(PR_SET_NAME, comm);
  if (g_arg_area == nullptr || g_arg_area_size == 0) return;
  size_t len = std::min(name.size(), g_arg_area_size - 1);
  memcpy(g_arg_area, name.data(), len);
  g_arg_area[len] = '\0';
  // A non-NUL last byte makes the kernel show argv[0] only, up to its NUL
  // (its setproctitle() convention), whatever the area held before.
  if (len + 1 < g_arg_area_size) {
    memset(g_arg_area + len + 1, ' ', g_arg_area_size - len - 1);
  }
}

void RunChild(const Bootstrap& boot, void* ipc_library, InitRole init) {
  g_name = boot.process_name.c_str();
  if (g_trace_fd < 0 && boot.trace_fd >= 0) {
    g_trace_fd = boot.trace_fd;  // a zygote's child: running from here
    TraceStamp(NCP_STAGE_RUNNING);
  }
  // Named first: a zygote's child is still called ncp-zygote (an exec'd
  // child, and so its init, got the name from argv[0]).
  SetProcessName(boot.process_name);
  if ((boot.flags & Bootstrap::kRunAsInit) != 0) {
    g_sandboxed = true;
    if (init == InitRole::kBecome) BecomeInit(boot.status_fd);
    if (init == InitRole::kForked) BecomeInitsChild(boot.status_fd);
  }
  if (boot.kind == Bootstrap::kStart) RunStart(boot);
  RunCreate(boot, ipc_library);
}

}  // namespace ncp::api

// LeakSanitizer (in ASan builds) checks at exit by ptrace()ing the
// process's threads, which the sandbox's seccomp filter refuses: it would
// turn every isolated child's exit into an LSan "fatal error". It is off
// there. (The sanitizer runtime looks this weak hook up in the executable.)
extern "C" __attribute__((visibility("default"))) int __lsan_is_turned_off() {
  return ncp::api::g_sandboxed ? 1 : 0;
}

int main(int argc, char** argv) {
  using namespace ncp::api;
  // argv[0] .. argv[argc - 1] are contiguous: the whole area is ours.
  g_arg_area = argv[0];
  g_arg_area_size = static_cast<size_t>(argv[argc - 1] +
                                        strlen(argv[argc - 1]) + 1 - argv[0]);
  Bootstrap boot;
  if (!ReadBootstrap(&boot)) {
    fprintf(stderr, "ncp-child: invalid bootstrap message on fd %d\n",
            kBootstrapFd);
    return kExitBadBootstrap;
  }
  g_name = boot.process_name.c_str();
  g_trace_fd = boot.trace_fd;  // exec'd: running from here
  TraceStamp(NCP_STAGE_RUNNING);
  // The init stays small: it forks before anything is loaded. It bears the
  // child's name too (its comm would otherwise stay the exec'd memfd's).
  if ((boot.flags & Bootstrap::kRunAsInit) != 0) {
    g_sandboxed = true;
    SetProcessName(boot.process_name);
    BecomeInit(boot.status_fd);
  }

  // One IPC runtime per process: the user's library must bind to the same
  // libipc_capi.so the parent uses, whatever its own search path says.
  void* ipc_library = nullptr;
  if (!boot.ipc_library.empty()) {
    ipc_library = dlopen(boot.ipc_library.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (ipc_library == nullptr) {
      Die(kExitBadBootstrap, "cannot load \"%s\": %s", boot.ipc_library.c_str(),
          dlerror());
    }
    // Loaded through /proc/self/fd/N: the fd is ours to close now.
    int fd = -1;
    if (sscanf(boot.ipc_library.c_str(), "/proc/self/fd/%d", &fd) == 1)
      close(fd);
  }
  if (boot.kind == Bootstrap::kZygote) {
    IpcOf(ipc_library);  // for the Create children
    RunZygote(boot, ipc_library);
  }
  RunChild(boot, ipc_library, InitRole::kNone);
}
