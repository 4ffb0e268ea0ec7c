// ncp: native child processes from the command line.
//
//   ncp start  [options] LIBRARY:ENTRY   a Start*-flavour child; waits for it
//   ncp create [options] LIBRARY         a Create*-flavour child; calls its
//                                        stub
//   ncp bench  [options]                 spawn and IPC benchmark table
//   ncp help [COMMAND] | ncp version
//
// Every subcommand has --help; docs/cli.md describes the options, the
// --json events and the exit statuses. Adding a subcommand is one entry in
// kCommands (and its usage text).
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
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
#include "ncp/sandbox.h"
#include "tools/bench/bench.h"
#include "tools/error_names.h"
#include "tools/ncp_version.h"

namespace {

// Exit statuses of ncp itself (docs/cli.md). `start` otherwise exits with
// the child's status, or 128 + the signal that killed it.
constexpr int kExitOk = 0;
constexpr int kExitCallFailed = 1;   // create: a call failed
constexpr int kExitUsage = 2;        // bad command line
constexpr int kExitStartFailed = 3;  // the child could not start/connect

// ---------------------------------------------------------------------------
// Output: human text, or one JSON object per line (--json).

// A JSON object built field by field.
class JsonObject {
 public:
  JsonObject& Str(const char* key, const std::string& value) {
    Key(key);
    Quote(value);
    return *this;
  }
  JsonObject& Int(const char* key, int64_t value) {
    Key(key);
    text_ += std::to_string(value);
    return *this;
  }
  JsonObject& Bool(const char* key, bool value) {
    Key(key);
    text_ += value ? "true" : "false";
    return *this;
  }
  JsonObject& Null(const char* key) {
    Key(key);
    text_ += "null";
    return *this;
  }
  // `json` must already be valid JSON (an array, a nested object).
  JsonObject& Raw(const char* key, const std::string& json) {
    Key(key);
    text_ += json;
    return *this;
  }
  std::string Done() const { return text_ + "}"; }

  static std::string Quoted(const std::string& value) {
    JsonObject o;
    o.text_.clear();
    o.Quote(value);
    return o.text_;
  }

 private:
  void Key(const char* key) {
    if (text_.size() > 1) text_ += ",";
    Quote(key);
    text_ += ":";
  }
  void Quote(const std::string& value) {
    text_ += '"';
    for (unsigned char c : value) {
      switch (c) {
        case '"':
          text_ += "\\\"";
          break;
        case '\\':
          text_ += "\\\\";
          break;
        case '\n':
          text_ += "\\n";
          break;
        case '\r':
          text_ += "\\r";
          break;
        case '\t':
          text_ += "\\t";
          break;
        default:
          if (c < 0x20) {
            char escaped[8];
            snprintf(escaped, sizeof(escaped), "\\u%04x", c);
            text_ += escaped;
          } else {
            text_ += static_cast<char>(c);
          }
      }
    }
    text_ += '"';
  }

  std::string text_ = "{";
};

// Where results go. In JSON mode, stdout carries only the JSON lines: the
// original stdout is kept on a private fd and fd 1 is pointed at stderr
// before any child starts, so children's own output goes to stderr.
class Output {
 public:
  bool json() const { return json_; }

  bool EnableJson() {
    json_fd_ = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (json_fd_ < 0) return false;
    fflush(stdout);
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return false;
    json_ = true;
    return true;
  }

  // One event: a JSON line, or `text` (with a newline) on stdout.
  void Event(const JsonObject& object, const std::string& text) {
    if (json_) {
      std::string line = object.Done() + "\n";
      WriteAll(json_fd_, line);
    } else {
      printf("%s\n", text.c_str());
      fflush(stdout);
    }
  }

  // A complete JSON document as one line (JSON mode only).
  void Raw(const std::string& json) {
    if (json_) WriteAll(json_fd_, json + "\n");
  }

  // An error of ncp's: "ncp: ..." on stderr; in JSON mode also an event.
  void Error(const char* kind, const std::string& message, int code = 0) {
    fprintf(stderr, "ncp: %s\n", message.c_str());
    if (json_) {
      JsonObject o;
      o.Str("event", "error").Str("kind", kind).Str("message", message);
      if (code != 0) {
        o.Int("code", code).Str("error", ncp::tools::NcpErrorName(code));
      }
      WriteAll(json_fd_, o.Done() + "\n");
    }
  }

