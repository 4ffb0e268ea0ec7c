/* libargs_child.so: a Start*-flavour child library of the release consumer.
 * Its entry writes what it got to the fd named "out" and logs with hilog. */
#define _POSIX_C_SOURCE 200809L /* dprintf */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x0c01
#define LOG_TAG "ArgsChild"
#include "hilog/log.h"

void Main(NativeChildProcess_Args args) {
  NativeChildProcess_Args* current = OH_Ability_GetCurrentChildProcessArgs();
  int out = -1;
  for (NativeChildProcess_Fd* fd = args.fdList.head; fd != NULL;
       fd = fd->next) {
    if (strcmp(fd->fdName, "out") == 0) out = fd->fd;
  }
  OH_LOG_INFO(LOG_APP, "child %{public}d got params %{private}s", getpid(),
              args.entryParams);
  if (out < 0) {
    OH_LOG_ERROR(LOG_APP, "no fd named out");
    return;
  }
  dprintf(out, "params=%s same_args=%d\n", args.entryParams,
          current != NULL && current->entryParams != NULL &&
              strcmp(current->entryParams, args.entryParams) == 0);
}
