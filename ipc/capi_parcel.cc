// OH_IPCParcel_*: argument checks and the OpenHarmony layout rules on top of
// ipc::Parcel.
#include <fcntl.h>

#include <cstring>
#include <new>
#include <string>

#include "IPCKit/ipc_cparcel.h"
#include "ipc/export.h"
#include "ipc/object.h"
#include "ipc/parcel.h"
#include "ipc/utf.h"

using ncp::UniqueFd;
using ncp::ipc::Parcel;
using ncp::ipc::ParcelObject;
using ncp::ipc::ParcelOf;
using ncp::ipc::Proxy;
using ncp::ipc::ProxyOf;
using ncp::ipc::Ref;
using ncp::ipc::RemoteObject;
using ncp::ipc::Stub;
using ncp::ipc::StubOf;

namespace {

constexpr int32_t kTokenStrictModePolicy = 0x100;
constexpr int32_t kTokenWorkSource = 0;
constexpr size_t kMaxTokenLength = 204800;

template <typename Wide, typename T>
int WriteWidened(OHIPCParcel* parcel, T value) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  Wide wide = static_cast<Wide>(value);
  return p->WritePadded(&wide, sizeof(wide));
}

template <typename Wide, typename T>
int ReadNarrowed(const OHIPCParcel* parcel, T* value) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || value == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  Wide wide;
  if (!p->Read(&wide, sizeof(wide), sizeof(wide))) {
    return OH_IPC_PARCEL_READ_ERROR;
  }
  *value = static_cast<T>(wide);
  return OH_IPC_SUCCESS;
}

template <typename T>
int WriteExact(OHIPCParcel* parcel, T value) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  return p->WritePadded(&value, sizeof(value));
}

template <typename T>
int ReadExact(const OHIPCParcel* parcel, T* value) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || value == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  T v;
  if (!p->Read(&v, sizeof(v), sizeof(v))) return OH_IPC_PARCEL_READ_ERROR;
  *value = v;
  return OH_IPC_SUCCESS;
}

int WriteRemoteObject(OHIPCParcel* parcel, RemoteObject* object) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || object == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  ParcelObject o;
  o.object = Ref<RemoteObject>(object);
  return p->WriteObject(std::move(o));
}

}  // namespace

NCP_IPC_EXPORT OHIPCParcel* OH_IPCParcel_Create(void) {
  return new (std::nothrow) OHIPCParcel();
}

NCP_IPC_EXPORT void OH_IPCParcel_Destroy(OHIPCParcel* parcel) {
  if (ParcelOf(parcel) == nullptr) return;
  parcel->carrier.magic = 0;
  delete parcel;
}

NCP_IPC_EXPORT int OH_IPCParcel_GetDataSize(const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  return p == nullptr ? -1 : static_cast<int>(p->data_size());
}

NCP_IPC_EXPORT int OH_IPCParcel_GetWritableBytes(const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  return p == nullptr ? -1 : static_cast<int>(p->writable());
}

NCP_IPC_EXPORT int OH_IPCParcel_GetReadableBytes(const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  return p == nullptr ? -1 : static_cast<int>(p->readable());
}

NCP_IPC_EXPORT int OH_IPCParcel_GetReadPosition(const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  return p == nullptr ? -1 : static_cast<int>(p->read_pos());
}

NCP_IPC_EXPORT int OH_IPCParcel_GetWritePosition(const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  return p == nullptr ? -1 : static_cast<int>(p->data_size());
}

NCP_IPC_EXPORT int OH_IPCParcel_RewindReadPosition(OHIPCParcel* parcel,
                                                   uint32_t newReadPos) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  return p->RewindRead(newReadPos);
}

