// Starts libworker.so:WorkerMain as a native child process with params and
// a pipe, reads its answer, and waits for its exit callback.
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "AbilityKit/native_child_process.h"
#include "worker.h"

namespace {

std::mutex g_mu;
std::condition_variable g_cv;
bool g_exited = false;
int32_t g_pid = -1;
int32_t g_status = -1;

void OnExit(int32_t pid, int32_t status) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (pid != g_pid) return;
  g_status = status;
  g_exited = true;
  g_cv.notify_all();
}

int Fail(const std::string& what) {
  fprintf(stderr, "FAIL: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  // Bazel runs the test in its runfiles tree, where the library sits.
  char library[PATH_MAX];
  if (realpath("libworker.so", library) == nullptr) {
    return Fail("libworker.so is not in the runfiles");
  }
  std::string entry = std::string(library) + ":WorkerMain";

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Fail("pipe2");
  char fd_name[] = WORKER_FD_NAME;
  NativeChildProcess_Fd fd = {fd_name, pipe_fds[1], nullptr};
  char params[] = "40 2";
  NativeChildProcess_Args args = {params, {&fd}};
  NativeChildProcess_Options options = {NCP_ISOLATION_MODE_NORMAL, 0};

  OH_Ability_RegisterNativeChildProcessExitCallback(&OnExit);
  std::unique_lock<std::mutex> lock(g_mu);  // OnExit waits for g_pid
  int32_t pid = -1;
  int code =
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid);
  close(pipe_fds[1]);
  if (code != NCP_NO_ERROR) {
    return Fail("Start returned " + std::to_string(code));
  }
  g_pid = pid;
  lock.unlock();

  std::string answer;
  char buffer[128];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) {
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (answer != "sum=42 params=40 2") return Fail("answer: " + answer);

  lock.lock();
  g_cv.wait(lock, [] { return g_exited; });
  if (g_status != 0) return Fail("exit " + std::to_string(g_status));
  printf("child %d answered \"%s\" and exited with 0\n", pid, answer.c_str());
  return 0;
}