 private:
  static void WriteAll(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  bool json_ = false;
  int json_fd_ = -1;
};

Output g_out;
const char* g_argv0 = "ncp";

// ---------------------------------------------------------------------------
// Usage texts.

constexpr char kExitStatusText[] =
    "exit status:\n"
    "  start   the child's exit status (0..255) when it exited, 128 + N when\n"
    "          signal N killed it; 2 usage error; 3 the child could not be\n"
    "          started (the start call failed)\n"
    "  create  0 connected and every call succeeded; 1 a call failed;\n"
    "          2 usage error; 3 the child could not be created or did not\n"
    "          connect\n"
    "A child that exits with 2 or 3 by itself looks like ncp's own error:\n"
    "use --json to tell them apart.\n";

constexpr char kSandboxOptionsText[] =
    "  --name NAME         custom process name ([A-Za-z0-9_], 1..64)\n"
    "  --isolated          NCP_ISOLATION_MODE_ISOLATED: a sandboxed child\n"
    "                      (own namespaces, read-only system, no network,\n"
    "                      private /tmp and data dir, seccomp)\n"
    "  --isolation-uid     with --isolated: a uid of the child's own\n"
    "  --ro PATH           with --isolated: show PATH read-only inside the\n"
    "                      sandbox (repeatable)\n"
    "  --rw PATH           with --isolated: show PATH read-write (repeatable)\n"
    "  --data-dir PATH     with --isolated: where the child's fresh private\n"
    "                      data dir appears (default: NCP_DATA_DIR, else\n"
    "                      ~/.local/share/<bundle>)\n"
    "  --json              one JSON object per line on stdout (events and\n"
    "                      results, docs/cli.md); the child's stdout then\n"
    "                      goes to stderr\n"
    "  -h, --help          this text\n";

void UsageMain(FILE* out) {
  fprintf(out,
          "usage: ncp COMMAND [options]\n"
          "\n"
          "Runs OpenHarmony native child processes on Linux (ncp %s).\n"
          "\n"
          "commands:\n"
          "  start LIBRARY:ENTRY   start ENTRY of LIBRARY in a child, with\n"
          "                        params and fds; wait for it to end\n"
          "  create LIBRARY        create an IPC child (OnConnect/MainProc)\n"
          "                        and call its stub\n"
          "  bench                 time spawns and IPC against baselines,\n"
          "                        print the table\n"
          "  help [COMMAND]        this text, or a command's\n"
          "  version               print the version\n"
          "\n"
          "`ncp COMMAND --help` describes a command.\n"
          "\n"
          "%s",
          NCP_VERSION, kExitStatusText);
}

void UsageStart(FILE* out) {
  fprintf(
      out,
      "usage: ncp start [options] LIBRARY:ENTRY\n"
      "\n"
      "Starts ENTRY of LIBRARY in a native child process\n"
      "(OH_Ability_StartNativeChildProcessWithConfigs), waits for it and\n"
      "prints its pid and how it ended.\n"
      "\n"
      "options:\n"
      "  --param TEXT        entryParams handed to the entry (<= 150 KiB)\n"
      "  --fd NAME=PATH      open PATH (read-write, created if missing; a\n"
      "                      read-only file is opened read-only) and pass it\n"
      "                      as the fd named NAME (repeatable, <= 16)\n"
      "%s"
      "\n"
      "LIBRARY is a path, or a bare name looked up in NCP_LIBRARY_PATH, the\n"
      "directory of the running program, then the dynamic linker's path.\n"
      "\n"
      "%s",
      kSandboxOptionsText, kExitStatusText);
}

void UsageCreate(FILE* out) {
  fprintf(
      out,
      "usage: ncp create [options] [--call CODE [ARG]... [--reply TYPES]]...\n"
      "                  LIBRARY\n"
      "\n"
      "Creates a native child process running LIBRARY's\n"
      "NativeChildProcess_OnConnect and NativeChildProcess_MainProc\n"
      "(OH_Ability_CreateNativeChildProcessWithConfigs), then sends each\n"
      "--call to the stub it returned, in order, and prints the replies.\n"
      "\n"
      "calls:\n"
      "  --call CODE         a synchronous request with code CODE (1..2^24-1;\n"
      "                      decimal or 0x hex)\n"
      "  --int N             append an int32 to the request's data\n"
      "  --string TEXT       append a string to the request's data\n"
      "  --reply TYPES       read the reply as TYPES: a comma-separated list\n"
      "                      of int and string, or none (default: int)\n"
      "  --wait              after the calls, wait for the child to end (use\n"
      "                      when the last call lets MainProc return); else\n"
      "                      the child is ended when ncp exits\n"
      "\n"
      "options:\n"
      "%s"
      "\n"
      "%s",
      kSandboxOptionsText, kExitStatusText);
}

// ---------------------------------------------------------------------------
// Command line.

// A usage error: reported once, then the command returns kExitUsage.
struct UsageError {
  std::string message;
};

bool IsFlag(const char* arg, const char* flag) {
  return strcmp(arg, flag) == 0;
}

// "--flag VALUE" or "--flag=VALUE".
bool TakeValue(int argc, char** argv, int* i, const char* flag,
               std::string* out, UsageError* error) {
  size_t len = strlen(flag);
  if (strncmp(argv[*i], flag, len) == 0 && argv[*i][len] == '=') {
    *out = argv[*i] + len + 1;
    return true;
  }
  if (strcmp(argv[*i], flag) == 0) {
    if (*i + 1 >= argc) {
      error->message = std::string(flag) + " needs a value";
      *out = "";
      return true;
    }
    *out = argv[++*i];
    return true;
  }
  return false;
}

// Options of both flavours: process name, isolation, sandbox, output.
struct CommonOptions {
  std::string name;
  bool isolated = false;
  bool isolation_uid = false;
  std::vector<std::pair<std::string, bool>> sandbox_paths;  // (path, rw)
  std::string data_dir;
};

// Parses argv[*i] if it is a common option. --json was handled before.
bool ParseCommon(int argc, char** argv, int* i, CommonOptions* o,
                 UsageError* error) {
  std::string value;
  if (IsFlag(argv[*i], "--json")) return true;
  if (IsFlag(argv[*i], "--isolated")) {
    o->isolated = true;
  } else if (IsFlag(argv[*i], "--isolation-uid")) {
    o->isolation_uid = true;
  } else if (TakeValue(argc, argv, i, "--name", &value, error)) {
    o->name = value;
  } else if (TakeValue(argc, argv, i, "--ro", &value, error)) {
    o->sandbox_paths.emplace_back(value, false);
  } else if (TakeValue(argc, argv, i, "--rw", &value, error)) {
    o->sandbox_paths.emplace_back(value, true);
  } else if (TakeValue(argc, argv, i, "--data-dir", &value, error)) {
    o->data_dir = value;
  } else {
    return false;
  }
  return true;
}

// Owns a configs object.
class Configs {
 public:
  Configs() : configs_(OH_Ability_CreateChildProcessConfigs()) {}
  ~Configs() { OH_Ability_DestroyChildProcessConfigs(configs_); }
  Configs(const Configs&) = delete;
  Configs& operator=(const Configs&) = delete;
  Ability_ChildProcessConfigs* get() const { return configs_; }

