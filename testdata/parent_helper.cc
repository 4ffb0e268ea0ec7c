// ncp_parent_helper: an app that starts children from a thread that then
// exits, prints their pids and "ready", and waits to be killed.
//   ncp_parent_helper <entry> <count>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"

int main(int argc, char** argv) {
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
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
