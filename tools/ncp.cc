// ncp: start a library entry as a native child process from the command line.
//
//   ncp start [--param TEXT] [--fd NAME=PATH]... [--name NAME] [--isolated]
//             [--isolation-uid] LIBRARY:ENTRY
//
// Starts the child with OH_Ability_StartNativeChildProcessWithConfigs,
// waits for it, and prints its pid and how it ended. Exit status: the
// child's exit value (0 when it returned normally), 2 for usage errors, 3
// when the start itself failed.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "ncp/child_exit.h"
#include "tools/error_names.h"

namespace {

constexpr int kUsageError = 2;
constexpr int kStartError = 3;

std::mutex g_mu;
std::condition_variable g_cv;
int32_t g_watched_pid = -1;
bool g_ended = false;
int32_t g_end_value = 0;

NCP_ChildExitInfo g_end_info = {};

// The OpenHarmony callback (exit status or signal, in one int) ...
void OnExit(int32_t pid, int32_t value) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (pid != g_watched_pid) return;
  g_end_value = value;
}

// ... and the ncp extension, which says which it was (and is what this
// tool waits for).
void OnEnded(const NCP_ChildExitInfo* info, void* /*user_data*/) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (info->pid != g_watched_pid) return;
  g_end_info = *info;
  g_ended = true;
  g_cv.notify_all();
}

std::string Describe(const NCP_ChildExitInfo& info) {
  char text[160];
  switch (info.kind) {
    case NCP_CHILD_EXITED:
      snprintf(text, sizeof(text), "exited with status %d", info.exit_code);
      break;
    case NCP_CHILD_KILLED:
      snprintf(text, sizeof(text), "killed by signal %d (%s)%s", info.signal,
               strsignal(info.signal), info.core_dumped ? ", core dumped" : "");
      break;
    case NCP_CHILD_SECCOMP_KILLED:
      snprintf(text, sizeof(text),
               "killed by the sandbox's seccomp filter (system call %d)",
               info.syscall_nr);
      break;
    default:
      snprintf(text, sizeof(text), "%s", ncp_ChildExitKindName(info.kind));
  }
  return text;
}

void Usage(FILE* out) {
  fprintf(
      out,
      "usage: ncp start [options] LIBRARY:ENTRY\n"
      "\n"
      "Starts ENTRY of LIBRARY in a native child process, waits for it and\n"
      "prints its pid and how it ended.\n"
      "\n"
      "options:\n"
      "  --param TEXT        entryParams handed to the entry (<= 150 KiB)\n"
      "  --fd NAME=PATH      open PATH (read-write, created if missing) and\n"
      "                      pass it as the fd named NAME (repeatable, <= 16)\n"
      "  --name NAME         custom process name ([A-Za-z0-9_], 1..64)\n"
      "  --isolated          NCP_ISOLATION_MODE_ISOLATED (sandboxed child)\n"
      "  --isolation-uid     with --isolated: a uid of the child's own\n"
      "  -h, --help          this text\n"
      "\n"
      "LIBRARY is a path, or a bare name looked up in NCP_LIBRARY_PATH, the\n"
      "directory of the running program, then the dynamic linker's path.\n"
      "\n"
      "exit status: the child's exit value (exit code, or signal number if\n"
      "it was killed), 2 on usage errors, 3 if the child could not start.\n");
}

struct Options {
  std::string param;
  bool has_param = false;
  std::vector<std::pair<std::string, std::string>> fds;
  std::string name;
  bool isolated = false;
  bool isolation_uid = false;
  std::string entry;
};

bool TakeValue(int argc, char** argv, int* i, const char* flag,
               std::string* out) {
  size_t len = strlen(flag);
  if (strncmp(argv[*i], flag, len) == 0 && argv[*i][len] == '=') {
    *out = argv[*i] + len + 1;
    return true;
  }
  if (strcmp(argv[*i], flag) == 0) {
    if (*i + 1 >= argc) {
      fprintf(stderr, "ncp: %s needs a value\n", flag);
      exit(kUsageError);
    }
    *out = argv[++*i];
    return true;
  }
  return false;
}

struct Call {
  uint32_t code = 0;
  std::vector<std::pair<bool, std::string>> args;  // (is_int, value)
  std::string reply = "int";
};

std::mutex g_start_mu;
std::condition_variable g_start_cv;
bool g_start_done = false;
int g_start_code = 0;
OHIPCRemoteProxy* g_proxy = nullptr;

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  std::lock_guard<std::mutex> lock(g_start_mu);
  g_start_done = true;
  g_start_code = code;
  g_proxy = proxy;
  g_start_cv.notify_all();
}

