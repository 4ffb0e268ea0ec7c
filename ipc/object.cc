#include "ipc/object.h"

#include <algorithm>

#include "ipc/runtime.h"
#include "ipc/utf.h"
#include "ipc/wire.h"

namespace ncp::ipc {

int MapHandlerCode(int code) {
  if (code == OH_IPC_SUCCESS) return code;
  if (code >= OH_IPC_CHECK_PARAM_ERROR && code <= OH_IPC_INNER_ERROR) {
    return code;
  }
  if (code >= OH_IPC_USER_ERROR_CODE_MIN &&
      code <= OH_IPC_USER_ERROR_CODE_MAX) {
    return code;
  }
  return OH_IPC_INVALID_USER_ERROR_CODE;
}

int Stub::OnRequest(uint32_t code, const OHIPCParcel* data,
                    OHIPCParcel* reply) const {
  return MapHandlerCode(on_request_(code, data, reply, user_data_));
}

Stub::~Stub() {
  if (on_destroy_ != nullptr) on_destroy_(user_data_);
}

Proxy::Proxy(Ref<Stub> local) : local_(std::move(local)) {}

Proxy::Proxy(Ref<Connection> conn, uint32_t handle)
    : conn_(std::move(conn)), handle_(handle) {}

Proxy::~Proxy() {
  if (conn_) conn_->ReleaseImport(this);
}

bool Proxy::IsDead() const {
  if (local_) return false;
  return dead_.load(std::memory_order_acquire) || conn_->dead() ||
         conn_->runtime()->abandoned();
}

int Proxy::Transact(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                    bool one_way, int64_t timeout_ms) const {
  Parcel* d = ParcelOf(data);
  if (local_) {
    // In-process: the handler runs on this thread, in both modes. It sees
    // `data` from position 0; the caller's position is restored after.
    OHIPCParcel scratch;
    OHIPCParcel* r = reply != nullptr ? reply : &scratch;
    const uint32_t saved = d->read_pos();
    d->SetReadPos(0);
    int rc = local_->OnRequest(code, data, r);
    d->SetReadPos(saved);
    return one_way ? OH_IPC_SUCCESS : rc;
  }
  if (IsDead()) return OH_IPC_DEAD_REMOTE_OBJECT;
  return conn_->Transact(handle_, code, *d,
                         reply != nullptr ? ParcelOf(reply) : nullptr, one_way,
                         timeout_ms);
}

int Proxy::GetDescriptor(std::string* out) {
  if (local_) {
    *out = local_->descriptor();
    return OH_IPC_SUCCESS;
  }
  // decisions.md §2.11: a dead remote answers OH_IPC_DEAD_REMOTE_OBJECT,
  // even when the descriptor was cached while it lived.
  if (IsDead()) return OH_IPC_DEAD_REMOTE_OBJECT;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (has_descriptor_) {
      *out = descriptor_;
      return OH_IPC_SUCCESS;
    }
  }
  Parcel empty;
  OHIPCParcel reply;
  int rc = conn_->Transact(handle_, wire::kCodeGetDescriptor, empty,
                           &reply.parcel, /*one_way=*/false, -1);
  if (rc != OH_IPC_SUCCESS) return rc;
  const char* s = reply.parcel.ReadCString();
  if (s == nullptr) return OH_IPC_PARCEL_READ_ERROR;
  std::string value(s);
  if (!IsValidUtf8(value.data(), value.size())) {
    return OH_IPC_PARCEL_READ_ERROR;
  }
  std::lock_guard<std::mutex> l(mu_);
  has_descriptor_ = true;
  descriptor_ = value;
  *out = std::move(value);
  return OH_IPC_SUCCESS;
}

int Proxy::AddDeathRecipient(DeathRecipient* recipient) {
  if (local_) return OH_IPC_INNER_ERROR;
  std::lock_guard<std::mutex> l(mu_);
  if (IsDead()) return OH_IPC_INNER_ERROR;
  recipients_.emplace_back(recipient);
  return OH_IPC_SUCCESS;
}

int Proxy::RemoveDeathRecipient(DeathRecipient* recipient) {
  Ref<DeathRecipient> removed;
  std::lock_guard<std::mutex> l(mu_);
  auto it = std::find_if(recipients_.begin(), recipients_.end(),
                         [recipient](const Ref<DeathRecipient>& r) {
                           return r.get() == recipient;
                         });
  if (it == recipients_.end()) return OH_IPC_INNER_ERROR;
  removed = std::move(*it);
  recipients_.erase(it);
  return OH_IPC_SUCCESS;
  // `removed` is released after the unlock (declared before the guard).
}

void Proxy::MarkDead() {
  if (local_) return;
  std::vector<Ref<DeathRecipient>> fire;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (dead_.exchange(true)) return;
    fire.swap(recipients_);
  }
  Runtime* rt = conn_->runtime();
  if (rt->abandoned()) return;
  if (!fire.empty()) rt->PostDeath(std::move(fire));
  // Processes this proxy was relayed to learn that it is dead too.
  rt->ForEachConnection([this](Connection* c) { c->NotifyExportDead(this); });
}

}  // namespace ncp::ipc
