// Parcels: the byte buffer + object table behind OHIPCParcel.
//
// The layout rules (4-byte small integers, padding, no string length prefix,
// 24-byte object records, the capacity growth rule and the 204,800-byte cap)
// are OpenHarmony's, observable through sizes and positions; they are
// documented in ipc/include/IPCKit/ipc_cparcel.h and ipc_kit.md §2.4.
//
// Invariants:
//   - the write position always equals the data size (writes append; rewinding
//     the write position truncates), so only one of them is stored;
//   - objects_ is sorted by offset, records do not overlap and each lies
//     entirely inside the data. Reads of objects trust only this table, never
//     the record bytes, which hold no pointers or handles.
//
// Not thread-safe, like the API it backs. Errors are OH_IPC_* codes: this
// library is loaded into every child process, so it carries no absl::Status
// (abseil's shared libraries cost milliseconds of dlopen per child).
#ifndef NCP_IPC_PARCEL_H_
#define NCP_IPC_PARCEL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "IPCKit/ipc_cparcel.h"
#include "base/unique_fd.h"
#include "ipc/bridge.h"
#include "ipc/ref_counted.h"

namespace ncp::ipc {

// What parcels carry besides bytes: a stub (Stub) or a proxy (Proxy), both
// defined in object.h.
class RemoteObject : public RefCounted {
 public:
  enum class Type { kStub, kProxy };
  virtual Type type() const = 0;
};

struct ParcelObject {
  uint32_t offset = 0;
  UniqueFd fd;               // a file descriptor object, or
  Ref<RemoteObject> object;  // a remote object
};

inline constexpr uint32_t kMaxParcelCapacity = 204800;
inline constexpr uint32_t kObjectRecordBytes = 24;
// SCM_RIGHTS carries at most 253 fds per message; one is kept for the body
// memfd (wire.h). A parcel refuses more so that every parcel can be sent.
inline constexpr uint32_t kMaxParcelFds = 252;

// The capacity the growth rule gives for `needed` bytes, or 0 if `needed`
// exceeds the cap.
uint32_t GrownCapacity(uint64_t needed);

// Data blocks of parcels. A block for kLargeParcelBlock bytes or more is
// always kMaxParcelCapacity bytes, and a few freed ones are kept for reuse:
// glibc hands blocks this large back to the kernel when they are freed (its
// mmap threshold and heap trimming), so every large parcel would otherwise
// fault in ~50 fresh zeroed pages, which costs more than copying its bytes.
// Lock-free (safe in the child of a fork). `*alloc` / `alloc`: the block's
// real size.
inline constexpr uint32_t kLargeParcelBlock = 64 * 1024;
uint8_t* AllocParcelBlock(uint32_t size, uint32_t* alloc);
void FreeParcelBlock(uint8_t* block, uint32_t alloc);
// The block for received data of `data_size` bytes (the growth rule's
// capacity for it), or none (NULL, *alloc 0) for no data.
uint8_t* AllocReceivedData(uint32_t data_size, uint32_t* alloc);

class Parcel {
 public:
  Parcel() = default;
  ~Parcel();
  Parcel(const Parcel&) = delete;
  Parcel& operator=(const Parcel&) = delete;

  uint32_t data_size() const { return size_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t read_pos() const { return read_pos_; }
  uint32_t readable() const {
    return size_ > read_pos_ ? size_ - read_pos_ : 0;
  }
  uint32_t writable() const {
    return capacity_ > size_ ? capacity_ - size_ : 0;
  }
  const uint8_t* data() const { return buf_; }
  const std::vector<ParcelObject>& objects() const { return objects_; }
  int fd_count() const { return fd_count_; }

  // Appends `len` bytes from `p` (may be NULL for zeros) followed by zero
  // padding up to a multiple of 4. All or nothing: OH_IPC_PARCEL_WRITE_ERROR
  // if the capacity would be exceeded.
  int WritePadded(const void* p, size_t len);
  // Appends an object record for `object` (an fd or a remote object).
  int WriteObject(ParcelObject object);

  // Copies `len` bytes at the read position to `out` and advances by
  // `advance` (>= len). False, with nothing moved, if fewer than `len` bytes
  // are readable.
  bool Read(void* out, uint32_t len, uint32_t advance) const;
  // Pointer to `len` readable bytes, advancing exactly `len`; NULL if fewer.
  const uint8_t* ReadRaw(uint32_t len) const;
  // NUL-terminated string at the read position (advancing past it and its
  // padding, clamped to the data size); NULL if there is no NUL.
  const char* ReadCString() const;
  // The object whose record starts at the read position (advancing past the
  // record), or NULL.
  const ParcelObject* ReadObject() const;

  int RewindRead(uint32_t pos) const;
  int RewindWrite(uint32_t pos);
  void SetReadPos(uint32_t pos) const { read_pos_ = pos; }

  // Appends all of `other` (bytes and objects, rebased); see
  // OH_IPCParcel_Append.
  int Append(const Parcel& other);

  // Replaces the whole content with received bytes and objects (already
  // validated: sorted, in range). Takes ownership of `buf`, a block from
  // AllocParcelBlock (or malloc) of at least `size` bytes and exactly `alloc`
  // bytes.
  void Adopt(uint8_t* buf, uint32_t alloc, uint32_t size,
             std::vector<ParcelObject> objects);
  // Whether AssignReceived can keep this parcel's own block for `size`
  // received bytes (a small block at least as large as Adopt would get).
  bool FitsReceived(uint32_t size) const;
  // Replaces the whole content with a copy of `size` received bytes and no
  // objects: the state Adopt() of a block holding them gives. In this
  // parcel's own block when FitsReceived(size), else in `block` (from
  // AllocReceivedData, `alloc` bytes), which it takes.
  void AssignReceived(const uint8_t* data, uint32_t size, uint8_t* block,
                      uint32_t alloc);
  // Moves the content of `other` into this parcel (this one's is dropped).
  void MoveFrom(Parcel& other);
  void Clear();

 private:
  bool Reserve(uint64_t needed);

  uint8_t* buf_ = nullptr;
  uint32_t alloc_ = 0;
  uint32_t capacity_ = 0;
  uint32_t size_ = 0;
  mutable uint32_t read_pos_ = 0;
  int fd_count_ = 0;
  std::vector<ParcelObject> objects_;
};

// The bridge table of this library (bridge_impl.cc).
extern const Bridge g_bridge;

}  // namespace ncp::ipc

// The opaque public handle. Starts with the bridge carrier (bridge.h), whose
// magic number also tells a parcel from the other handle types: every handle
// starts with a distinct 32-bit magic number, so checking the first word is
// always in bounds.
struct OHIPCParcel {
  ncp::ipc::BridgeCarrier carrier{ncp::ipc::kBridgeMagic, &ncp::ipc::g_bridge};
  ncp::ipc::Parcel parcel;
};

namespace ncp::ipc {

// The parcel behind a public handle, or NULL if `p` is NULL or not a parcel.
inline Parcel* ParcelOf(const OHIPCParcel* p) {
  if (p == nullptr || p->carrier.magic != kBridgeMagic) return nullptr;
  return const_cast<Parcel*>(&p->parcel);
}

}  // namespace ncp::ipc

#endif  // NCP_IPC_PARCEL_H_
