// The start callback of one Create* call.
//
// Fired exactly once by whichever comes first: the child's report through
// the registrar (a successful one on the IPC worker that took it, after its
// reply; a failure on the library's callback thread), the child's death
// before it reported, or the start timeout (both on the callback thread).
#ifndef NCP_API_CREATE_SESSION_H_
#define NCP_API_CREATE_SESSION_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_cremote_object.h"
#include "api/spawn_trace.h"

namespace ncp::ipc {
struct Bridge;
}  // namespace ncp::ipc

namespace ncp::api {

// The private table of the libipc_capi.so this process uses (ipc/bridge.h),
// or NULL if that library is not ncp's.
const ipc::Bridge* IpcBridge();

class CreateSession {
 public:
  explicit CreateSession(OH_Ability_OnNativeChildProcessStarted callback)
      : callback_(callback) {}

  // True for the one caller that gets to fire the callback; cancels the
  // start timer.
  bool Claim();
  // Records the start timer (cancelled by Claim).
  void SetTimer(uint64_t timer);

  // Calls the user's callback on the current thread. Only after Claim().
  void Fire(int code, OHIPCRemoteProxy* proxy) {
    if (trace_ != nullptr && proxy != nullptr) trace_->Stamp(NCP_STAGE_PROXY);
    callback_(code, proxy);
  }

  // Spawn stage tracing: the PROXY stamp (set before the child exists).
  void SetTrace(std::shared_ptr<SpawnTrace> trace) {
    trace_ = std::move(trace);
  }

  // A registrar stub (api/registrar.h) reporting into `session`; NULL if
  // the IPC runtime refuses. The stub owns a reference to the session.
  static OHIPCRemoteStub* MakeRegistrar(std::shared_ptr<CreateSession> session);

 private:
  OH_Ability_OnNativeChildProcessStarted callback_;
  std::shared_ptr<SpawnTrace> trace_;
  std::mutex mu_;
  bool claimed_ = false;  // guarded by mu_
  uint64_t timer_ = 0;    // guarded by mu_
};

}  // namespace ncp::api

#endif  // NCP_API_CREATE_SESSION_H_
