// libFuzzer target over the wire decoder and the parcel readers.
//
// Input layout:
//   byte 0        number of fds "attached" to the datagram (mod 4)
//   bytes 1-2     datagram length n (little endian)
//   n bytes       the datagram (header + inline body)
//   [body_size]   the memfd body, if the header says kFlagBodyInMemfd
//   rest          parcel operations run on the decoded parcel
//
// A message that validates is turned into a parcel the way the runtime
// does (fds become /dev/null duplicates, sender handles local proxies,
// receiver handles a local stub), then the operations read, rewind, append
// and write through the public C API. Build and run: ipc/fuzz/run_fuzzer.sh.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "ipc/object.h"
#include "ipc/parcel.h"
#include "ipc/wire.h"

namespace {

using ncp::ipc::ParcelObject;
using ncp::ipc::Proxy;
using ncp::ipc::Ref;
using ncp::ipc::RemoteObject;
using ncp::ipc::Stub;
namespace wire = ncp::ipc::wire;

int Handler(uint32_t, const OHIPCParcel* data, OHIPCParcel* reply, void*) {
  return OH_IPCParcel_Append(reply, data);
}

void* Alloc(int32_t len) { return malloc(len); }
void* NoAlloc(int32_t) { return nullptr; }

int DevNull() {
  static int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd;
}

OHIPCRemoteStub* TheStub() {
  static OHIPCRemoteStub* stub =
      OH_IPCRemoteStub_Create("ncp.fuzz", Handler, nullptr, nullptr);
  return stub;
}

// Mirrors Connection::BuildIncoming without a connection.
bool BuildParcel(const wire::WireHeader& h, const wire::MessageLayout& layout,
                 OHIPCParcel* out) {
  std::vector<ParcelObject> objects(h.object_count);
  for (uint32_t i = 0; i < h.object_count; ++i) {
    wire::WireObject o = wire::ObjectAt(layout, i);
    objects[i].offset = o.offset;
    switch (o.kind) {
      case wire::kObjectFd:
        objects[i].fd.Reset(fcntl(DevNull(), F_DUPFD_CLOEXEC, 0));
        if (!objects[i].fd.valid()) return false;
        break;
      case wire::kObjectSenderHandle:
        objects[i].object = Ref<RemoteObject>::Adopt(
            new Proxy(Ref<Stub>(ncp::ipc::StubOf(TheStub()))));
        break;
      default:
        objects[i].object = Ref<RemoteObject>(ncp::ipc::StubOf(TheStub()));
        break;
    }
  }
  // As the runtime: no block (and no capacity) for an empty data part.
  uint32_t alloc;
  uint8_t* data = ncp::ipc::AllocReceivedData(h.data_size, &alloc);
  if (data != nullptr) memcpy(data, layout.data, h.data_size);
  out->parcel.Adopt(data, alloc, h.data_size, std::move(objects));
  return true;
}

// At most this many operations per input: appends copy up to 200 KB each,
// and long sequences only slow the search down.
constexpr size_t kMaxOps = 48;

void RunOps(OHIPCParcel* p, const uint8_t* ops, size_t n) {
  if (n > kMaxOps) n = kMaxOps;
  OHIPCParcel* other = OH_IPCParcel_Create();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t op = ops[i];
    const uint8_t arg = i + 1 < n ? ops[i + 1] : 0;
    switch (op % 24) {
      case 0: {
        int8_t v;
        OH_IPCParcel_ReadInt8(p, &v);
        break;
      }
      case 1: {
        int16_t v;
        OH_IPCParcel_ReadInt16(p, &v);
        break;
      }
      case 2: {
        int32_t v;
        OH_IPCParcel_ReadInt32(p, &v);
        break;
      }
      case 3: {
        int64_t v;
        OH_IPCParcel_ReadInt64(p, &v);
        break;
      }
      case 4: {
        uint8_t v;
        OH_IPCParcel_ReadUint8(p, &v);
        break;
      }
      case 5: {
        uint64_t v;
        OH_IPCParcel_ReadUint64(p, &v);
        break;
      }
      case 6: {
        double v;
        OH_IPCParcel_ReadDouble(p, &v);
        break;
      }
      case 7: {
        const char* s = OH_IPCParcel_ReadString(p);
        if (s != nullptr) (void)strlen(s);
        break;
      }
      case 8: {
        const uint8_t* b = OH_IPCParcel_ReadBuffer(p, arg);
        if (b != nullptr && arg > 0) (void)b[arg - 1];
        ++i;
        break;
      }
      case 9: {
        char* t = nullptr;
        int32_t len = 0;
        OH_IPCParcel_ReadInterfaceToken(p, &t, &len,
                                        (arg & 1) ? Alloc : NoAlloc);
        // A token may contain U+0000; the block is NUL-terminated and
        // `len` counts all of it.
        if (t != nullptr && (len < 1 || t[len - 1] != '\0' ||
                             strlen(t) + 1 > static_cast<size_t>(len))) {
          abort();
        }
        free(t);
        break;
      }
      case 10: {
        int32_t fd = -1;
        if (OH_IPCParcel_ReadFileDescriptor(p, &fd) == 0) close(fd);
        break;
      }
      case 11:
        OH_IPCRemoteProxy_Destroy(OH_IPCParcel_ReadRemoteProxy(p));
        break;
      case 12:
        OH_IPCRemoteStub_Destroy(OH_IPCParcel_ReadRemoteStub(p));
        break;
      case 13:
        OH_IPCParcel_RewindReadPosition(p, arg * 4);
        ++i;
        break;
      case 14:
        OH_IPCParcel_RewindWritePosition(p, arg * 4);
        ++i;
        break;
      case 15:
        OH_IPCParcel_Append(other, p);
        break;
      case 16:
        OH_IPCParcel_Append(p, p);
        break;
      case 17:
        OH_IPCParcel_WriteInt32(p, arg);
        break;
      case 18:
        OH_IPCParcel_WriteString(p, "fuzz");
        break;
      case 19:
        OH_IPCParcel_WriteInterfaceToken(p, "tok\xC3\xA9");
        break;
      case 20:
        OH_IPCParcel_WriteFileDescriptor(p, DevNull());
        break;
      case 21:
        OH_IPCParcel_WriteRemoteStub(p, TheStub());
        break;
      case 22: {
        uint8_t buf[256] = {};
        OH_IPCParcel_WriteBuffer(p, buf, arg);
        ++i;
        break;
      }
      case 23:
        OH_IPCParcel_RewindReadPosition(p, 0);
        break;
    }
    // Invariants visible through the API.
    const int size = OH_IPCParcel_GetDataSize(p);
    const int pos = OH_IPCParcel_GetReadPosition(p);
    if (size < 0 || size > 204800 || pos < 0 ||
        OH_IPCParcel_GetReadableBytes(p) < 0 ||
        OH_IPCParcel_GetWritePosition(p) != size) {
      abort();
    }
  }
  OH_IPCParcel_Destroy(other);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint32_t fd_count = data[0] % 4;
  size_t n = data[1] | (size_t{data[2]} << 8);
  data += 3;
  size -= 3;
  if (n > size) n = size;
  wire::WireHeader h;
  wire::MessageLayout layout;
  const uint8_t* ops = data + n;
  size_t ops_len = size - n;
  size_t message_offset = 0;
  if (wire::ValidateFirstDatagram(data, n, fd_count, &h, &message_offset) &&
      message_offset != 0) {
    // A first datagram whose HELLO carries the first message (ReadOne in
    // runtime.cc): the message follows.
    data += message_offset;
    n -= message_offset;
  }
  if (!wire::ValidateMessage(data, n, fd_count, &h, &layout)) {
    // Still exercise the readers on an empty parcel.
    OHIPCParcel* p = OH_IPCParcel_Create();
    RunOps(p, ops, ops_len);
    OH_IPCParcel_Destroy(p);
    return 0;
  }
  if (h.type != wire::kRequest && h.type != wire::kReply) return 0;
  if (layout.body_in_ring) {
    // The ring body as the receiver would copy it out.
    if (!wire::ValidRingPosition(0, layout.ring_pos, h.body_size)) return 0;
    if (ops_len < h.body_size) return 0;
    const size_t table_len = size_t{h.object_count} * sizeof(wire::WireObject);
    if (!wire::ValidateBodyParts(h, ops, table_len, ops + table_len,
                                 h.body_size - table_len, &layout)) {
      return 0;
    }
    ops += h.body_size;
    ops_len -= h.body_size;
  } else if (layout.body_in_memfd) {
    if (ops_len < h.body_size) return 0;
    if (!wire::ValidateBody(h, ops, h.body_size, &layout)) return 0;
    ops += h.body_size;
    ops_len -= h.body_size;
  }
  OHIPCParcel* p = OH_IPCParcel_Create();
  if (BuildParcel(h, layout, p)) RunOps(p, ops, ops_len);
  OH_IPCParcel_Destroy(p);
  return 0;
}