 private:
  Ability_ChildProcessConfigs* configs_;
};

// Applies `o` to `configs`. False (after reporting a usage error) when the
// library refuses a value.
bool ApplyCommon(const CommonOptions& o, const Configs& configs) {
  if (!o.isolated &&
      (o.isolation_uid || !o.sandbox_paths.empty() || !o.data_dir.empty())) {
    g_out.Error("usage",
                "--isolation-uid, --ro, --rw and --data-dir need --isolated");
    return false;
  }
  OH_Ability_ChildProcessConfigs_SetIsolationMode(
      configs.get(),
      o.isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
  OH_Ability_ChildProcessConfigs_SetIsolationUid(configs.get(),
                                                 o.isolation_uid);
  if (!o.name.empty()) {
    int code = OH_Ability_ChildProcessConfigs_SetProcessName(configs.get(),
                                                             o.name.c_str());
    if (code != NCP_NO_ERROR) {
      g_out.Error("usage", "bad process name \"" + o.name + "\"", code);
      return false;
    }
  }
  for (const auto& [path, writable] : o.sandbox_paths) {
    int code = ncp_ChildProcessConfigs_AddSandboxPath(configs.get(),
                                                      path.c_str(), writable);
    if (code != NCP_NO_ERROR) {
      g_out.Error("usage",
                  std::string(writable ? "--rw " : "--ro ") + path +
                      ": refused (absolute, existing, no . or .., not /" +
                      (writable ? ", not a system directory" : "") + ")",
                  code);
      return false;
    }
  }
  if (!o.data_dir.empty()) {
    int code =
        ncp_ChildProcessConfigs_SetDataDir(configs.get(), o.data_dir.c_str());
    if (code != NCP_NO_ERROR) {
      g_out.Error("usage",
                  "--data-dir " + o.data_dir +
                      ": refused (absolute, no . or .., not a system "
                      "directory)",
                  code);
      return false;
    }
  }
  return true;
}

JsonObject CommonJson(const char* event, const CommonOptions& o) {
  JsonObject j;
  j.Str("event", event).Bool("isolated", o.isolated);
  if (!o.name.empty()) j.Str("name", o.name);
  return j;
}

// ---------------------------------------------------------------------------
// How children end (the ncp/child_exit.h extension).

std::mutex g_mu;
std::condition_variable g_cv;
std::vector<NCP_ChildExitInfo> g_ends;

void OnEnded(const NCP_ChildExitInfo* info, void* /*user_data*/) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_ends.push_back(*info);
  g_cv.notify_all();
}

// Waits for the end of `pid`, or of the first IPC-flavour child when `pid`
// is -1.
NCP_ChildExitInfo WaitForEnd(int32_t pid) {
  std::unique_lock<std::mutex> lock(g_mu);
  const NCP_ChildExitInfo* found = nullptr;
  g_cv.wait(lock, [pid, &found] {
    for (const NCP_ChildExitInfo& info : g_ends) {
      if (pid == -1 ? info.ipc_flavour : info.pid == pid) {
        found = &info;
        return true;
      }
    }
    return false;
  });
  return *found;
}

std::string Describe(const NCP_ChildExitInfo& info) {
  char text[200];
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
    case NCP_CHILD_SETUP_FAILED:
      snprintf(text, sizeof(text), "failed to set up at stage %s: %s",
               ncp_SetupStageName(info.setup_stage),
               strerror(info.setup_errno));
      break;
    default:
      snprintf(text, sizeof(text), "%s", ncp_ChildExitKindName(info.kind));
  }
  return text;
}

// The exit status `start` reports for a child's end.
int StatusOf(const NCP_ChildExitInfo& info) {
  switch (info.kind) {
    case NCP_CHILD_EXITED:
      return info.exit_code;
    case NCP_CHILD_KILLED:
    case NCP_CHILD_SECCOMP_KILLED:
      return 128 + info.signal;
    default:
      return kExitStartFailed;
  }
}

// Stable identifiers of the kinds, for --json.
const char* KindId(NCP_ChildExitKind kind) {
  switch (kind) {
    case NCP_CHILD_EXITED:
      return "exited";
    case NCP_CHILD_KILLED:
      return "killed";
    case NCP_CHILD_SECCOMP_KILLED:
      return "seccomp_killed";
    case NCP_CHILD_SETUP_FAILED:
      return "setup_failed";
    case NCP_CHILD_START_TIMEOUT:
      return "start_timeout";
    case NCP_CHILD_STATUS_UNKNOWN:
      return "status_unknown";
  }
  return "unknown";
}

JsonObject EndJson(const NCP_ChildExitInfo& info, int status) {
  JsonObject j;
  j.Str("event", "ended")
      .Int("pid", info.pid)
      .Str("kind", KindId(info.kind))
      .Bool("ipc", info.ipc_flavour)
      .Bool("isolated", info.isolated);
  switch (info.kind) {
    case NCP_CHILD_EXITED:
      j.Int("exit_code", info.exit_code);
      break;
    case NCP_CHILD_KILLED:
      j.Int("signal", info.signal)
          .Str("signal_name",
               sigabbrev_np(info.signal) != nullptr
                   ? std::string("SIG") + sigabbrev_np(info.signal)
                   : "")
          .Bool("core_dumped", info.core_dumped);
      break;
    case NCP_CHILD_SECCOMP_KILLED:
      j.Int("signal", info.signal)
          .Int("syscall", info.syscall_nr)
          .Int("syscall_arch", static_cast<uint32_t>(info.syscall_arch));
      break;
    case NCP_CHILD_SETUP_FAILED:
      j.Str("setup_stage", ncp_SetupStageName(info.setup_stage))
          .Int("setup_errno", info.setup_errno);
      break;
    default:
      break;
  }
  j.Int("status", status);
  return j;
}

// ---------------------------------------------------------------------------
// ncp start

int Start(int argc, char** argv) {
  CommonOptions common;
  std::string param;
  bool has_param = false;
  std::vector<std::pair<std::string, std::string>> fd_specs;
  std::string entry;
  UsageError error;
  for (int i = 0; i < argc && error.message.empty(); ++i) {
    std::string value;
    if (IsFlag(argv[i], "-h") || IsFlag(argv[i], "--help")) {
      UsageStart(stdout);
      return kExitOk;
    } else if (ParseCommon(argc, argv, &i, &common, &error)) {
    } else if (TakeValue(argc, argv, &i, "--param", &value, &error)) {
      param = value;
      has_param = true;
    } else if (TakeValue(argc, argv, &i, "--fd", &value, &error)) {
      size_t eq = value.find('=');
      if (error.message.empty() && eq == std::string::npos) {
        error.message = "--fd wants NAME=PATH, got \"" + value + "\"";
      }
      if (eq != std::string::npos) {
        fd_specs.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      }
    } else if (argv[i][0] == '-') {
      error.message = std::string("unknown option ") + argv[i];
    } else if (entry.empty()) {
      entry = argv[i];
    } else {
      error.message = std::string("unexpected argument ") + argv[i];
    }
  }
  if (error.message.empty() && entry.empty()) {
    error.message = "start needs LIBRARY:ENTRY (see ncp start --help)";
  }
  if (!error.message.empty()) {
    g_out.Error("usage", error.message);
    return kExitUsage;
  }

  Configs configs;
  if (!ApplyCommon(common, configs)) return kExitUsage;

  // The fds: ours are CLOEXEC; the library dups them for the child.
  std::vector<int> fds;
  for (const auto& [name, path] : fd_specs) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && (errno == EACCES || errno == EISDIR || errno == EROFS)) {
      fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
      int saved = errno;
      for (int open_fd : fds) close(open_fd);
      g_out.Error("usage", "cannot open " + path + ": " + strerror(saved));
      return kExitUsage;
    }
    fds.push_back(fd);
  }
  std::vector<NativeChildProcess_Fd> nodes(fds.size());
  for (size_t i = 0; i < fds.size(); ++i) {
    nodes[i].fdName = fd_specs[i].first.data();
    nodes[i].fd = fds[i];
    nodes[i].next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
  }
  NativeChildProcess_Args args = {};
  args.entryParams = has_param ? param.data() : nullptr;
  args.fdList.head = nodes.empty() ? nullptr : nodes.data();

  ncp_RegisterChildExitListener(&OnEnded, nullptr);
  int32_t pid = -1;
  int code = OH_Ability_StartNativeChildProcessWithConfigs(entry.c_str(), args,
                                                           configs.get(), &pid);
  for (int fd : fds) close(fd);
  if (code != NCP_NO_ERROR) {
    g_out.Error("start",
                "cannot start " + entry + ": " + std::to_string(code) + " (" +
                    ncp::tools::NcpErrorName(code) + ")",
                code);
    return kExitStartFailed;
  }
  g_out.Event(CommonJson("started", common)
                  .Int("pid", pid)
                  .Str("entry", entry)
                  .Str("flavour", "start"),
              "started " + entry + " as pid " + std::to_string(pid) +
                  (common.isolated ? " (isolated)" : ""));

  NCP_ChildExitInfo info = WaitForEnd(pid);
  int status = StatusOf(info);
  g_out.Event(EndJson(info, status),
              "pid " + std::to_string(pid) + " " + Describe(info));
  return status;
}

