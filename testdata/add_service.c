// libncp_add_service.so (and variants, see BUILD): a Create*-flavour child
// library. OnConnect returns a stub with these request codes:
//   1 Add        data: int32 a, int32 b     reply: int32 a + b
//   2 Exit       lets MainProc return        reply: int32 1
//   3 TryStart   calls Create and Start from inside the child
//                                            reply: int32 create, int32 start
//   4 CallBack   data: proxy p, int32 v; calls p with code 1 and v
//                                            reply: int32 what p replied
//   5 Identity   reply: int32 getpid(), int64 calling pid, int64 calling uid
//   6 WriteFd    data: fd; writes "CHILD" to it
//   7 Namespaces reply: string (net ns inode of the child)
//   8 Vanish     the child _exit()s in the middle of the request
//   9 Block      never returns (until the process dies)
// Build variants: NCP_SLOW_CONNECT sleeps 200 ms in OnConnect,
// NCP_HANG_CONNECT never returns from it, NCP_CRASH_CONNECT crashes in it
// (with NCP_FORK_HOLDER, after forking, without the atfork handlers, a
// process named hold-<the app's pid> that keeps the child's fds, its IPC
// socket among them, for 60 s),
// NCP_NULL_STUB returns NULL, NCP_NO_MAINPROC lacks MainProc,
// NCP_CRASH_MAINPROC crashes in MainProc (after OnConnect succeeded),
// NCP_CRASH_CONSTRUCTOR crashes while the library loads.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_quit = 0;

static void OnStartedNothing(int code, OHIPCRemoteProxy* proxy) {
  (void)code;
  (void)proxy;
}

static int OnRequest(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                     void* user_data) {
  (void)user_data;
  switch (code) {
    case 1: {
      int32_t a = 0, b = 0;
      if (OH_IPCParcel_ReadInt32(data, &a) != 0 ||
          OH_IPCParcel_ReadInt32(data, &b) != 0) {
        return OH_IPC_PARCEL_READ_ERROR;
      }
      return OH_IPCParcel_WriteInt32(reply, a + b);
    }
    case 2:
      pthread_mutex_lock(&g_mu);
      g_quit = 1;
      pthread_cond_broadcast(&g_cv);
      pthread_mutex_unlock(&g_mu);
      return OH_IPCParcel_WriteInt32(reply, 1);
    case 3: {
      int create = OH_Ability_CreateNativeChildProcess("libncp_add_service.so",
                                                       OnStartedNothing);
      NativeChildProcess_Args args = {NULL, {NULL}};
      NativeChildProcess_Options options = {NCP_ISOLATION_MODE_NORMAL, 0};
      int32_t pid = -1;
      int start = OH_Ability_StartNativeChildProcess("libncp_reporter.so:Main",
                                                     args, options, &pid);
      OH_IPCParcel_WriteInt32(reply, create);
      return OH_IPCParcel_WriteInt32(reply, start);
    }
    case 4: {
      OHIPCRemoteProxy* callback = OH_IPCParcel_ReadRemoteProxy(data);
      int32_t value = 0;
      OH_IPCParcel_ReadInt32(data, &value);
      if (callback == NULL) return OH_IPC_PARCEL_READ_ERROR;
      OHIPCParcel* request = OH_IPCParcel_Create();
      OHIPCParcel* answer = OH_IPCParcel_Create();
      OH_IPCParcel_WriteInt32(request, value);
      OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, NULL};
      int rc =
          OH_IPCRemoteProxy_SendRequest(callback, 1, request, answer, &sync);
      int32_t result = -1;
      if (rc == 0) OH_IPCParcel_ReadInt32(answer, &result);
      OH_IPCParcel_Destroy(request);
      OH_IPCParcel_Destroy(answer);
      OH_IPCRemoteProxy_Destroy(callback);
      return rc != 0 ? rc : OH_IPCParcel_WriteInt32(reply, result);
    }
    case 5:
      OH_IPCParcel_WriteInt32(reply, getpid());
      OH_IPCParcel_WriteInt64(reply, (int64_t)OH_IPCSkeleton_GetCallingPid());
      return OH_IPCParcel_WriteInt64(reply,
                                     (int64_t)OH_IPCSkeleton_GetCallingUid());
    case 6: {
      int32_t fd = -1;
      if (OH_IPCParcel_ReadFileDescriptor(data, &fd) != 0)
        return OH_IPC_PARCEL_READ_ERROR;
      ssize_t n = write(fd, "CHILD", 5);
      close(fd);
      return OH_IPCParcel_WriteInt32(reply, (int32_t)n);
    }
    case 7: {
      struct stat st;
      char text[32];
      snprintf(
          text, sizeof(text), "%lu",
          stat("/proc/self/ns/net", &st) == 0 ? (unsigned long)st.st_ino : 0UL);
      return OH_IPCParcel_WriteString(reply, text);
    }
    case 8:
      _exit(0);
    case 9:
      for (;;) pause();
    default:
      return OH_IPC_CODE_OUT_OF_RANGE;
  }
}

OHIPCRemoteStub* NativeChildProcess_OnConnect(void) {
#if defined(NCP_SLOW_CONNECT)
  struct timespec delay = {0, 200 * 1000 * 1000};
  nanosleep(&delay, NULL);
#elif defined(NCP_HANG_CONNECT)
  for (;;) pause();
#elif defined(NCP_CRASH_CONNECT)
#if defined(NCP_FORK_HOLDER)
  // A raw fork: fork() would run libipc_capi's atfork handler, which closes
  // the IPC runtime's fds in the new process.
  char name[16];
  snprintf(name, sizeof(name), "hold-%d", (int)getppid());  // the app's pid
  if (syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0) {
    prctl(PR_SET_NAME, name);
    struct timespec hold = {60, 0};
    nanosleep(&hold, NULL);
    _exit(0);
  }
#endif
  volatile int* page = (volatile int*)mmap(NULL, 4096, PROT_NONE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *page = 1;
#elif defined(NCP_NULL_STUB)
  return NULL;
#endif
  return OH_IPCRemoteStub_Create("ncp.test.AddService", OnRequest, NULL, NULL);
}

#if defined(NCP_CRASH_CONSTRUCTOR)
__attribute__((constructor)) static void CrashWhileLoading(void) {
  volatile int* page = (volatile int*)mmap(NULL, 4096, PROT_NONE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *page = 1;
}

// An args-flavour entry too, to crash a Start* child the same way.
void Main(NativeChildProcess_Args args) { (void)args; }
#endif

#if !defined(NCP_NO_MAINPROC)
void NativeChildProcess_MainProc(void) {
#if defined(NCP_CRASH_MAINPROC)
  volatile int* page = (volatile int*)mmap(NULL, 4096, PROT_NONE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *page = 1;
#endif
  // Proof for the tests that MainProc ran (or did not).
  const char* marker = getenv("NCP_TEST_MAINPROC_MARKER");
  if (marker != NULL) {
    FILE* f = fopen(marker, "a");
    if (f != NULL) fclose(f);
  }
  pthread_mutex_lock(&g_mu);
  while (!g_quit) pthread_cond_wait(&g_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
}
#endif
