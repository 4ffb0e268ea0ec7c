// libFuzzer target over the argument handling of the parent's public C API
// (AbilityKit/native_child_process.h, ncp/child_exit.h, ncp/sandbox.h) and
// of the validation layer behind it (api/validation.h).
//
// Each input is a sequence of calls with fuzzer-built arguments: entry and
// library names (with and without ':', "../", over-long, non-UTF-8, cut by
// an embedded NUL), fd lists (names of 0..40 bytes, NULL names, duplicates,
// up to 40 nodes or, rarely, past the 1024-node walk bound; valid, negative
// and closed fds; never cyclic), entryParams around the 153,600-byte limit,
// isolation modes outside the enum, NULL pointers, configs objects and their
// setters, exit callbacks and listeners, kill of arbitrary pids.
//
// No child is ever started: NCP_MULTI_PROCESS=0 makes every call that
// passes the argument checks return NCP_ERR_MULTI_PROCESS_DISABLED before
// anything is spawned. A reference model of the documented checks predicts
// each return code exactly (401 or 16010004, 16010009, 16010010, 0), and the
// split entry and the collected fd list are compared with the model too.
// After each input no child exists and every registration is undone.
// Build and run: api/fuzz/run_api_fuzzer.sh.
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "api/child_runtime.h"
#include "api/validation.h"
#include "fuzzer/FuzzedDataProvider.h"
#include "isolation/sandbox_paths.h"
#include "ncp/child_exit.h"
#include "ncp/sandbox.h"

// c_callers.c
extern "C" {
Ability_NativeChildProcess_ErrCode FuzzStart(const char* entry,
                                             NativeChildProcess_Args args,
                                             int mode, int64_t reserved,
                                             int32_t* pid);
Ability_NativeChildProcess_ErrCode FuzzSetIsolationMode(
    Ability_ChildProcessConfigs* configs, int mode);
const char* FuzzExitKindName(int kind);
const char* FuzzSetupStageName(int stage);
}

namespace {

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "api_fuzzer: %s:%d: CHECK failed: %s\n", __FILE__, \
              __LINE__, #cond);                                          \
      abort();                                                           \
    }                                                                    \
  } while (0)

constexpr size_t kMaxOps = 24;         // calls per input
constexpr size_t kMaxParams = 153600;  // entryParams bytes (decisions §3)
constexpr size_t kMaxNodes = 1024;     // fd list walk bound (api/limits.h)
constexpr size_t kBig = 160 * 1024;    // longest generated string
constexpr int kDisabled = NCP_ERR_MULTI_PROCESS_DISABLED;

int g_null_fd = -1;  // open fds handed out in fd lists
int g_pipe[2] = {-1, -1};
char* g_big = nullptr;  // kBig + 1 bytes of 'x', NUL-terminated where asked

int g_exit_calls = 0;  // must stay 0: no child ever exits
void Exit0(int32_t, int32_t) { ++g_exit_calls; }
void Exit1(int32_t, int32_t) { ++g_exit_calls; }
void Exit2(int32_t, int32_t) { ++g_exit_calls; }
void Exit3(int32_t, int32_t) { ++g_exit_calls; }
constexpr OH_Ability_OnNativeChildProcessExit kExits[] = {Exit0, Exit1, Exit2,
                                                          Exit3};
void Listen0(const NCP_ChildExitInfo*, void*) { ++g_exit_calls; }
void Listen1(const NCP_ChildExitInfo*, void*) { ++g_exit_calls; }
constexpr NCP_OnChildExit kListeners[] = {Listen0, Listen1};
int g_user_data[2];
void Started(int, OHIPCRemoteProxy*) { ++g_exit_calls; }

// ---- Model of the documented checks ----------------------------------------

bool ModelLibraryName(const char* s) {
  return s != nullptr && s[0] != '\0' && strstr(s, "../") == nullptr;
}

bool ModelEntry(const char* s, std::string* lib, std::string* sym) {
  if (s == nullptr || s[0] == '\0') return false;
  const std::string e(s);
  const size_t colon = e.rfind(':');
  if (colon == std::string::npos) return false;
  *lib = e.substr(0, colon);
  *sym = e.substr(colon + 1);
  return lib->find("../") == std::string::npos;
}