int Create(int argc, char** argv) {
  bool isolated = false, isolation_uid = false;
  std::string name, library;
  std::vector<Call> calls;
  for (int i = 0; i < argc; ++i) {
    std::string value;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      Usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--isolated") == 0) {
      isolated = true;
    } else if (strcmp(argv[i], "--isolation-uid") == 0) {
      isolation_uid = true;
    } else if (TakeValue(argc, argv, &i, "--name", &value)) {
      name = value;
    } else if (TakeValue(argc, argv, &i, "--call", &value)) {
      calls.emplace_back();
      calls.back().code =
          static_cast<uint32_t>(strtoul(value.c_str(), nullptr, 0));
    } else if (TakeValue(argc, argv, &i, "--int", &value)) {
      if (calls.empty()) {
        fprintf(stderr, "ncp: --int before any --call\n");
        return kUsageError;
      }
      calls.back().args.emplace_back(true, value);
    } else if (TakeValue(argc, argv, &i, "--string", &value)) {
      if (calls.empty()) {
        fprintf(stderr, "ncp: --string before any --call\n");
        return kUsageError;
      }
      calls.back().args.emplace_back(false, value);
    } else if (TakeValue(argc, argv, &i, "--reply", &value)) {
      if (calls.empty() ||
          (value != "int" && value != "string" && value != "none")) {
        fprintf(stderr,
                "ncp: --reply wants int, string or none after a --call\n");
        return kUsageError;
      }
      calls.back().reply = value;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "ncp: unknown option %s\n", argv[i]);
      return kUsageError;
    } else if (library.empty()) {
      library = argv[i];
    } else {
      fprintf(stderr, "ncp: unexpected argument %s\n", argv[i]);
      return kUsageError;
    }
  }
  if (library.empty()) {
    Usage(stderr);
    return kUsageError;
  }
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  OH_Ability_ChildProcessConfigs_SetIsolationMode(
      configs,
      isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
  OH_Ability_ChildProcessConfigs_SetIsolationUid(configs, isolation_uid);
  if (!name.empty() && OH_Ability_ChildProcessConfigs_SetProcessName(
                           configs, name.c_str()) != 0) {
    fprintf(stderr, "ncp: bad process name \"%s\"\n", name.c_str());
    OH_Ability_DestroyChildProcessConfigs(configs);
    return kUsageError;
  }
  int code = OH_Ability_CreateNativeChildProcessWithConfigs(
      library.c_str(), configs, &OnStarted);
  OH_Ability_DestroyChildProcessConfigs(configs);
  if (code != NCP_NO_ERROR) {
    fprintf(stderr, "ncp: cannot create %s: %d (%s)\n", library.c_str(), code,
            ncp::tools::NcpErrorName(code));
    return kStartError;
  }
  {
    std::unique_lock<std::mutex> lock(g_start_mu);
    g_start_cv.wait(lock, [] { return g_start_done; });
  }
  if (g_start_code != NCP_NO_ERROR) {
    printf("%s did not connect: %d (%s)\n", library.c_str(), g_start_code,
           ncp::tools::NcpErrorName(g_start_code));
    return kStartError;
  }
  printf("created %s%s; start callback got a proxy\n", library.c_str(),
         isolated ? " (isolated)" : "");
  int status = 0;
  for (const Call& call : calls) {
    OHIPCParcel* data = OH_IPCParcel_Create();
    OHIPCParcel* reply = OH_IPCParcel_Create();
    std::string shown;
    for (const auto& [is_int, value] : call.args) {
      if (is_int) {
        OH_IPCParcel_WriteInt32(
            data, static_cast<int32_t>(strtol(value.c_str(), nullptr, 0)));
      } else {
        OH_IPCParcel_WriteString(data, value.c_str());
      }
      shown +=
          (shown.empty() ? "" : ", ") + (is_int ? value : "\"" + value + "\"");
    }
    OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
    int rc =
        OH_IPCRemoteProxy_SendRequest(g_proxy, call.code, data, reply, &sync);
    printf("call %u(%s) -> ", call.code, shown.c_str());
    if (rc != 0) {
      printf("error %d\n", rc);
      status = 1;
    } else if (call.reply == "int") {
      int32_t value = 0;
      if (OH_IPCParcel_ReadInt32(reply, &value) == 0) {
        printf("%d\n", value);
      } else {
        printf("(no int in the reply)\n");
      }
    } else if (call.reply == "string") {
      const char* text = OH_IPCParcel_ReadString(reply);
      printf("\"%s\"\n", text != nullptr ? text : "(no string in the reply)");
    } else {
      printf("ok\n");
    }
    OH_IPCParcel_Destroy(data);
    OH_IPCParcel_Destroy(reply);
  }
  OH_IPCRemoteProxy_Destroy(g_proxy);
  return status;
}

