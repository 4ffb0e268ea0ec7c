// OH_IPCRemoteStub_*, OH_IPCRemoteProxy_*, OH_IPCDeathRecipient_*: argument
// checks in the documented order, then the object model (object.h).
#include <cstring>
#include <new>
#include <string>

#include "IPCKit/ipc_cremote_object.h"
#include "ipc/export.h"
#include "ipc/object.h"
#include "ipc/utf.h"
#include "ipc/wire.h"

using ncp::ipc::DeathRecipient;
using ncp::ipc::ParcelOf;
using ncp::ipc::Proxy;
using ncp::ipc::ProxyOf;
using ncp::ipc::RecipientOf;
using ncp::ipc::Ref;
using ncp::ipc::Stub;

namespace {
constexpr size_t kMaxDescriptorLength = 204800;
}  // namespace

NCP_IPC_EXPORT OHIPCRemoteStub* OH_IPCRemoteStub_Create(
    const char* descriptor, OH_OnRemoteRequestCallback requestCallback,
    OH_OnRemoteDestroyCallback destroyCallback, void* userData) {
  if (descriptor == nullptr || requestCallback == nullptr) return nullptr;
  const size_t len = strnlen(descriptor, kMaxDescriptorLength + 1);
  if (len == 0 || len > kMaxDescriptorLength ||
      !ncp::ipc::IsValidUtf8(descriptor, len)) {
    return nullptr;
  }
  OHIPCRemoteStub* handle = new (std::nothrow) OHIPCRemoteStub();
  if (handle == nullptr) return nullptr;
  Stub* stub = new (std::nothrow) Stub(
      std::string(descriptor, len), requestCallback, destroyCallback, userData);
  if (stub == nullptr) {
    delete handle;
    return nullptr;
  }
  handle->stub = Ref<Stub>::Adopt(stub);
  return handle;
}

NCP_IPC_EXPORT void OH_IPCRemoteStub_Destroy(OHIPCRemoteStub* stub) {
  if (ncp::ipc::StubOf(stub) == nullptr) return;
  stub->magic = 0;
  delete stub;  // drops the reference; may run the destroy callback
}

NCP_IPC_EXPORT void OH_IPCRemoteProxy_Destroy(OHIPCRemoteProxy* proxy) {
  if (ProxyOf(proxy) == nullptr) return;
  proxy->magic = 0;
  delete proxy;
}

NCP_IPC_EXPORT int OH_IPCRemoteProxy_SendRequest(
    const OHIPCRemoteProxy* proxy, uint32_t code, const OHIPCParcel* data,
    OHIPCParcel* reply, const OH_IPC_MessageOption* option) {
  Proxy* p = ProxyOf(proxy);
  if (p == nullptr || ParcelOf(data) == nullptr ||
      (option != nullptr && option->reserved != nullptr)) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  if (code == 0 || code > ncp::ipc::wire::kMaxUserCode) {
    return OH_IPC_CODE_OUT_OF_RANGE;
  }
  const bool one_way =
      option != nullptr && option->mode == OH_IPC_REQUEST_MODE_ASYNC;
  if (reply != nullptr && ParcelOf(reply) == nullptr) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  if (reply == nullptr && !one_way) return OH_IPC_CHECK_PARAM_ERROR;
  const int64_t timeout_ms = (option != nullptr && option->timeout != 0)
                                 ? int64_t{option->timeout} * 1000
                                 : -1;
  return p->Transact(code, data, reply, one_way, timeout_ms);
}

NCP_IPC_EXPORT int OH_IPCRemoteProxy_GetInterfaceDescriptor(
    OHIPCRemoteProxy* proxy, char** descriptor, int32_t* len,
    OH_IPC_MemAllocator allocator) {
  Proxy* p = ProxyOf(proxy);
  if (p == nullptr || descriptor == nullptr || len == nullptr ||
      allocator == nullptr) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  std::string value;
  int rc = p->GetDescriptor(&value);
  if (rc != OH_IPC_SUCCESS) return rc;
  const int32_t size = static_cast<int32_t>(value.size() + 1);
  void* block = allocator(size);
  if (block == nullptr) {
    *descriptor = nullptr;
    return OH_IPC_MEM_ALLOCATOR_ERROR;
  }
  *descriptor = static_cast<char*>(block);
  std::memcpy(block, value.c_str(), value.size() + 1);
  *len = size;
  return OH_IPC_SUCCESS;
}

NCP_IPC_EXPORT OHIPCDeathRecipient* OH_IPCDeathRecipient_Create(
    OH_OnDeathRecipientCallback deathRecipientCallback,
    OH_OnDeathRecipientDestroyCallback destroyCallback, void* userData) {
  if (deathRecipientCallback == nullptr) return nullptr;
  OHIPCDeathRecipient* handle = new (std::nothrow) OHIPCDeathRecipient();
  if (handle == nullptr) return nullptr;
  DeathRecipient* r = new (std::nothrow)
      DeathRecipient(deathRecipientCallback, destroyCallback, userData);
  if (r == nullptr) {
    delete handle;
    return nullptr;
  }
  handle->recipient = Ref<DeathRecipient>::Adopt(r);
  return handle;
}

NCP_IPC_EXPORT void OH_IPCDeathRecipient_Destroy(
    OHIPCDeathRecipient* recipient) {
  if (RecipientOf(recipient) == nullptr) return;
  recipient->magic = 0;
  delete recipient;
}

NCP_IPC_EXPORT int OH_IPCRemoteProxy_AddDeathRecipient(
    OHIPCRemoteProxy* proxy, OHIPCDeathRecipient* recipient) {
  Proxy* p = ProxyOf(proxy);
  DeathRecipient* r = RecipientOf(recipient);
  if (p == nullptr || r == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  return p->AddDeathRecipient(r);
}

NCP_IPC_EXPORT int OH_IPCRemoteProxy_RemoveDeathRecipient(
    OHIPCRemoteProxy* proxy, OHIPCDeathRecipient* recipient) {
  Proxy* p = ProxyOf(proxy);
  DeathRecipient* r = RecipientOf(recipient);
  if (p == nullptr || r == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  return p->RemoveDeathRecipient(r);
}

NCP_IPC_EXPORT int OH_IPCRemoteProxy_IsRemoteDead(
    const OHIPCRemoteProxy* proxy) {
  Proxy* p = ProxyOf(proxy);
  return (p == nullptr || p->IsDead()) ? 1 : 0;
}
