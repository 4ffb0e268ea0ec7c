// libncp_reporter.so: Start*-flavour entries that report what the child
// received and sees, on the fd named "out".
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"
#include "testdata/fixture_util.h"

// OpenHarmony's conformance entry: write "SUCC" into fd "fd1".
void Main(NativeChildProcess_Args args) {
  int fd = FixtureFd(args, "fd1");
  if (fd >= 0) FixtureWrite(fd, "SUCC");
}

static void* ArgsFromThread(void* unused) {
  (void)unused;
  return OH_Ability_GetCurrentChildProcessArgs();
}

// Reports, one item per line:
//   params <length> <FNV-1a hash>
//   fds <name>=<fd> ... (list order)
//   same_args <main thread> <other thread>   (1 when the global args are
//                                              the very allocations the
//                                              entry received)
//   open <fd numbers in /proc/self/fd, minus the one listing it>
//   comm <comm>
void Report(NativeChildProcess_Args args) {
  int out = FixtureFd(args, "out");
  if (out < 0) return;
  char line[512];

  uint64_t hash = 1469598103934665603ULL;
  size_t len = strlen(args.entryParams);
  for (size_t i = 0; i < len; ++i) {
    hash = (hash ^ (unsigned char)args.entryParams[i]) * 1099511628211ULL;
  }
  snprintf(line, sizeof(line), "params %zu %llu\n", len,
           (unsigned long long)hash);
  FixtureWrite(out, line);

  FixtureWrite(out, "fds");
  for (NativeChildProcess_Fd* n = args.fdList.head; n != NULL; n = n->next) {
    snprintf(line, sizeof(line), " %s=%d", n->fdName, n->fd);
    FixtureWrite(out, line);
  }
  FixtureWrite(out, "\n");

  NativeChildProcess_Args* global = OH_Ability_GetCurrentChildProcessArgs();
  int same_main = global != NULL && global->entryParams == args.entryParams &&
                  global->fdList.head == args.fdList.head;
  pthread_t thread;
  void* from_thread = NULL;
  pthread_create(&thread, NULL, ArgsFromThread, NULL);
  pthread_join(thread, &from_thread);
  int same_thread = from_thread == (void*)global && global != NULL;
  snprintf(line, sizeof(line), "same_args %d %d\n", same_main, same_thread);
  FixtureWrite(out, line);

  DIR* dir = opendir("/proc/self/fd");
  FixtureWrite(out, "open");
  if (dir != NULL) {
    int self = dirfd(dir);
    struct dirent* ent;
    while ((ent = readdir(dir)) != NULL) {
      if (ent->d_name[0] == '.' || atoi(ent->d_name) == self) continue;
      snprintf(line, sizeof(line), " %s", ent->d_name);
      FixtureWrite(out, line);
    }
    closedir(dir);
  }
  FixtureWrite(out, "\n");

  char comm[32] = {0};
  prctl(PR_GET_NAME, comm);
  snprintf(line, sizeof(line), "comm %s\n", comm);
  FixtureWrite(out, line);
}

// Writes entryParams verbatim to "out" (byte-exact comparison).
void EchoParams(NativeChildProcess_Args args) {
  int out = FixtureFd(args, "out");
  if (out >= 0) FixtureWrite(out, args.entryParams);
}

// Appends "CD" through "file" (the parent checks the shared offset).
void AppendCD(NativeChildProcess_Args args) {
  int fd = FixtureFd(args, "file");
  if (fd >= 0) FixtureWrite(fd, "CD");
}

// A child trying to start a child: reports the code on "out".
void StartGrandchild(NativeChildProcess_Args args) {
  int out = FixtureFd(args, "out");
  NativeChildProcess_Args none = {NULL, {NULL}};
  NativeChildProcess_Options options = {NCP_ISOLATION_MODE_NORMAL, 0};
  int32_t pid = -1;
  Ability_NativeChildProcess_ErrCode code = OH_Ability_StartNativeChildProcess(
      "libncp_reporter.so:Main", none, options, &pid);
  char line[64];
  snprintf(line, sizeof(line), "%d %d %d", (int)code,
           OH_Ability_IsNativeChildProcessSupported() ? 1 : 0,
           (int)OH_Ability_KillChildProcess(getppid()));
  if (out >= 0) FixtureWrite(out, line);
}

void ReturnNormally(NativeChildProcess_Args args) { (void)args; }

void ExitWith3(NativeChildProcess_Args args) {
  (void)args;
  exit(3);
}
