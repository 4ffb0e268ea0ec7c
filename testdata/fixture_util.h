// Helpers for the child-side test fixtures: find a named fd, write text.
#ifndef NCP_TESTDATA_FIXTURE_UTIL_H_
#define NCP_TESTDATA_FIXTURE_UTIL_H_

#include <string.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"

// The fd the parent passed under `name`, or -1.
static inline int FixtureFd(NativeChildProcess_Args args, const char* name) {
  for (NativeChildProcess_Fd* n = args.fdList.head; n != NULL; n = n->next) {
    if (strcmp(n->fdName, name) == 0) return n->fd;
  }
  return -1;
}

static inline void FixtureWrite(int fd, const char* text) {
  size_t len = strlen(text);
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n <= 0) return;
    text += n;
    len -= (size_t)n;
  }
}

#endif  // NCP_TESTDATA_FIXTURE_UTIL_H_
