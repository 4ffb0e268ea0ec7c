// libworker.so: a Start*-flavour child. entryParams is "A B"; it writes
// "sum=<A+B> params=<entryParams>" to the fd named WORKER_FD_NAME.
#define _POSIX_C_SOURCE 200809L  // dprintf

#include "worker.h"

#include <stdio.h>
#include <string.h>

#include "AbilityKit/native_child_process.h"

void WorkerMain(NativeChildProcess_Args args) {
  // The same args are reachable from anywhere in the child.
  NativeChildProcess_Args* current = OH_Ability_GetCurrentChildProcessArgs();
  int a = 0, b = 0;
  if (current == NULL || current->entryParams == NULL ||
      sscanf(current->entryParams, "%d %d", &a, &b) != 2) {
    return;
  }
  for (NativeChildProcess_Fd* fd = args.fdList.head; fd != NULL;
       fd = fd->next) {
    if (strcmp(fd->fdName, WORKER_FD_NAME) == 0) {
      dprintf(fd->fd, "sum=%d params=%s", a + b, args.entryParams);
    }
  }
}
