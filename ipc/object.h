// Stubs, proxies and death recipients: the reference-counted objects behind
// OHIPCRemoteStub, OHIPCRemoteProxy and OHIPCDeathRecipient.
//
// Reference model
//   - A C handle (wrapper) owns one reference; parcels, connection export
//     tables and in-flight requests own others. The destructor (and so a
//     user destroy callback) runs on the thread that drops the last one.
//   - A Proxy is either LOCAL (it wraps a Stub of this process: requests run
//     the handler inline on the caller's thread) or REMOTE (a handle in the
//     export table of the peer of one Connection).
//   - Remote references are counted across processes (runtime.h): the
//     exporter counts how many times it sent a handle, the importer how many
//     times it received it; when the importer's last proxy for the handle
//     goes it sends that count back and the exporter drops its reference when
//     the counts balance. So a stub's destroy callback runs once nobody, in
//     any process, holds it.
#ifndef NCP_IPC_OBJECT_H_
#define NCP_IPC_OBJECT_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "IPCKit/ipc_cremote_object.h"
#include "ipc/parcel.h"
#include "ipc/ref_counted.h"

namespace ncp::ipc {

class Connection;

// Maps a handler's return value to what the sender receives (ipc_kit.md
// §2.5): 0 and codes of the system and user ranges pass, anything else
// becomes OH_IPC_INVALID_USER_ERROR_CODE.
int MapHandlerCode(int code);

class Stub final : public RemoteObject {
 public:
  Stub(std::string descriptor, OH_OnRemoteRequestCallback on_request,
       OH_OnRemoteDestroyCallback on_destroy, void* user_data)
      : descriptor_(std::move(descriptor)),
        on_request_(on_request),
        on_destroy_(on_destroy),
        user_data_(user_data) {}

  Type type() const override { return Type::kStub; }
  const std::string& descriptor() const { return descriptor_; }

  // Runs the handler; returns its mapped code.
  int OnRequest(uint32_t code, const OHIPCParcel* data,
                OHIPCParcel* reply) const;

 private:
  ~Stub() override;

  const std::string descriptor_;
  const OH_OnRemoteRequestCallback on_request_;
  const OH_OnRemoteDestroyCallback on_destroy_;
  void* const user_data_;
};

class DeathRecipient final : public RefCounted {
 public:
  DeathRecipient(OH_OnDeathRecipientCallback on_death,
                 OH_OnDeathRecipientDestroyCallback on_destroy, void* user_data)
      : on_death_(on_death), on_destroy_(on_destroy), user_data_(user_data) {}
  void Notify() const { on_death_(user_data_); }

 private:
  ~DeathRecipient() override {
    if (on_destroy_ != nullptr) on_destroy_(user_data_);
  }
  const OH_OnDeathRecipientCallback on_death_;
  const OH_OnDeathRecipientDestroyCallback on_destroy_;
  void* const user_data_;
};

class Proxy final : public RemoteObject {
 public:
  // A proxy for a stub of this process.
  explicit Proxy(Ref<Stub> local);
  // A proxy for `handle` in the export table of `conn`'s peer. Created only
  // by Connection (which keeps a weak pointer to it in its import table).
  Proxy(Ref<Connection> conn, uint32_t handle);

  Type type() const override { return Type::kProxy; }
  bool is_local() const { return local_.get() != nullptr; }
  Stub* local_stub() const { return local_.get(); }
  Connection* connection() const { return conn_.get(); }
  uint32_t handle() const { return handle_; }

  // Sends a request (see OH_IPCRemoteProxy_SendRequest). `reply` may be NULL
  // only for one-way requests. `timeout_ms` < 0 means the runtime default.
  int Transact(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
               bool one_way, int64_t timeout_ms) const;

  // The remote descriptor (cached after the first success).
  int GetDescriptor(std::string* out);

  bool IsDead() const;
  int AddDeathRecipient(DeathRecipient* recipient);
  int RemoveDeathRecipient(DeathRecipient* recipient);

  // Marks the proxy dead and schedules its death recipients (once) on an IPC
  // worker thread. Called by the runtime when the remote is gone.
  void MarkDead();

  // Guarded by the connection's mutex: how many times this proxy's handle
  // was received (returned to the exporter when the proxy goes).
  uint64_t recv_count = 0;
  // Guarded by the connection's mutex: the peer relays another process's
  // object through it (wire::kObjectFlagRelay).
  bool relayed = false;

 private:
  ~Proxy() override;

  const Ref<Stub> local_;
  const Ref<Connection> conn_;
  const uint32_t handle_ = 0;

  std::atomic<bool> dead_{false};
  std::mutex mu_;
  std::vector<Ref<DeathRecipient>> recipients_;  // guarded by mu_
  bool has_descriptor_ = false;                  // guarded by mu_
  std::string descriptor_;                       // guarded by mu_
};

}  // namespace ncp::ipc

// The public handles: one reference each, plus a magic number that catches
// a handle of the wrong type.
struct OHIPCRemoteStub {
  static constexpr uint32_t kMagic = 0x53545542;  // "STUB"
  uint32_t magic = kMagic;
  ncp::ipc::Ref<ncp::ipc::Stub> stub;
};

struct OHIPCRemoteProxy {
  static constexpr uint32_t kMagic = 0x50525859;  // "PRXY"
  uint32_t magic = kMagic;
  ncp::ipc::Ref<ncp::ipc::Proxy> proxy;
};

struct OHIPCDeathRecipient {
  static constexpr uint32_t kMagic = 0x44454154;  // "DEAT"
  uint32_t magic = kMagic;
  ncp::ipc::Ref<ncp::ipc::DeathRecipient> recipient;
};

namespace ncp::ipc {

inline Stub* StubOf(const OHIPCRemoteStub* s) {
  return (s == nullptr || s->magic != OHIPCRemoteStub::kMagic) ? nullptr
                                                               : s->stub.get();
}
inline Proxy* ProxyOf(const OHIPCRemoteProxy* p) {
  return (p == nullptr || p->magic != OHIPCRemoteProxy::kMagic)
             ? nullptr
             : p->proxy.get();
}
inline DeathRecipient* RecipientOf(const OHIPCDeathRecipient* r) {
  return (r == nullptr || r->magic != OHIPCDeathRecipient::kMagic)
             ? nullptr
             : r->recipient.get();
}

}  // namespace ncp::ipc

#endif  // NCP_IPC_OBJECT_H_