NCP_IPC_EXPORT int OH_IPCParcel_RewindWritePosition(OHIPCParcel* parcel,
                                                    uint32_t newWritePos) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  return p->RewindWrite(newWritePos);
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteInt8(OHIPCParcel* parcel, int8_t value) {
  return WriteWidened<int32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadInt8(const OHIPCParcel* parcel,
                                         int8_t* value) {
  return ReadNarrowed<int32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteInt16(OHIPCParcel* parcel, int16_t value) {
  return WriteWidened<int32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadInt16(const OHIPCParcel* parcel,
                                          int16_t* value) {
  return ReadNarrowed<int32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteInt32(OHIPCParcel* parcel, int32_t value) {
  return WriteExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadInt32(const OHIPCParcel* parcel,
                                          int32_t* value) {
  return ReadExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteInt64(OHIPCParcel* parcel, int64_t value) {
  return WriteExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadInt64(const OHIPCParcel* parcel,
                                          int64_t* value) {
  return ReadExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteUint8(OHIPCParcel* parcel, uint8_t value) {
  return WriteWidened<uint32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadUint8(const OHIPCParcel* parcel,
                                          uint8_t* value) {
  return ReadNarrowed<uint32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteUint16(OHIPCParcel* parcel,
                                            uint16_t value) {
  return WriteWidened<uint32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadUint16(const OHIPCParcel* parcel,
                                           uint16_t* value) {
  return ReadNarrowed<uint32_t>(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteUint32(OHIPCParcel* parcel,
                                            uint32_t value) {
  return WriteExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadUint32(const OHIPCParcel* parcel,
                                           uint32_t* value) {
  return ReadExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteUint64(OHIPCParcel* parcel,
                                            uint64_t value) {
  return WriteExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadUint64(const OHIPCParcel* parcel,
                                           uint64_t* value) {
  return ReadExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteFloat(OHIPCParcel* parcel, float value) {
  return WriteExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadFloat(const OHIPCParcel* parcel,
                                          float* value) {
  return ReadExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_WriteDouble(OHIPCParcel* parcel, double value) {
  return WriteExact(parcel, value);
}
NCP_IPC_EXPORT int OH_IPCParcel_ReadDouble(const OHIPCParcel* parcel,
                                           double* value) {
  return ReadExact(parcel, value);
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteString(OHIPCParcel* parcel,
                                            const char* str) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || str == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  return p->WritePadded(str, std::strlen(str) + 1);
}

NCP_IPC_EXPORT const char* OH_IPCParcel_ReadString(const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  return p == nullptr ? nullptr : p->ReadCString();
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteBuffer(OHIPCParcel* parcel,
                                            const uint8_t* buffer,
                                            int32_t len) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || buffer == nullptr || len <= 0) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  return p->WritePadded(buffer, static_cast<size_t>(len));
}

NCP_IPC_EXPORT const uint8_t* OH_IPCParcel_ReadBuffer(const OHIPCParcel* parcel,
                                                      int32_t len) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || len <= 0) return nullptr;
  return p->ReadRaw(static_cast<uint32_t>(len));
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteRemoteStub(OHIPCParcel* parcel,
                                                const OHIPCRemoteStub* stub) {
  return WriteRemoteObject(parcel, StubOf(stub));
}

NCP_IPC_EXPORT OHIPCRemoteStub* OH_IPCParcel_ReadRemoteStub(
    const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return nullptr;
  const uint32_t pos = p->read_pos();
  const ParcelObject* o = p->ReadObject();
  RemoteObject* obj = o != nullptr ? o->object.get() : nullptr;
  Stub* stub = nullptr;
  if (obj != nullptr) {
    if (obj->type() == RemoteObject::Type::kStub) {
      stub = static_cast<Stub*>(obj);
    } else if (static_cast<Proxy*>(obj)->is_local()) {
      stub = static_cast<Proxy*>(obj)->local_stub();
    }
  }
  OHIPCRemoteStub* handle =
      stub != nullptr ? new (std::nothrow) OHIPCRemoteStub() : nullptr;
  if (handle == nullptr) {
    p->SetReadPos(pos);
    return nullptr;
  }
  handle->stub = Ref<Stub>(stub);
  return handle;
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteRemoteProxy(
    OHIPCParcel* parcel, const OHIPCRemoteProxy* proxy) {
  return WriteRemoteObject(parcel, ProxyOf(proxy));
}

NCP_IPC_EXPORT OHIPCRemoteProxy* OH_IPCParcel_ReadRemoteProxy(
    const OHIPCParcel* parcel) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return nullptr;
  const uint32_t pos = p->read_pos();
  const ParcelObject* o = p->ReadObject();
  RemoteObject* obj = o != nullptr ? o->object.get() : nullptr;
  if (obj == nullptr) {
    p->SetReadPos(pos);
    return nullptr;
  }
  OHIPCRemoteProxy* handle = new (std::nothrow) OHIPCRemoteProxy();
  if (handle == nullptr) {
    p->SetReadPos(pos);
    return nullptr;
  }
  if (obj->type() == RemoteObject::Type::kProxy) {
    handle->proxy = Ref<Proxy>(static_cast<Proxy*>(obj));
  } else {
    // A stub of this process read as a proxy: requests run it inline.
    Proxy* local = new (std::nothrow) Proxy(Ref<Stub>(static_cast<Stub*>(obj)));
    if (local == nullptr) {
      delete handle;
      p->SetReadPos(pos);
      return nullptr;
    }
    handle->proxy = Ref<Proxy>::Adopt(local);
  }
  return handle;
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteFileDescriptor(OHIPCParcel* parcel,
                                                    int32_t fd) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  if (fd < 0) return OH_IPC_PARCEL_WRITE_ERROR;
  ParcelObject o;
  o.fd.Reset(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!o.fd.valid()) return OH_IPC_PARCEL_WRITE_ERROR;
  return p->WriteObject(std::move(o));
}

NCP_IPC_EXPORT int OH_IPCParcel_ReadFileDescriptor(const OHIPCParcel* parcel,
                                                   int32_t* fd) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || fd == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  const uint32_t pos = p->read_pos();
  const ParcelObject* o = p->ReadObject();
  if (o == nullptr || !o->fd.valid()) {
    p->SetReadPos(pos);
    return OH_IPC_PARCEL_READ_ERROR;
  }
  int dup = fcntl(o->fd.get(), F_DUPFD_CLOEXEC, 0);
  if (dup < 0) {
    p->SetReadPos(pos);
    return OH_IPC_PARCEL_READ_ERROR;
  }
  *fd = dup;
  return OH_IPC_SUCCESS;
}

NCP_IPC_EXPORT int OH_IPCParcel_Append(OHIPCParcel* parcel,
                                       const OHIPCParcel* data) {
  Parcel* p = ParcelOf(parcel);
  Parcel* d = ParcelOf(data);
  if (p == nullptr || d == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  if (p == d) {
    // Appending a parcel to itself: copy it first.
    OHIPCParcel copy;
    int rc = copy.parcel.Append(*d);
    if (rc != OH_IPC_SUCCESS) return rc;
    return p->Append(copy.parcel);
  }
  return p->Append(*d);
}

NCP_IPC_EXPORT int OH_IPCParcel_WriteInterfaceToken(OHIPCParcel* parcel,
                                                    const char* token) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || token == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  const size_t len = strnlen(token, kMaxTokenLength + 1);
  if (len == 0 || len > kMaxTokenLength) return OH_IPC_CHECK_PARAM_ERROR;
  std::u16string units;
  if (!ncp::ipc::Utf8ToUtf16(token, len, &units)) {
    return OH_IPC_PARCEL_WRITE_ERROR;
  }
  // Build the whole token first: it is appended all or nothing.
  const int32_t count = static_cast<int32_t>(units.size());
  std::string bytes;
  bytes.append(reinterpret_cast<const char*>(&kTokenStrictModePolicy), 4);
  bytes.append(reinterpret_cast<const char*>(&kTokenWorkSource), 4);
  bytes.append(reinterpret_cast<const char*>(&count), 4);
  bytes.append(reinterpret_cast<const char*>(units.c_str()),
               (units.size() + 1) * sizeof(char16_t));
  return p->WritePadded(bytes.data(), bytes.size());
}

NCP_IPC_EXPORT int OH_IPCParcel_ReadInterfaceToken(
    const OHIPCParcel* parcel, char** token, int32_t* len,
    OH_IPC_MemAllocator allocator) {
  Parcel* p = ParcelOf(parcel);
  if (p == nullptr || token == nullptr || len == nullptr ||
      allocator == nullptr) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  const uint32_t start = p->read_pos();
  std::string utf8;
  int32_t header[2];
  // Like OpenHarmony: a missing policy/work-source pair or string reads as
  // "" (success). A present string is consumed with its padding.
  if (p->Read(header, sizeof(header), sizeof(header))) {
    int32_t count;
    const uint32_t string_start = p->read_pos();
    if (p->Read(&count, 4, 4) && count >= 0 &&
        (uint64_t{static_cast<uint32_t>(count)} + 1) * 2 <= p->readable()) {
      const uint32_t bytes = (static_cast<uint32_t>(count) + 1) * 2;
      const uint8_t* raw = p->ReadRaw(bytes);
      std::u16string units(static_cast<size_t>(count), u'\0');
      std::memcpy(&units[0], raw, static_cast<size_t>(count) * 2);
      const uint32_t padded = (bytes + 3) & ~3u;
      p->SetReadPos(std::min(p->data_size(), p->read_pos() + (padded - bytes)));
      if (!ncp::ipc::Utf16ToUtf8(units.data(), units.size(), &utf8)) {
        p->SetReadPos(start);
        return OH_IPC_PARCEL_READ_ERROR;
      }
    } else {
      p->SetReadPos(string_start);
    }
  }
  const int32_t size = static_cast<int32_t>(utf8.size() + 1);
  void* block = allocator(size);
  if (block == nullptr) {
    *token = nullptr;
    p->SetReadPos(start);
    return OH_IPC_MEM_ALLOCATOR_ERROR;
  }
  *token = static_cast<char*>(block);
  std::memcpy(block, utf8.c_str(), utf8.size() + 1);
  *len = size;
  return OH_IPC_SUCCESS;
}