int Start(int argc, char** argv) {
  Options o;
  for (int i = 0; i < argc; ++i) {
    std::string value;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      Usage(stdout);
      return 0;
    } else if (TakeValue(argc, argv, &i, "--param", &value)) {
      o.param = value;
      o.has_param = true;
    } else if (TakeValue(argc, argv, &i, "--fd", &value)) {
      size_t eq = value.find('=');
      if (eq == std::string::npos) {
        fprintf(stderr, "ncp: --fd wants NAME=PATH, got \"%s\"\n",
                value.c_str());
        return kUsageError;
      }
      o.fds.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (TakeValue(argc, argv, &i, "--name", &value)) {
      o.name = value;
    } else if (strcmp(argv[i], "--isolated") == 0) {
      o.isolated = true;
    } else if (strcmp(argv[i], "--isolation-uid") == 0) {
      o.isolation_uid = true;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "ncp: unknown option %s\n", argv[i]);
      return kUsageError;
    } else if (o.entry.empty()) {
      o.entry = argv[i];
    } else {
      fprintf(stderr, "ncp: unexpected argument %s\n", argv[i]);
      return kUsageError;
    }
  }
  if (o.entry.empty()) {
    Usage(stderr);
    return kUsageError;
  }

  std::vector<NativeChildProcess_Fd> nodes(o.fds.size());
  for (size_t i = 0; i < o.fds.size(); ++i) {
    int fd = open(o.fds[i].second.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      fprintf(stderr, "ncp: cannot open %s: %s\n", o.fds[i].second.c_str(),
              strerror(errno));
      return kUsageError;
    }
    nodes[i].fdName = o.fds[i].first.data();
    nodes[i].fd = fd;
    nodes[i].next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
  }
  NativeChildProcess_Args args = {};
  args.entryParams = o.has_param ? o.param.data() : nullptr;
  args.fdList.head = nodes.empty() ? nullptr : nodes.data();

  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  OH_Ability_ChildProcessConfigs_SetIsolationMode(
      configs,
      o.isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
  OH_Ability_ChildProcessConfigs_SetIsolationUid(configs, o.isolation_uid);
  if (!o.name.empty()) {
    int code =
        OH_Ability_ChildProcessConfigs_SetProcessName(configs, o.name.c_str());
    if (code != NCP_NO_ERROR) {
      fprintf(stderr, "ncp: bad process name \"%s\": %d (%s)\n", o.name.c_str(),
              code, ncp::tools::NcpErrorName(code));
      OH_Ability_DestroyChildProcessConfigs(configs);
      for (const NativeChildProcess_Fd& node : nodes) close(node.fd);
      return kUsageError;
    }
  }
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  ncp_RegisterChildExitListener(&OnEnded, nullptr);

  int32_t pid = -1;
  std::unique_lock<std::mutex> lock(g_mu);  // OnExit waits for g_watched_pid
  int code = OH_Ability_StartNativeChildProcessWithConfigs(o.entry.c_str(),
                                                           args, configs, &pid);
  OH_Ability_DestroyChildProcessConfigs(configs);
  for (const NativeChildProcess_Fd& node : nodes) close(node.fd);
  if (code != NCP_NO_ERROR) {
    fprintf(stderr, "ncp: cannot start %s: %d (%s)\n", o.entry.c_str(), code,
            ncp::tools::NcpErrorName(code));
    return kStartError;
  }
  g_watched_pid = pid;
  printf("started %s as pid %d%s\n", o.entry.c_str(), pid,
         o.isolated ? " (isolated)" : "");
  fflush(stdout);
  g_cv.wait(lock, [] { return g_ended; });
  printf("pid %d %s\n", pid, Describe(g_end_info).c_str());
  switch (g_end_info.kind) {
    case NCP_CHILD_EXITED: return g_end_info.exit_code;
    case NCP_CHILD_KILLED:
    case NCP_CHILD_SECCOMP_KILLED: return g_end_info.signal;
    default: return g_end_value;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
    Usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? kUsageError : 0;
  }
  if (strcmp(argv[1], "start") == 0) return Start(argc - 2, argv + 2);
  if (strcmp(argv[1], "create") == 0) return Create(argc - 2, argv + 2);
  fprintf(stderr, "ncp: unknown command \"%s\" (try: ncp start --help)\n",
          argv[1]);
  return kUsageError;
}
