/* libipc_child.so: a Create*-flavour child library of the release consumer.
 * Its stub answers code 1 (int32 a, int32 b, string name -> int32 a * b,
 * string "hello <name>") and code 2 (MainProc returns). */
#include <pthread.h>
#include <stdio.h>

#include "IPCKit/ipc_kit.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x0c02
#define LOG_TAG "IpcChild"
#include "hilog/log.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_quit = 0;

static int OnRequest(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                     void* user_data) {
  (void)user_data;
  if (code == 1) {
    int32_t a = 0, b = 0;
    if (OH_IPCParcel_ReadInt32(data, &a) != 0 ||
        OH_IPCParcel_ReadInt32(data, &b) != 0) {
      return OH_IPC_PARCEL_READ_ERROR;
    }
    const char* name = OH_IPCParcel_ReadString(data);
    if (name == NULL) return OH_IPC_PARCEL_READ_ERROR;
    char text[128];
    snprintf(text, sizeof(text), "hello %s", name);
    OH_LOG_INFO(LOG_APP, "request 1 from pid %{public}llu",
                (unsigned long long)OH_IPCSkeleton_GetCallingPid());
    int rc = OH_IPCParcel_WriteInt32(reply, a * b);
    return rc != 0 ? rc : OH_IPCParcel_WriteString(reply, text);
  }
  if (code == 2) {
    pthread_mutex_lock(&g_mu);
    g_quit = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return OH_IPC_SUCCESS;
  }
  return OH_IPC_CODE_OUT_OF_RANGE;
}

OHIPCRemoteStub* NativeChildProcess_OnConnect(void) {
  return OH_IPCRemoteStub_Create("ncp.release.Consumer", OnRequest, NULL, NULL);
}

void NativeChildProcess_MainProc(void) {
  pthread_mutex_lock(&g_mu);
  while (!g_quit) pthread_cond_wait(&g_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
  OH_LOG_INFO(LOG_APP, "MainProc returns");
}
