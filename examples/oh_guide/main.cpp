// The main process of the example: OpenHarmony's two native child process
// guides in one program, on Linux.
//
//   1. Start* flavour: start libargschild.so:Main with entryParams and two
//      named fds, read its report, get its exit through the exit callback.
//   2. Create* flavour: create libipcchild.so, get a proxy to its stub in the
//      start callback, register a death recipient, call the stub, ask it to
//      exit and see the death recipient fire.
//
// The child libraries are found by bare name: ncp looks in NCP_LIBRARY_PATH,
// then in this program's directory (where Bazel puts them), then the
// dynamic linker's path. Exit status 0 when every step worked.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x0200
#define LOG_TAG "MainProcess"
#include "hilog/log.h"

namespace {

constexpr uint32_t kCodeAdd = 1;
constexpr uint32_t kCodeEcho = 2;
constexpr uint32_t kCodeExit = 3;

// One-shot events the callbacks report to the main thread.
class Events {
 public:
  void Set(bool* flag) {
    std::lock_guard<std::mutex> lock(mu_);
    *flag = true;
    cv_.notify_all();
  }
  void Wait(const bool* flag) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [flag] { return *flag; });
  }
  std::mutex& mu() { return mu_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

Events g_events;

// Start* flavour state.
int32_t g_args_child_pid = -1;
int32_t g_args_child_exit = -1;
bool g_args_child_exited = false;

// Create* flavour state.
bool g_ipc_child_started = false;
int g_start_result = -1;
OHIPCRemoteProxy* g_ipc_proxy = nullptr;
bool g_ipc_child_died = false;

void OnNativeChildProcessExit(int32_t pid, int32_t signal) {
  OH_LOG_INFO(LOG_APP, "exit callback: pid %{public}d, %{public}d", pid,
              signal);
  {
    std::lock_guard<std::mutex> lock(g_events.mu());
    if (pid != g_args_child_pid) return;
    g_args_child_exit = signal;
  }
  g_events.Set(&g_args_child_exited);
}

void OnNativeChildProcessStarted(int errCode, OHIPCRemoteProxy* remoteProxy) {
  OH_LOG_INFO(LOG_APP, "start callback: errCode %{public}d", errCode);
  {
    std::lock_guard<std::mutex> lock(g_events.mu());
    g_start_result = errCode;
    g_ipc_proxy = remoteProxy;
  }
  g_events.Set(&g_ipc_child_started);
}

void OnIpcChildDied(void* /*user_data*/) {
  OH_LOG_WARN(LOG_APP, "death recipient: the IPC child is gone");
  g_events.Set(&g_ipc_child_died);
}

bool StartArgsChild() {
  // fd "config": a (memory) file the child reads.
  int config = memfd_create("config", MFD_CLOEXEC);
  if (config < 0) return false;
  const char kConfig[] = "threads=4";
  if (write(config, kConfig, strlen(kConfig)) !=
      static_cast<ssize_t>(strlen(kConfig))) {
    return false;
  }
  // fd "report": a pipe the child writes to.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return false;

  char config_name[] = "config";
  char report_name[] = "report";
  NativeChildProcess_Fd report_fd = {report_name, report[1], nullptr};
  NativeChildProcess_Fd config_fd = {config_name, config, &report_fd};
  char params[] = "job=thumbnails";
  NativeChildProcess_Args args;
  args.entryParams = params;
  args.fdList.head = &config_fd;
  NativeChildProcess_Options options = {NCP_ISOLATION_MODE_NORMAL, 0};

  OH_Ability_RegisterNativeChildProcessExitCallback(OnNativeChildProcessExit);
  int32_t pid = -1;
  Ability_NativeChildProcess_ErrCode ret;
  {
    // Held across the call so that the exit callback sees the pid.
    std::lock_guard<std::mutex> lock(g_events.mu());
    ret = OH_Ability_StartNativeChildProcess("libargschild.so:Main", args,
                                             options, &pid);
    g_args_child_pid = pid;
  }
  // The child has its own copies; the caller keeps ownership of these.
  close(report[1]);
  close(config);
  if (ret != NCP_NO_ERROR) {
    OH_LOG_ERROR(LOG_APP, "StartNativeChildProcess failed: %{public}d", ret);
    close(report[0]);
    return false;
  }
  OH_LOG_INFO(LOG_APP, "started libargschild.so:Main as pid %{public}d", pid);

  std::string line;
  char buffer[256];
  ssize_t n;
  while ((n = read(report[0], buffer, sizeof(buffer))) > 0) {
    line.append(buffer, static_cast<size_t>(n));
  }
  close(report[0]);
  OH_LOG_INFO(LOG_APP, "the child reported: %{public}.*s",
              static_cast<int>(line.find_last_not_of('\n') + 1), line.c_str());

  g_events.Wait(&g_args_child_exited);
  OH_Ability_UnregisterNativeChildProcessExitCallback(OnNativeChildProcessExit);
  return line == "params=job=thumbnails config=threads=4 args_again=yes\n" &&
         g_args_child_exit == 0;
}

bool SendAdd(int32_t a, int32_t b, int32_t* sum) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption option = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  bool ok = OH_IPCParcel_WriteInt32(data, a) == OH_IPC_SUCCESS &&
            OH_IPCParcel_WriteInt32(data, b) == OH_IPC_SUCCESS &&
            OH_IPCRemoteProxy_SendRequest(g_ipc_proxy, kCodeAdd, data, reply,
                                          &option) == OH_IPC_SUCCESS &&
            OH_IPCParcel_ReadInt32(reply, sum) == OH_IPC_SUCCESS;
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return ok;
}

