#include "api/create_session.h"

#include "IPCKit/ipc_cparcel.h"
#include "api/registrar.h"
#include "ipc/bridge.h"
#include "spawner/supervisor.h"

namespace ncp::api {
namespace {

using SessionRef = std::shared_ptr<CreateSession>;

// A report to fire once the child has its reply (ipc::Bridge::
// run_after_reply).
struct Report {
  SessionRef session;
  int result;
  OHIPCRemoteProxy* proxy;
};

void FireReport(void* arg) {
  std::unique_ptr<Report> report(static_cast<Report*>(arg));
  report->session->Fire(report->result, report->proxy);
}

// Runs on an IPC worker thread of this process when the child reports
// (one-way, or sync on one CPU: api/child_main.cc). A child that dies right
// after reporting - in MainProc, say - cannot make its death look like a
// failure to connect: that is decided only when the registrar goes
// (OnRegistrarDestroy), after this handler. The user's callback runs on
// this worker once the handler is done (after the reply, if sync: the
// child's MainProc never waits for the callback; the pool grows if other
// requests come meanwhile); failures go to the library's callback thread.
int OnRegistrarRequest(uint32_t code, const OHIPCParcel* data,
                       OHIPCParcel* /*reply*/, void* user_data) {
  SessionRef session = *static_cast<SessionRef*>(user_data);
  const ipc::Bridge* bridge = IpcBridge();
  // The registrar serves one report. Once it is retired the connection
  // offers the child nothing, so the app's calls to the child read their own
  // replies and the pool no longer watches the socket (ipc::Bridge).
  if ((code == kRegistrarReady || code == kRegistrarFailed) &&
      bridge != nullptr) {
    bridge->retire_root();
  }
  if (code == kRegistrarReady) {
    OHIPCRemoteProxy* proxy = OH_IPCParcel_ReadRemoteProxy(data);
    if (!session->Claim()) {
      OH_IPCRemoteProxy_Destroy(proxy);  // too late: the timeout fired
      return 0;
    }
    const int result = proxy != nullptr ? NCP_NO_ERROR : NCP_ERR_INTERNAL;
    // The callee owns the proxy. It gets it on this thread once the child
    // has its reply: handing it to the callback thread would cost another
    // thread's wake-up (~50 us of every Create, measured).
    auto* report = new Report{session, result, proxy};
    if (bridge == nullptr || !bridge->run_after_reply(&FireReport, report)) {
      delete report;
      spawner::Supervisor::Get().Post(
          [session, result, proxy] { session->Fire(result, proxy); });
    }
    return 0;
  }
  if (code == kRegistrarFailed) {
    int32_t error = NCP_ERR_INTERNAL;
    OH_IPCParcel_ReadInt32(data, &error);
    // Only the two codes a child may report; anything else is ours.
    if (error != NCP_ERR_LIB_LOADING_FAILED &&
        error != NCP_ERR_CONNECTION_FAILED) {
      error = NCP_ERR_INTERNAL;
    }
    if (session->Claim()) {
      spawner::Supervisor::Get().Post(
          [session, error] { session->Fire(error, nullptr); });
    }
    return 0;
  }
  return OH_IPC_CODE_OUT_OF_RANGE;
}

// The registrar goes once nothing can report into it any more: its
// connection has ended (EOF, read after everything the child sent, so
// after any report, whose handler holds the stub while it runs) and the
// child's record has let it go. A session nobody has claimed by then is a
// child that died before it connected.
void OnRegistrarDestroy(void* user_data) {
  SessionRef session = std::move(*static_cast<SessionRef*>(user_data));
  delete static_cast<SessionRef*>(user_data);
  if (session->Claim()) {
    spawner::Supervisor::Get().Post(
        [session] { session->Fire(NCP_ERR_INTERNAL, nullptr); });
  }
}

}  // namespace

bool CreateSession::Claim() {
  std::lock_guard<std::mutex> lock(mu_);
  if (claimed_) return false;
  claimed_ = true;
  if (timer_ != 0) spawner::Supervisor::Get().CancelTimer(timer_);
  return true;
}

void CreateSession::SetTimer(uint64_t timer) {
  std::lock_guard<std::mutex> lock(mu_);
  if (claimed_) {
    spawner::Supervisor::Get().CancelTimer(timer);
  } else {
    timer_ = timer;
  }
}

const ipc::Bridge* IpcBridge() {
  static const ipc::Bridge* bridge =
      ipc::FindBridge(&OH_IPCParcel_Create, &OH_IPCParcel_Destroy);
  return bridge;
}

OHIPCRemoteStub* CreateSession::MakeRegistrar(SessionRef session) {
  auto* ref = new SessionRef(std::move(session));
  OHIPCRemoteStub* stub = OH_IPCRemoteStub_Create(
      kRegistrarDescriptor, &OnRegistrarRequest, &OnRegistrarDestroy, ref);
  if (stub == nullptr) delete ref;
  return stub;
}

}  // namespace ncp::api
