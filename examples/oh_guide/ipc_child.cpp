// libipcchild.so — the child of the Create* flavour (OpenHarmony's "create a
// native child process that supports IPC" guide, on Linux).
//
// The child runtime calls NativeChildProcess_OnConnect() for the stub it
// hands to the main process, then NativeChildProcess_MainProc() on the
// child's main thread; the child exits when MainProc returns.
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "IPCKit/ipc_kit.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x0202
#define LOG_TAG "IpcChild"
#include "hilog/log.h"

namespace {

// Request codes of this stub (the main process uses the same values).
constexpr uint32_t kCodeAdd = 1;   // int32 a, int32 b -> int32 a + b
constexpr uint32_t kCodeEcho = 2;  // string -> string "<pid>: <string>"
constexpr uint32_t kCodeExit = 3;  // lets MainProc return

// The service behind the stub.
class DemoService {
 public:
  OHIPCRemoteStub* CreateStub() {
    return OH_IPCRemoteStub_Create("ncp.example.DemoService",
                                   &DemoService::OnRemoteRequest, nullptr,
                                   this);
  }

  void WaitForExit() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return exit_requested_; });
  }

 private:
  static int OnRemoteRequest(uint32_t code, const OHIPCParcel* data,
                             OHIPCParcel* reply, void* user_data) {
    auto* self = static_cast<DemoService*>(user_data);
    switch (code) {
      case kCodeAdd: {
        int32_t a = 0;
        int32_t b = 0;
        if (OH_IPCParcel_ReadInt32(data, &a) != OH_IPC_SUCCESS ||
            OH_IPCParcel_ReadInt32(data, &b) != OH_IPC_SUCCESS) {
          return OH_IPC_PARCEL_READ_ERROR;
        }
        OH_LOG_INFO(LOG_APP, "Add(%{public}d, %{public}d) from pid %{public}lu",
                    a, b,
                    static_cast<unsigned long>(OH_IPCSkeleton_GetCallingPid()));
        return OH_IPCParcel_WriteInt32(reply, a + b);
      }
      case kCodeEcho: {
        const char* text = OH_IPCParcel_ReadString(data);
        if (text == nullptr) return OH_IPC_PARCEL_READ_ERROR;
        char answer[256];
        snprintf(answer, sizeof(answer), "%d: %s", getpid(), text);
        return OH_IPCParcel_WriteString(reply, answer);
      }
      case kCodeExit: {
        OH_LOG_INFO(LOG_APP, "exit requested");
        std::lock_guard<std::mutex> lock(self->mu_);
        self->exit_requested_ = true;
        self->cv_.notify_all();
        return OH_IPC_SUCCESS;
      }
      default:
        return OH_IPC_CODE_OUT_OF_RANGE;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool exit_requested_ = false;
};

DemoService g_service;

}  // namespace

extern "C" OHIPCRemoteStub* NativeChildProcess_OnConnect() {
  OH_LOG_INFO(LOG_APP, "OnConnect in pid %{public}d", getpid());
  return g_service.CreateStub();
}

extern "C" void NativeChildProcess_MainProc() {
  OH_LOG_INFO(LOG_APP, "MainProc: serving");
  g_service.WaitForExit();
  OH_LOG_INFO(LOG_APP, "MainProc: returning, the child exits");
}