// ---------------------------------------------------------------------------
// ncp create

struct Call {
  uint32_t code = 0;
  std::vector<std::pair<bool, std::string>> args;  // (is_int, value)
  std::vector<std::string> reply = {"int"};
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

bool ParseNumber(const std::string& text, int64_t min, int64_t max,
                 int64_t* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long value = strtoll(text.c_str(), &end, 0);
  if (errno != 0 || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

// Sends one call; prints and returns whether it succeeded.
bool RunCall(const Call& call) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  std::string shown;
  std::string args_json = "[";
  for (const auto& [is_int, value] : call.args) {
    if (is_int) {
      int64_t number = 0;
      ParseNumber(value, INT32_MIN, INT32_MAX, &number);  // checked earlier
      OH_IPCParcel_WriteInt32(data, static_cast<int32_t>(number));
      args_json += (args_json.size() > 1 ? "," : "") + std::to_string(number);
    } else {
      OH_IPCParcel_WriteString(data, value.c_str());
      args_json +=
          (args_json.size() > 1 ? "," : "") + JsonObject::Quoted(value);
    }
    shown +=
        (shown.empty() ? "" : ", ") + (is_int ? value : "\"" + value + "\"");
  }
  args_json += "]";
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int rc =
      OH_IPCRemoteProxy_SendRequest(g_proxy, call.code, data, reply, &sync);
  JsonObject j;
  j.Str("event", "call").Int("code", call.code).Raw("args", args_json);
  std::string text =
      "call " + std::to_string(call.code) + "(" + shown + ") -> ";
  bool ok = rc == OH_IPC_SUCCESS;
  if (!ok) {
    j.Bool("ok", false)
        .Int("ipc_error", rc)
        .Str("error", ncp::tools::IpcErrorName(rc));
    text += "error " + std::to_string(rc) + " (" +
            ncp::tools::IpcErrorName(rc) + ")";
  } else {
    std::string values_json = "[";
    std::string values_text;
    for (const std::string& type : call.reply) {
      std::string one_json;
      std::string one_text;
      if (type == "int") {
        int32_t value = 0;
        if (OH_IPCParcel_ReadInt32(reply, &value) == OH_IPC_SUCCESS) {
          one_json = std::to_string(value);
          one_text = one_json;
        } else {
          ok = false;
          one_json = "null";
          one_text = "(no int in the reply)";
        }
      } else if (type == "string") {
        const char* value = OH_IPCParcel_ReadString(reply);
        if (value != nullptr) {
          one_json = JsonObject::Quoted(value);
          one_text = "\"" + std::string(value) + "\"";
        } else {
          ok = false;
          one_json = "null";
          one_text = "(no string in the reply)";
        }
      } else {
        continue;  // none
      }
      values_json += (values_json.size() > 1 ? "," : "") + one_json;
      values_text += (values_text.empty() ? "" : ", ") + one_text;
    }
    values_json += "]";
    j.Bool("ok", ok).Raw("reply", values_json);
    text += values_text.empty() ? "ok" : values_text;
  }
  g_out.Event(j, text);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return ok;
}

int Create(int argc, char** argv) {
  CommonOptions common;
  std::string library;
  std::vector<Call> calls;
  bool wait = false;
  UsageError error;
  for (int i = 0; i < argc && error.message.empty(); ++i) {
    std::string value;
    if (IsFlag(argv[i], "-h") || IsFlag(argv[i], "--help")) {
      UsageCreate(stdout);
      return kExitOk;
    } else if (ParseCommon(argc, argv, &i, &common, &error)) {
    } else if (IsFlag(argv[i], "--wait")) {
      wait = true;
    } else if (TakeValue(argc, argv, &i, "--call", &value, &error)) {
      int64_t code = 0;
      if (error.message.empty() && !ParseNumber(value, 1, 0x00FFFFFF, &code)) {
        error.message =
            "--call wants a code in 1..16777215, got \"" + value + "\"";
      }
      calls.emplace_back();
      calls.back().code = static_cast<uint32_t>(code);
    } else if (TakeValue(argc, argv, &i, "--int", &value, &error)) {
      int64_t number = 0;
      if (error.message.empty() && calls.empty()) {
        error.message = "--int before any --call";
      } else if (error.message.empty() &&
                 !ParseNumber(value, INT32_MIN, INT32_MAX, &number)) {
        error.message = "--int wants an int32, got \"" + value + "\"";
      } else if (error.message.empty()) {
        calls.back().args.emplace_back(true, value);
      }
    } else if (TakeValue(argc, argv, &i, "--string", &value, &error)) {
      if (error.message.empty() && calls.empty()) {
        error.message = "--string before any --call";
      } else if (error.message.empty()) {
        calls.back().args.emplace_back(false, value);
      }
    } else if (TakeValue(argc, argv, &i, "--reply", &value, &error)) {
      std::vector<std::string> types;
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        types.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
      bool valid = !calls.empty();
      for (const std::string& type : types) {
        valid = valid && (type == "int" || type == "string" ||
                          (type == "none" && types.size() == 1));
      }
      if (error.message.empty() && !valid) {
        error.message =
            "--reply wants int, string (comma-separated) or none, after a "
            "--call";
      } else if (error.message.empty()) {
        calls.back().reply = types;
      }
    } else if (argv[i][0] == '-') {
      error.message = std::string("unknown option ") + argv[i];
    } else if (library.empty()) {
      library = argv[i];
    } else {
      error.message = std::string("unexpected argument ") + argv[i];
    }
  }
  if (error.message.empty() && library.empty()) {
    error.message = "create needs LIBRARY (see ncp create --help)";
  }
  if (!error.message.empty()) {
    g_out.Error("usage", error.message);
    return kExitUsage;
  }

  Configs configs;
  if (!ApplyCommon(common, configs)) return kExitUsage;
  ncp_RegisterChildExitListener(&OnEnded, nullptr);
  int code = OH_Ability_CreateNativeChildProcessWithConfigs(
      library.c_str(), configs.get(), &OnStarted);
  if (code != NCP_NO_ERROR) {
    g_out.Error("create",
                "cannot create " + library + ": " + std::to_string(code) +
                    " (" + ncp::tools::NcpErrorName(code) + ")",
                code);
    return kExitStartFailed;
  }
  {
    // The library calls back exactly once, at the latest after its start
    // timeout (NCP_START_TIMEOUT_MS, default 10 s).
    std::unique_lock<std::mutex> lock(g_start_mu);
    g_start_cv.wait(lock, [] { return g_start_done; });
  }
  if (g_start_code != NCP_NO_ERROR) {
    g_out.Error("connect",
                library + " did not connect: " + std::to_string(g_start_code) +
                    " (" + ncp::tools::NcpErrorName(g_start_code) + ")",
                g_start_code);
    return kExitStartFailed;
  }
  g_out.Event(CommonJson("connected", common)
                  .Str("library", library)
                  .Str("flavour", "create"),
              "created " + library + (common.isolated ? " (isolated)" : "") +
                  "; start callback got a proxy");
  int status = kExitOk;
  for (const Call& call : calls) {
    if (!RunCall(call)) status = kExitCallFailed;
  }
  OH_IPCRemoteProxy_Destroy(g_proxy);
  if (wait) {
    NCP_ChildExitInfo info = WaitForEnd(-1);
    g_out.Event(EndJson(info, status),
                "pid " + std::to_string(info.pid) + " " + Describe(info));
  }
  return status;
}

// ---------------------------------------------------------------------------
// bench

void UsageBench(FILE* out) {
  fprintf(
      out,
      "usage: ncp bench [options]\n"
      "\n"
      "Times Start (NORMAL, ISOLATED, without the zygote), Create and IPC\n"
      "round trips next to their baselines (posix_spawn + dlopen, bwrap,\n"
      "raw socketpair ping-pongs), sampled interleaved in this run,\n"
      "unpinned and pinned to one CPU; then 462 Start + 50 Create children\n"
      "alive at once; then a per-stage breakdown of traced spawns\n"
      "(ncp/trace.h). Prints min / median / p99 (microseconds), the\n"
      "baseline, the ratio of medians, the goal and pass/FAIL.\n"
      "\n"
      "options:\n"
      "  --iterations N      spawn samples per operation (default 1000)\n"
      "  --ipc-iterations N  4-byte round trips (default 20000; 200 KB:\n"
      "                      N/10)\n"
      "  --warmup N          samples dropped first (default 50)\n"
      "  --pinned-only, --unpinned-only\n"
      "  --no-ipc, --no-capacity, --no-stages\n"
      "  --fixtures DIR      where libncp_bench_child.so,\n"
      "                      libncp_bench_service.so and bench_helper are\n"
      "                      (default: found next to ncp, as built by\n"
      "                      Bazel)\n"
      "  --json              the report as one JSON object on stdout\n"
      "  -h, --help          this text\n"
      "\n"
      "Progress goes to stderr when it is a terminal. Exit status: 0 the\n"
      "run completed (whatever the goals say), 2 usage error, 3 the run\n"
      "failed.\n");
}

// A count of at least `min` (and at most 10,000,000) into *out.
void ParseCount(const std::string& value, long min, int* out,
                UsageError* error) {
  if (!error->message.empty()) return;  // "--flag needs a value"
  char* end = nullptr;
  long n = strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < min || n > 10000000) {
    error->message = "not a count (" + std::to_string(min) + "..10000000): \"" +
                     value + "\"";
    return;
  }
  *out = static_cast<int>(n);
}

int Bench(int argc, char** argv) {
  ncp::bench::Options options;
  UsageError error;
  for (int i = 0; i < argc && error.message.empty(); ++i) {
    std::string value;
    if (IsFlag(argv[i], "-h") || IsFlag(argv[i], "--help")) {
      UsageBench(stdout);
      return kExitOk;
    } else if (IsFlag(argv[i], "--json")) {
      // handled in main()
    } else if (IsFlag(argv[i], "--pinned-only")) {
      options.unpinned = false;
    } else if (IsFlag(argv[i], "--unpinned-only")) {
      options.pinned = false;
    } else if (IsFlag(argv[i], "--no-ipc")) {
      options.ipc = false;
    } else if (IsFlag(argv[i], "--no-capacity")) {
      options.capacity = false;
    } else if (IsFlag(argv[i], "--no-stages")) {
      options.stages = false;
    } else if (TakeValue(argc, argv, &i, "--fixtures", &value, &error)) {
      options.fixtures = value;
    } else if (TakeValue(argc, argv, &i, "--iterations", &value, &error)) {
      ParseCount(value, 1, &options.iterations, &error);
    } else if (TakeValue(argc, argv, &i, "--ipc-iterations", &value, &error)) {
      ParseCount(value, 10, &options.ipc_iterations, &error);
    } else if (TakeValue(argc, argv, &i, "--warmup", &value, &error)) {
      ParseCount(value, 0, &options.warmup, &error);
    } else {
      error.message = std::string("unknown option \"") + argv[i] + "\"";
    }
  }
  if (!error.message.empty()) {
    g_out.Error("usage", error.message);
    return kExitUsage;
  }
  if (!options.pinned && !options.unpinned) {
    g_out.Error("usage",
                "--pinned-only and --unpinned-only exclude each other");
    return kExitUsage;
  }
  if (options.fixtures.empty()) {
    options.fixtures = ncp::bench::FindFixtures(g_argv0);
  }
  if (isatty(STDERR_FILENO)) {
    options.progress = [](const std::string& pass, const std::string& what,
                          int done, int total) {
      fprintf(stderr, "\r\033[K%s: %s %d/%d", pass.c_str(), what.c_str(), done,
              total);
      if (done == total) fprintf(stderr, "\n");
      fflush(stderr);
    };
  }
  ncp::bench::Report report = ncp::bench::Run(options);
  if (g_out.json()) {
    g_out.Raw(ncp::bench::ToJson(report));
  } else {
    ncp::bench::PrintTable(report, stdout);
  }
  if (!report.error.empty()) {
    g_out.Error("bench", report.error);
    return kExitStartFailed;
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// Dispatch.

int Version(int /*argc*/, char** /*argv*/) {
  g_out.Event(JsonObject().Str("event", "version").Str("version", NCP_VERSION),
              std::string("ncp ") + NCP_VERSION);
  return kExitOk;
}

int Help(int argc, char** argv);

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  void (*usage)(FILE* out);
};

constexpr Command kCommands[] = {
    {"start", &Start, &UsageStart},    {"create", &Create, &UsageCreate},
    {"bench", &Bench, &UsageBench},    {"help", &Help, &UsageMain},
    {"version", &Version, &UsageMain},
};

const Command* Find(const char* name) {
  for (const Command& command : kCommands) {
    if (strcmp(command.name, name) == 0) return &command;
  }
  return nullptr;
}

int Help(int argc, char** argv) {
  if (argc == 0) {
    UsageMain(stdout);
    return kExitOk;
  }
  const Command* command = Find(argv[0]);
  if (command == nullptr) {
    g_out.Error("usage",
                std::string("no command \"") + argv[0] +
                    "\" (commands: start, create, bench, help, version)");
    return kExitUsage;
  }
  command->usage(stdout);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  g_argv0 = argv[0];
  if (argc < 2) {
    UsageMain(stderr);
    return kExitUsage;
  }
  if (IsFlag(argv[1], "-h") || IsFlag(argv[1], "--help")) {
    UsageMain(stdout);
    return kExitOk;
  }
  if (IsFlag(argv[1], "--version")) return Version(0, nullptr);
  // --json anywhere after the command switches the output first, so that
  // even usage errors come out as JSON.
  for (int i = 2; i < argc; ++i) {
    if (IsFlag(argv[i], "--json")) {
      if (!g_out.EnableJson()) {
        perror("ncp: --json");
        return kExitUsage;
      }
      break;
    }
  }
  const Command* command = Find(argv[1]);
  if (command == nullptr) {
    g_out.Error("usage", std::string("unknown command \"") + argv[1] +
                             "\" (try: ncp help)");
    return kExitUsage;
  }
  return command->run(argc - 2, argv + 2);
}