bool SendEcho(const char* text, std::string* answer) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption option = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  bool ok = OH_IPCParcel_WriteString(data, text) == OH_IPC_SUCCESS &&
            OH_IPCRemoteProxy_SendRequest(g_ipc_proxy, kCodeEcho, data, reply,
                                          &option) == OH_IPC_SUCCESS;
  const char* read = ok ? OH_IPCParcel_ReadString(reply) : nullptr;
  if (read != nullptr) *answer = read;
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return read != nullptr;
}

bool CreateIpcChild() {
  int ret = OH_Ability_CreateNativeChildProcess("libipcchild.so",
                                                OnNativeChildProcessStarted);
  if (ret != NCP_NO_ERROR) {
    OH_LOG_ERROR(LOG_APP, "CreateNativeChildProcess failed: %{public}d", ret);
    return false;
  }
  // The start callback comes exactly once: with a proxy, or with an error
  // (at the latest after the start timeout, 10 s by default).
  g_events.Wait(&g_ipc_child_started);
  if (g_start_result != NCP_NO_ERROR || g_ipc_proxy == nullptr) return false;

  OHIPCDeathRecipient* recipient =
      OH_IPCDeathRecipient_Create(OnIpcChildDied, nullptr, nullptr);
  if (OH_IPCRemoteProxy_AddDeathRecipient(g_ipc_proxy, recipient) !=
      OH_IPC_SUCCESS) {
    return false;
  }

  int32_t sum = 0;
  std::string echo;
  bool ok = SendAdd(20, 22, &sum) && sum == 42 && SendEcho("ping", &echo) &&
            echo.find(": ping") != std::string::npos;
  OH_LOG_INFO(LOG_APP, "Add(20, 22) = %{public}d, Echo = %{public}s", sum,
              echo.c_str());

  // Ask the child to finish: MainProc returns, the child exits, and the
  // death recipient fires.
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPC_MessageOption option = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ok = OH_IPCRemoteProxy_SendRequest(g_ipc_proxy, kCodeExit, data, reply,
                                     &option) == OH_IPC_SUCCESS &&
       ok;
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  g_events.Wait(&g_ipc_child_died);
  ok = ok && OH_IPCRemoteProxy_IsRemoteDead(g_ipc_proxy) != 0;

  OH_IPCRemoteProxy_RemoveDeathRecipient(g_ipc_proxy, recipient);
  OH_IPCDeathRecipient_Destroy(recipient);
  OH_IPCRemoteProxy_Destroy(g_ipc_proxy);
  return ok;
}

}  // namespace

int main() {
  if (!OH_Ability_IsNativeChildProcessSupported()) {
    OH_LOG_ERROR(LOG_APP, "native child processes are not supported here");
    return 1;
  }
  bool start_ok = StartArgsChild();
  OH_LOG_INFO(LOG_APP, "Start* flavour: %{public}s",
              start_ok ? "ok" : "FAILED");
  bool create_ok = CreateIpcChild();
  OH_LOG_INFO(LOG_APP, "Create* flavour: %{public}s",
              create_ok ? "ok" : "FAILED");
  return start_ok && create_ok ? 0 : 1;
}