bool ModelProcessName(const char* s) {
  if (s == nullptr) return false;
  const size_t n = strlen(s);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

bool ModelParams(const char* p) {
  return p == nullptr || strlen(p) <= kMaxParams;
}

bool FdOpen(int fd) { return fd >= 0 && fcntl(fd, F_GETFD) >= 0; }

// Names of 1..20 bytes, at most 16 distinct, first fd of a name wins, the
// winners open; the result sorted by name in byte order.
bool ModelFds(const NativeChildProcess_FdList& list,
              std::vector<std::pair<std::string, int>>* out) {
  std::vector<std::pair<std::string, int>> kept;
  size_t nodes = 0;
  for (const NativeChildProcess_Fd* n = list.head; n != nullptr; n = n->next) {
    if (++nodes > kMaxNodes) return false;
    if (n->fdName == nullptr) return false;
    const size_t len = strlen(n->fdName);
    if (len == 0 || len > 20) return false;
    const std::string name(n->fdName);
    if (std::none_of(kept.begin(), kept.end(),
                     [&](const auto& k) { return k.first == name; })) {
      kept.emplace_back(name, n->fd);
    }
    if (kept.size() > 16) return false;
  }
  for (const auto& k : kept) {
    if (!FdOpen(k.second)) return false;
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    const size_t n = std::min(a.first.size(), b.first.size());
    const int c = memcmp(a.first.data(), b.first.data(), n);
    return c != 0 ? c < 0 : a.first.size() < b.first.size();
  });
  *out = std::move(kept);
  return true;
}

bool IsNcpCode(int rc) {
  switch (rc) {
    case NCP_NO_ERROR:
    case NCP_ERR_INVALID_PARAM:
    case NCP_ERR_NOT_SUPPORTED:
    case NCP_ERR_INTERNAL:
    case NCP_ERR_BUSY:
    case NCP_ERR_TIMEOUT:
    case NCP_ERR_SERVICE_ERROR:
    case NCP_ERR_MULTI_PROCESS_DISABLED:
    case NCP_ERR_ALREADY_IN_CHILD:
    case NCP_ERR_MAX_CHILD_PROCESSES_REACHED:
    case NCP_ERR_LIB_LOADING_FAILED:
    case NCP_ERR_CONNECTION_FAILED:
    case NCP_ERR_CALLBACK_NOT_EXIST:
    case NCP_ERR_INVALID_PID:
      return true;
  }
  return false;
}

// True if every child of this process is a sanitizer's symbolizer (libFuzzer
// starts one to name newly covered functions).
bool OnlySymbolizers() {
  DIR* tasks = opendir("/proc/self/task");
  CHECK(tasks != nullptr);
  bool only = true;
  while (dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    std::ifstream children(std::string("/proc/self/task/") + task->d_name +
                           "/children");
    pid_t child;
    while (children >> child) {
      std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
      std::string name;
      comm >> name;
      if (name.rfind("llvm-symbolizer", 0) != 0 && name != "addr2line") {
        fprintf(stderr, "api_fuzzer: unexpected child %d (%s)\n", int{child},
                name.c_str());
        only = false;
      }
    }
  }
  closedir(tasks);
  return only;
}

// ---- The run ---------------------------------------------------------------

struct Run {
  FuzzedDataProvider in;
  std::deque<std::string> strings;  // stable storage for generated strings
  Ability_ChildProcessConfigs* configs[2] = {};
  int sandbox_paths[2] = {};  // paths accepted per configs object
  std::vector<OH_Ability_OnNativeChildProcessExit> callbacks;  // registered
  std::vector<std::pair<NCP_OnChildExit, void*>> listeners;    // registered
  size_t big_left = 2;  // big strings per input (they cost time)

  Run(const uint8_t* data, size_t size) : in(data, size) {}

