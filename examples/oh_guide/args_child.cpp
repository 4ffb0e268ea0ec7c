// libargschild.so — the child of the Start* flavour (OpenHarmony's "start a
// native child process with parameters" guide, on Linux).
//
// The main process starts it with
//   OH_Ability_StartNativeChildProcess("libargschild.so:Main", args, ...)
// and passes entryParams plus two named fds: "report" (a pipe back to the
// main process) and "config" (a file to read).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "AbilityKit/native_child_process.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x0201
#define LOG_TAG "ArgsChild"
#include "hilog/log.h"

namespace {

int FindFd(const NativeChildProcess_Args& args, const char* name) {
  for (NativeChildProcess_Fd* node = args.fdList.head; node != nullptr;
       node = node->next) {
    if (strcmp(node->fdName, name) == 0) return node->fd;
  }
  return -1;
}

}  // namespace

// The entry function: its name is the part after ':' in the Start* call.
extern "C" void Main(NativeChildProcess_Args args) {
  OH_LOG_INFO(LOG_APP, "Main: entryParams=%{public}s",
              args.entryParams != nullptr ? args.entryParams : "(none)");

  // The same arguments, from anywhere in the child (e.g. a worker thread).
  NativeChildProcess_Args* current = OH_Ability_GetCurrentChildProcessArgs();
  bool same = current != nullptr && current->entryParams != nullptr &&
              args.entryParams != nullptr &&
              strcmp(current->entryParams, args.entryParams) == 0;

  int config = FindFd(args, "config");
  int report = FindFd(args, "report");
  if (config < 0 || report < 0) {
    OH_LOG_ERROR(LOG_APP, "missing fd: config=%{public}d report=%{public}d",
                 config, report);
    return;
  }
  char text[256] = {};
  ssize_t n = pread(config, text, sizeof(text) - 1, 0);
  std::string line = std::string("params=") + args.entryParams +
                     " config=" + (n > 0 ? std::string(text, n) : "") +
                     " args_again=" + (same ? "yes" : "no") + "\n";
  if (write(report, line.data(), line.size()) !=
      static_cast<ssize_t>(line.size())) {
    OH_LOG_ERROR(LOG_APP, "write to report failed: %{public}m");
    return;
  }
  OH_LOG_INFO(LOG_APP, "Main: reported %{public}zu bytes, config %{private}s",
              line.size(), text);
}
