// ncp_parent_helper: an app that starts children and waits to be killed.
//   ncp_parent_helper <entry> <count>
//     starts <count> Start*-type children from a thread that then exits,
//     prints their pids, "zygote <pid>" for the library's zygote and
//     "spare <pid>" for each of its spares (if it runs one) and "ready".
//   ncp_parent_helper --create-handshake <library>
//     creates a Create*-type child whose OnConnect does not return; prints
//     "ready" once the child exists (its pid is the line before).
//   ncp_parent_helper --create-transaction <add-service library>
//     creates an Add-service child, sends it a request that never returns,
//     and prints the child's pid and "ready" from inside that wait.
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"

// "zygote" or "spare" if `pid` is the library's zygote or one of its spare
// children (not one of the app's children as the API sees them), else "".
std::string LibraryProcess(int pid) {
  char path[64], comm[32] = {};
  snprintf(path, sizeof(path), "/proc/%d/comm", pid);
  FILE* f = fopen(path, "r");
  if (f == nullptr) return "";
  std::string name = fgets(comm, sizeof(comm), f) != nullptr ? comm : "";
  fclose(f);
  if (name == "ncp-zygote\n") return "zygote";
  if (name == "ncp-spare\n") return "spare";
  return "";
}

bool IsZygote(int pid) { return !LibraryProcess(pid).empty(); }

// The library's zygote and spares among this process's children, one line
// each ("zygote PID", "spare PID").
void PrintZygotes() {
  std::vector<int> all;
  DIR* tasks = opendir("/proc/self/task");
  while (struct dirent* task = tasks != nullptr ? readdir(tasks) : nullptr) {
    if (task->d_name[0] == '.') continue;
    std::string path =
        std::string("/proc/self/task/") + task->d_name + "/children";
    FILE* f = fopen(path.c_str(), "r");
    int pid;
    while (f != nullptr && fscanf(f, "%d", &pid) == 1) {
      std::string what = LibraryProcess(pid);
      if (!what.empty()) printf("%s %d\n", what.c_str(), pid);
    }
    if (f != nullptr) fclose(f);
  }
  if (tasks != nullptr) closedir(tasks);
}

// Children of this process, from /proc: each thread lists the children it
// created (the library's supervisor thread makes them all).
std::vector<int> ChildrenOfSelf() {
  std::vector<int> pids;
  DIR* tasks = opendir("/proc/self/task");
  while (struct dirent* task = tasks != nullptr ? readdir(tasks) : nullptr) {
    if (task->d_name[0] == '.') continue;
    std::string path =
        std::string("/proc/self/task/") + task->d_name + "/children";
    FILE* f = fopen(path.c_str(), "r");
    int pid;
    while (f != nullptr && fscanf(f, "%d", &pid) == 1) {
      if (!IsZygote(pid)) pids.push_back(pid);
    }
    if (f != nullptr) fclose(f);
  }
  if (tasks != nullptr) closedir(tasks);
  return pids;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--create-handshake") {
    if (OH_Ability_CreateNativeChildProcess(
            argv[2], [](int, OHIPCRemoteProxy*) {}) != 0) {
      return 3;
    }
    // The supervisor thread made the child; wait until /proc shows it.
    std::vector<int> children;
    while ((children = ChildrenOfSelf()).empty()) sched_yield();
    printf("%d\nready\n", children[0]);
    fflush(stdout);
    for (;;) pause();
  }
  if (argc == 3 && std::string(argv[1]) == "--create-transaction") {
    static OHIPCRemoteProxy* proxy = nullptr;
    static std::atomic<bool> started{false};
    if (OH_Ability_CreateNativeChildProcess(argv[2],
                                            [](int code, OHIPCRemoteProxy* p) {
                                              if (code == 0) proxy = p;
                                              started = true;
                                            }) != 0) {
      return 3;
    }
    while (!started) sched_yield();
    if (proxy == nullptr) return 4;
    OHIPCParcel* data = OH_IPCParcel_Create();
    OHIPCParcel* reply = OH_IPCParcel_Create();
    OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
    if (OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync) != 0)
      return 5;
    int32_t pid = 0;
    OH_IPCParcel_ReadInt32(reply, &pid);
    printf("%d\nready\n", pid);
    fflush(stdout);
    // Blocks for good (the request never returns; the IPC timeout is off).
    OH_IPCRemoteProxy_SendRequest(proxy, 9, data, reply, &sync);
    for (;;) pause();
  }
  if (argc != 3) return 2;
  const char* entry = argv[1];
  int count = atoi(argv[2]);
  std::vector<int32_t> pids;
  std::thread starter([&] {
    for (int i = 0; i < count; ++i) {
      NativeChildProcess_Args args = {};
      NativeChildProcess_Options options = {};
      int32_t pid = -1;
      if (OH_Ability_StartNativeChildProcess(entry, args, options, &pid) == 0) {
        pids.push_back(pid);
      }
    }
  });
  starter.join();  // the thread that started the children is gone now
  for (int32_t pid : pids) printf("%d\n", pid);
  PrintZygotes();
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
