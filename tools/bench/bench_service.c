// libncp_bench_service.so: the Create*-flavour child the benchmarks time
// and talk to. Its stub answers:
//   1 Echo4    int32 -> the same int32
//   2 EchoBuf  a buffer (all of the parcel) -> the same buffer
//   3 Exit     lets NativeChildProcess_MainProc return -> int32 1
//   4 Pid      -> int32 getpid()
#include <pthread.h>
#include <unistd.h>

#include "IPCKit/ipc_kit.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_quit = 0;

static int OnRequest(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                     void* user_data) {
  (void)user_data;
  if (code == 1) {
    int32_t value = 0;
    if (OH_IPCParcel_ReadInt32(data, &value) != 0) {
      return OH_IPC_PARCEL_READ_ERROR;
    }
    return OH_IPCParcel_WriteInt32(reply, value);
  }
  if (code == 2) {
    int len = OH_IPCParcel_GetReadableBytes(data);
    if (len < 0) return OH_IPC_PARCEL_READ_ERROR;
    const uint8_t* bytes = OH_IPCParcel_ReadBuffer(data, len);
    if (bytes == NULL) return OH_IPC_PARCEL_READ_ERROR;
    return OH_IPCParcel_WriteBuffer(reply, bytes, len);
  }
  if (code == 3) {
    pthread_mutex_lock(&g_mu);
    g_quit = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return OH_IPCParcel_WriteInt32(reply, 1);
  }
  if (code == 4) return OH_IPCParcel_WriteInt32(reply, (int32_t)getpid());
  return OH_IPC_CODE_OUT_OF_RANGE;
}

OHIPCRemoteStub* NativeChildProcess_OnConnect(void) {
  return OH_IPCRemoteStub_Create("ncp.bench.Service", OnRequest, NULL, NULL);
}

void NativeChildProcess_MainProc(void) {
  pthread_mutex_lock(&g_mu);
  while (!g_quit) pthread_cond_wait(&g_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
}
