// libncp_demo.so: child entries used by the README's demo (tools/demo.sh).
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"

// Greets on stdout, lists the fds it was given and writes a line to "log".
void Hello(NativeChildProcess_Args args) {
  printf("  [child %d] entryParams: \"%s\"\n", getpid(), args.entryParams);
  for (NativeChildProcess_Fd* fd = args.fdList.head; fd != NULL;
       fd = fd->next) {
    printf("  [child %d] fd \"%s\" is %d\n", getpid(), fd->fdName, fd->fd);
    if (strcmp(fd->fdName, "log") == 0) {
      dprintf(fd->fd, "hello from child %d\n", getpid());
    }
  }
  NativeChildProcess_Args* same = OH_Ability_GetCurrentChildProcessArgs();
  printf("  [child %d] OH_Ability_GetCurrentChildProcessArgs() %s\n", getpid(),
         same != NULL && same->entryParams == args.entryParams
             ? "returns the same args"
             : "differs");
  fflush(stdout);
}

// Reports what the sandbox looks like from inside.
void Inspect(NativeChildProcess_Args args) {
  (void)args;
  struct utsname uts;
  uname(&uts);
  printf("  [child %d] hostname %s, uid %d\n", getpid(), uts.nodename,
         getuid());
  printf("  [child %d] /home visible: %s, network: ", getpid(),
         access("/home", F_OK) == 0 ? "yes" : "no");
  FILE* dev = fopen("/proc/net/dev", "r");
  char line[256];
  int interfaces = 0;
  while (dev != NULL && fgets(line, sizeof(line), dev) != NULL) {
    if (strchr(line, ':') != NULL) {
      ++interfaces;
      char* name = line;
      while (*name == ' ') ++name;
      *strchr(name, ':') = '\0';
      printf("%s ", name);
    }
  }
  if (dev != NULL) fclose(dev);
  printf("(%d interfaces)\n", interfaces);
  fflush(stdout);
}

void Crash(NativeChildProcess_Args args) {
  (void)args;
  printf("  [child %d] about to touch a page it may not access\n", getpid());
  fflush(stdout);
  // A real fault, not undefined behaviour a sanitizer would stop first: a
  // store to a page mapped without access.
  volatile int* page = (volatile int*)mmap(NULL, 4096, PROT_NONE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *page = 1;
}
