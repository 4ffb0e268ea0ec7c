// The release consumer: an app built outside Bazel against an unpacked
// release (pkg-config or CMake), starting one child of each flavour.
//
//   app        looks the child libraries up by bare name (next to app)
//
// Prints "release consumer: ok" and exits 0 when every check holds; else
// prints what failed and exits 1.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "hilog/log.h"

namespace {

int g_failures = 0;

void Check(bool ok, const std::string& what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
}

std::mutex g_mu;
std::condition_variable g_cv;
int32_t g_exited_pid = -1;
int32_t g_exit_value = -1;
bool g_started = false;
int g_start_code = -1;
OHIPCRemoteProxy* g_proxy = nullptr;

void OnExit(int32_t pid, int32_t signal) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_exited_pid = pid;
  g_exit_value = signal;
  g_cv.notify_all();
}

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_started = true;
  g_start_code = code;
  g_proxy = proxy;
  g_cv.notify_all();
}

// Start*: params and a pipe; the child writes a line through it.
void StartFlavour() {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    Check(false, "pipe2");
    return;
  }
  char fd_name[] = "out";
  NativeChildProcess_Fd fd_node = {fd_name, pipe_fds[1], nullptr};
  char params[] = "from-the-release-consumer";
  NativeChildProcess_Args args = {params, {&fd_node}};
  NativeChildProcess_Options options = {NCP_ISOLATION_MODE_NORMAL, 0};
  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  int32_t pid = -1;
  Ability_NativeChildProcess_ErrCode code = OH_Ability_StartNativeChildProcess(
      "libargs_child.so:Main", args, options, &pid);
  close(pipe_fds[1]);  // the child has its own copy
  Check(code == NCP_NO_ERROR && pid > 0,
        "Start returns a pid (code " + std::to_string(code) + ")");

  std::string line;
  char buffer[256];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) {
    line.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  Check(line == "params=from-the-release-consumer same_args=1\n",
        "the child wrote its params through the fd: " + line);

  std::unique_lock<std::mutex> lock(g_mu);
  bool exited = g_cv.wait_for(lock, std::chrono::seconds(30),
                              [pid] { return g_exited_pid == pid; });
  Check(exited && g_exit_value == 0, "the exit callback reports status 0");
  lock.unlock();
  OH_Ability_UnregisterNativeChildProcessExitCallback(&OnExit);
}

// Create*: the start callback gets a proxy; a request gets its answer.
void CreateFlavour() {
  int code = OH_Ability_CreateNativeChildProcess("libipc_child.so", &OnStarted);
  Check(code == NCP_NO_ERROR, "Create returns 0");
  if (code != NCP_NO_ERROR) return;
  {
    std::unique_lock<std::mutex> lock(g_mu);
    // The library calls back within its start timeout (10 s by default).
    g_cv.wait(lock, [] { return g_started; });
  }
  Check(g_start_code == NCP_NO_ERROR && g_proxy != nullptr,
        "the start callback gets a proxy");
  if (g_proxy == nullptr) return;

  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPCParcel_WriteInt32(data, 6);
  OH_IPCParcel_WriteInt32(data, 7);
  OH_IPCParcel_WriteString(data, "release");
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int rc = OH_IPCRemoteProxy_SendRequest(g_proxy, 1, data, reply, &sync);
  int32_t product = 0;
  const char* text = nullptr;
  if (rc == 0 && OH_IPCParcel_ReadInt32(reply, &product) == 0) {
    text = OH_IPCParcel_ReadString(reply);
  }
  Check(rc == 0 && product == 42 && text != nullptr &&
            strcmp(text, "hello release") == 0,
        "request 1 answered 42, \"hello release\"");
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);

  data = OH_IPCParcel_Create();
  reply = OH_IPCParcel_Create();
  rc = OH_IPCRemoteProxy_SendRequest(g_proxy, 2, data, reply, &sync);
  Check(rc == 0, "request 2 (MainProc returns) answered");
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(g_proxy);
}

}  // namespace

int main() {
  Check(OH_Ability_IsNativeChildProcessSupported(), "children are supported");
  OH_LOG_Print(LOG_APP, LOG_INFO, 0x0c00, "ReleaseApp", "starting %{public}s",
               "both flavours");
  StartFlavour();
  CreateFlavour();
  if (g_failures != 0) {
    printf("release consumer: %d check(s) failed\n", g_failures);
    return 1;
  }
  printf("release consumer: ok\n");
  return 0;
}