  // A C string: NULL, "", input bytes (any, cut at the first NUL by the
  // callee), a structured "<lib>:<sym>" or a long one. Owned by `strings`.
  const char* PickString(bool entry_like) {
    std::string s;
    switch (in.ConsumeIntegralInRange<int>(0, 15)) {
      case 0:
        return nullptr;
      case 1:
        break;
      case 2: {
        if (big_left == 0) return "libbig.so:Main";
        --big_left;
        const size_t n = in.ConsumeIntegralInRange<size_t>(1, kBig);
        s.assign(n, 'a');
        if (entry_like) s[in.ConsumeIntegralInRange<size_t>(0, n - 1)] = ':';
        break;
      }
      case 3:
      case 4:
      case 5:
        s = in.ConsumeRandomLengthString(64) + ":" +
            in.ConsumeRandomLengthString(32);
        break;
      case 6:  // "../" in the library part or only in the symbol
        s = in.ConsumeBool() ? "lib/../x.so:Main" : "libx.so:../Main";
        break;
      case 7:
        s = "libw\xC3\x28\xFF.so:M\x80in";  // not UTF-8
        break;
      default:
        s = in.ConsumeRandomLengthString(96);
        break;
    }
    strings.push_back(std::move(s));
    return strings.back().c_str();
  }

  // An fd name: NULL, "", a short shared name (duplicates), or 1..40 bytes
  // (with 19..22 favoured), possibly cut by an embedded NUL.
  char* PickName() {
    static const char* const kShared[] = {"a", "b", "fd1", "FD1", "\xFF", "z"};
    std::string s;
    switch (in.ConsumeIntegralInRange<int>(0, 11)) {
      case 0:
        return nullptr;
      case 1:
        break;
      case 2:
      case 3:
      case 4:
        s = kShared[in.ConsumeIntegralInRange<int>(0, 5)];
        break;
      case 5:
      case 6: {
        const size_t n = in.ConsumeIntegralInRange<size_t>(19, 22);
        s.assign(n, 'n');
        s[0] = static_cast<char>(in.ConsumeIntegralInRange<int>(1, 255));
        break;
      }
      default: {
        s = in.ConsumeRandomLengthString(40);
        break;
      }
    }
    strings.push_back(std::move(s));
    return &strings.back()[0];
  }

