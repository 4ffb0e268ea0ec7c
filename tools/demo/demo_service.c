// libncp_demo_service.so: a Create*-flavour child for the demo. Its stub
// answers:
//   1 Add      two int32 -> int32 sum
//   2 Greet    string name -> string "hello <name> from pid <pid> (uid <uid>)"
//   3 Exit     lets NativeChildProcess_MainProc return -> int32 1
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "IPCKit/ipc_kit.h"

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
    return OH_IPCParcel_WriteInt32(reply, a + b);
  }
  if (code == 2) {
    const char* name = OH_IPCParcel_ReadString(data);
    char text[256];
    snprintf(text, sizeof(text), "hello %s from pid %d (uid %d)",
             name != NULL ? name : "?", getpid(), getuid());
    return OH_IPCParcel_WriteString(reply, text);
  }
  if (code == 3) {
    pthread_mutex_lock(&g_mu);
    g_quit = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return OH_IPCParcel_WriteInt32(reply, 1);
  }
  return OH_IPC_CODE_OUT_OF_RANGE;
}

OHIPCRemoteStub* NativeChildProcess_OnConnect(void) {
  return OH_IPCRemoteStub_Create("ncp.demo.Service", OnRequest, NULL, NULL);
}

void NativeChildProcess_MainProc(void) {
  pthread_mutex_lock(&g_mu);
  while (!g_quit) pthread_cond_wait(&g_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
}