  int PickFd() {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        return -1;
      case 1:
        return INT32_MIN;
      case 2:
        return 1 << 20;  // above the fd limit: never open
      case 3:
        return g_pipe[0];
      case 4:
        return g_pipe[1];
      default:
        return g_null_fd;
    }
  }

  // Builds an acyclic list in `nodes` (whose storage must stay put).
  NativeChildProcess_FdList PickFdList(
      std::vector<NativeChildProcess_Fd>* nodes) {
    size_t n;
    const int kind = in.ConsumeIntegralInRange<int>(0, 255);
    if (kind == 0) {
      n = kMaxNodes + in.ConsumeIntegralInRange<size_t>(0, 2) - 1;  // the bound
    } else if (kind < 32) {
      n = 0;
    } else {
      n = in.ConsumeIntegralInRange<size_t>(0, 40);
    }
    nodes->resize(n);
    if (kind == 0) {
      // Long lists of a few repeated names: valid apart from the bound.
      for (size_t i = 0; i < n; ++i) {
        (*nodes)[i].fdName = const_cast<char*>(i % 2 ? "even" : "odd");
        (*nodes)[i].fd = g_null_fd;
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        (*nodes)[i].fdName = PickName();
        (*nodes)[i].fd = PickFd();
      }
    }
    for (size_t i = 0; i < n; ++i) {
      (*nodes)[i].next = i + 1 < n ? &(*nodes)[i + 1] : nullptr;
    }
    return NativeChildProcess_FdList{n ? &(*nodes)[0] : nullptr};
  }

  // entryParams: NULL, "", input bytes, or g_big cut around the limit.
  char* PickParams(size_t* cut) {
    *cut = SIZE_MAX;
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        return nullptr;
      case 1:
        strings.emplace_back();
        return &strings.back()[0];
      case 2: {
        *cut = kMaxParams + in.ConsumeIntegralInRange<int>(-2, 2);
        if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
          *cut = in.ConsumeIntegralInRange<size_t>(0, kBig);
        }
        g_big[*cut] = '\0';
        return g_big;
      }
      default:
        strings.push_back(in.ConsumeRandomLengthString(128));
        return &strings.back()[0];
    }
  }

  // Any int as an isolation mode, as a C caller may pass (c_callers.c).
  int PickMode() {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        return NCP_ISOLATION_MODE_NORMAL;
      case 1:
        return NCP_ISOLATION_MODE_ISOLATED;
      case 2:
        return -1;
      case 3:
        return INT_MAX;
      default:
        return in.ConsumeIntegral<int>();
    }
  }

  Ability_ChildProcessConfigs** PickConfigs(int* index) {
    static Ability_ChildProcessConfigs* null_configs = nullptr;
    null_configs = nullptr;
    *index = in.ConsumeIntegralInRange<int>(0, 2);
    return *index < 2 ? &configs[*index] : &null_configs;
  }

  // Start / StartWithConfigs with the same argument model.
  void Start(bool with_configs) {
    const char* entry = PickString(true);
    std::vector<NativeChildProcess_Fd> nodes;
    NativeChildProcess_Args args;
    size_t cut;
    args.entryParams = PickParams(&cut);
    args.fdList = PickFdList(&nodes);
    const bool null_pid = in.ConsumeIntegralInRange<int>(0, 15) == 0;
    int32_t pid = -12345;
    int idx = 2;
    Ability_ChildProcessConfigs* c = nullptr;
    const int mode = PickMode();
    const int64_t reserved = in.ConsumeIntegral<int64_t>();
    if (with_configs) c = *PickConfigs(&idx);

    int rc;
    if (with_configs) {
      rc = OH_Ability_StartNativeChildProcessWithConfigs(
          entry, args, c, null_pid ? nullptr : &pid);
    } else {
      rc = FuzzStart(entry, args, mode, reserved, null_pid ? nullptr : &pid);
    }

    std::string lib, sym;
    std::vector<std::pair<std::string, int>> fds;
    bool valid = ModelEntry(entry, &lib, &sym) && !null_pid &&
                 ModelFds(args.fdList, &fds) && ModelParams(args.entryParams);
    if (with_configs && c == nullptr) valid = false;
    CHECK(IsNcpCode(rc));
    CHECK(rc == (valid ? kDisabled : NCP_ERR_INVALID_PARAM));
    CHECK(pid == -12345);  // written only on success

    // The validation layer itself agrees with the model, piece by piece.
    ncp::api::EntryPoint ep;
    const bool entry_ok = ModelEntry(entry, &lib, &sym);
    CHECK((ncp::api::ParseEntry(entry, &ep) == nullptr) == entry_ok);
    if (entry_ok) CHECK(ep.library == lib && ep.symbol == sym);
    std::vector<ncp::api::NamedFd> got;
    const bool fds_ok = ModelFds(args.fdList, &fds);
    CHECK((ncp::api::CollectFds(args.fdList, &got) == nullptr) == fds_ok);
    if (fds_ok) {
      CHECK(got.size() == fds.size());
      for (size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].name == fds[i].first && got[i].fd == fds[i].second);
      }
    }
    CHECK((ncp::api::CheckEntryParams(args.entryParams) == nullptr) ==
          ModelParams(args.entryParams));
    if (cut < kBig) g_big[cut] = 'x';
  }

  void Create(bool with_configs) {
    const char* lib = PickString(false);
    const bool null_cb = in.ConsumeIntegralInRange<int>(0, 7) == 0;
    int idx = 2;
    Ability_ChildProcessConfigs* c = nullptr;
    if (with_configs) c = *PickConfigs(&idx);
    const int rc = with_configs
                       ? OH_Ability_CreateNativeChildProcessWithConfigs(
                             lib, c, null_cb ? nullptr : Started)
                       : OH_Ability_CreateNativeChildProcess(
                             lib, null_cb ? nullptr : Started);
    bool valid = ModelLibraryName(lib) && !null_cb;
    if (with_configs && c == nullptr) valid = false;
    CHECK(IsNcpCode(rc));
    CHECK(rc == (valid ? kDisabled : NCP_ERR_INVALID_PARAM));
    CHECK((ncp::api::CheckLibraryName(lib) == nullptr) ==
          ModelLibraryName(lib));
  }

  void ConfigsOp() {
    int idx;
    Ability_ChildProcessConfigs** slot = PickConfigs(&idx);
    Ability_ChildProcessConfigs* c = *slot;
    const int expect_null = c == nullptr ? NCP_ERR_INVALID_PARAM : NCP_NO_ERROR;
    switch (in.ConsumeIntegralInRange<int>(0, 6)) {
      case 0:
        if (idx < 2) {
          if (c != nullptr)
            CHECK(OH_Ability_DestroyChildProcessConfigs(c) == 0);
          *slot = OH_Ability_CreateChildProcessConfigs();
          CHECK(*slot != nullptr);
          sandbox_paths[idx] = 0;
        }
        break;
      case 1:
        CHECK(OH_Ability_DestroyChildProcessConfigs(c) == expect_null);
        *slot = nullptr;
        break;
      case 2:
        CHECK(FuzzSetIsolationMode(c, PickMode()) == expect_null);
        break;
      case 3:
        CHECK(OH_Ability_ChildProcessConfigs_SetIsolationUid(
                  c, in.ConsumeBool()) == expect_null);
        break;
      case 4: {
        const char* name = PickString(false);
        const int rc = OH_Ability_ChildProcessConfigs_SetProcessName(c, name);
        CHECK(rc == (c != nullptr && ModelProcessName(name)
                         ? NCP_NO_ERROR
                         : NCP_ERR_INVALID_PARAM));
        CHECK((ncp::api::CheckProcessName(name) == nullptr) ==
              ModelProcessName(name));
        break;
      }
      default: {
        static const char* const kPaths[] = {
            "/tmp",      "/usr",        "/",        "/nonexistent/x",
            "relative",  "/tmp/../etc", "/tmp/./x", "/proc",
            "/dev/null", "/etc/passwd", "//tmp",    "/tmp/"};
        const char* path = in.ConsumeBool()
                               ? kPaths[in.ConsumeIntegralInRange<int>(0, 11)]
                               : PickString(false);
        const bool writable = in.ConsumeBool();
        if (in.ConsumeBool()) {
          const int rc =
              ncp_ChildProcessConfigs_AddSandboxPath(c, path, writable);
          const bool ok = c != nullptr && path != nullptr &&
                          ncp::isolation::CheckSandboxPath(
                              path, true, writable) == nullptr &&
                          sandbox_paths[idx] < 64;
          CHECK(rc == (ok ? NCP_NO_ERROR : NCP_ERR_INVALID_PARAM));
          if (ok) ++sandbox_paths[idx];
        } else {
          const int rc = ncp_ChildProcessConfigs_SetDataDir(c, path);
          const bool ok =
              c != nullptr && path != nullptr &&
              ncp::isolation::CheckSandboxPath(path, false, true) == nullptr;
          CHECK(rc == (ok ? NCP_NO_ERROR : NCP_ERR_INVALID_PARAM));
        }
        if (path != nullptr && path[0] != '/') {
          CHECK(ncp::isolation::CheckSandboxPath(path, false, false) !=
                nullptr);
        }
        break;
      }
    }
  }

  void ExitCallbackOp() {
    const int k = in.ConsumeIntegralInRange<int>(0, 4);
    OH_Ability_OnNativeChildProcessExit cb = k < 4 ? kExits[k] : nullptr;
    auto it = std::find(callbacks.begin(), callbacks.end(), cb);
    if (in.ConsumeBool()) {
      const int rc = OH_Ability_RegisterNativeChildProcessExitCallback(cb);
      CHECK(rc == (cb ? NCP_NO_ERROR : NCP_ERR_INVALID_PARAM));
      if (cb && it == callbacks.end()) callbacks.push_back(cb);
    } else {
      const int rc = OH_Ability_UnregisterNativeChildProcessExitCallback(cb);
      if (cb == nullptr) {
        CHECK(rc == NCP_ERR_INVALID_PARAM);
      } else if (it == callbacks.end()) {
        CHECK(rc == NCP_ERR_CALLBACK_NOT_EXIST);
      } else {
        CHECK(rc == NCP_NO_ERROR);
        callbacks.erase(it);
      }
    }
  }

  void ListenerOp() {
    const int k = in.ConsumeIntegralInRange<int>(0, 2);
    NCP_OnChildExit fn = k < 2 ? kListeners[k] : nullptr;
    const int u = in.ConsumeIntegralInRange<int>(0, 2);
    void* ud = u < 2 ? &g_user_data[u] : nullptr;
    const auto key = std::make_pair(fn, ud);
    auto it = std::find(listeners.begin(), listeners.end(), key);
    if (in.ConsumeBool()) {
      const int rc = ncp_RegisterChildExitListener(fn, ud);
      CHECK(rc == (fn ? NCP_NO_ERROR : NCP_ERR_INVALID_PARAM));
      if (fn && it == listeners.end()) listeners.push_back(key);
    } else {
      const int rc = ncp_UnregisterChildExitListener(fn, ud);
      if (fn == nullptr) {
        CHECK(rc == NCP_ERR_INVALID_PARAM);
      } else if (it == listeners.end()) {
        CHECK(rc == NCP_ERR_CALLBACK_NOT_EXIST);
      } else {
        CHECK(rc == NCP_NO_ERROR);
        listeners.erase(it);
      }
    }
  }

  void MiscOp() {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: {
        int32_t pid;
        switch (in.ConsumeIntegralInRange<int>(0, 4)) {
          case 0:
            pid = 0;
            break;
          case 1:
            pid = -1;
            break;
          case 2:
            pid = getpid();
            break;
          case 3:
            pid = INT32_MIN;
            break;
          default:
            pid = in.ConsumeIntegral<int32_t>();
            break;
        }
        // No child of ours is alive: nothing is ever signalled.
        CHECK(OH_Ability_KillChildProcess(pid) == NCP_ERR_INVALID_PID);
        break;
      }
      case 1:
        CHECK(OH_Ability_GetCurrentChildProcessArgs() == nullptr);
        CHECK(!OH_Ability_IsNativeChildProcessSupported());
        break;
      default: {
        const int v = in.ConsumeIntegral<int>();
        const char* a = FuzzExitKindName(v);
        const char* b = FuzzSetupStageName(v);
        CHECK(a != nullptr && a[0] != '\0' && b != nullptr && b[0] != '\0');
        break;
      }
    }
  }

  void Go() {
    for (size_t n = 0; n < kMaxOps && in.remaining_bytes() > 0; ++n) {
      switch (in.ConsumeIntegralInRange<int>(0, 9)) {
        case 0:
        case 1:
          Start(false);
          break;
        case 2:
        case 3:
          Start(true);
          break;
        case 4:
          Create(false);
          break;
        case 5:
          Create(true);
          break;
        case 6:
          ConfigsOp();
          break;
        case 7:
          ExitCallbackOp();
          break;
        case 8:
          ListenerOp();
          break;
        default:
          MiscOp();
          break;
      }
    }
    // Undo every registration, so inputs do not depend on each other.
    for (auto cb : callbacks) {
      CHECK(OH_Ability_UnregisterNativeChildProcessExitCallback(cb) == 0);
    }
    for (auto& [fn, ud] : listeners) {
      CHECK(ncp_UnregisterChildExitListener(fn, ud) == 0);
    }
    for (auto*& c : configs) {
      if (c != nullptr) CHECK(OH_Ability_DestroyChildProcessConfigs(c) == 0);
      c = nullptr;
    }
    // Nothing was started, nothing exited, nothing is left to reap.
    CHECK(ncp::api::ChildRuntime::Get().LiveChildren() == 0);
    CHECK(g_exit_calls == 0);
    const pid_t waited = waitpid(-1, nullptr, WNOHANG);
    CHECK((waited == -1 && errno == ECHILD) ||
          (waited == 0 && OnlySymbolizers()));
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Every Start*/Create* that passes the checks stops here, unspawned.
  setenv("NCP_MULTI_PROCESS", "0", 1);
  setenv("NCP_ZYGOTE", "0", 1);
  g_null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  CHECK(g_null_fd >= 0 && pipe2(g_pipe, O_CLOEXEC) == 0);
  g_big = static_cast<char*>(malloc(kBig + 1));
  memset(g_big, 'x', kBig);
  g_big[kBig] = '\0';
  // The code table is what the header documents.
  CHECK(IsNcpCode(kDisabled) && !IsNcpCode(-1));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Run run(data, size);
  run.Go();
  return 0;
}
