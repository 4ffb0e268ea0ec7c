#include "ipc/parcel.h"

#include <fcntl.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace ncp::ipc {

uint32_t GrownCapacity(uint64_t needed) {
  if (needed > kMaxParcelCapacity) return 0;
  if (needed < 4096) {
    uint32_t c = 64;
    while (c < needed) c *= 2;
    return c;
  }
  if (needed == 4096) return 4096;
  uint64_t c = (needed / 4096) * 4096 + 4096;
  return c > kMaxParcelCapacity ? kMaxParcelCapacity : static_cast<uint32_t>(c);
}

namespace {

// Freed large blocks, each kMaxParcelCapacity bytes: enough for a round trip
// (request and reply) on each side of a connection, and for a second caller.
constexpr int kCachedLargeBlocks = 4;
std::atomic<uint8_t*> g_large_blocks[kCachedLargeBlocks];

}  // namespace

uint8_t* AllocParcelBlock(uint32_t size, uint32_t* alloc) {
  if (size < kLargeParcelBlock) {
    *alloc = size;
    return static_cast<uint8_t*>(std::malloc(size));
  }
  *alloc = kMaxParcelCapacity;
  for (std::atomic<uint8_t*>& slot : g_large_blocks) {
    if (slot.load(std::memory_order_relaxed) == nullptr) continue;
    if (uint8_t* block = slot.exchange(nullptr, std::memory_order_acquire)) {
      return block;
    }
  }
  return static_cast<uint8_t*>(std::malloc(kMaxParcelCapacity));
}

void FreeParcelBlock(uint8_t* block, uint32_t alloc) {
  if (block == nullptr) return;
  if (alloc == kMaxParcelCapacity) {
    for (std::atomic<uint8_t*>& slot : g_large_blocks) {
      uint8_t* empty = nullptr;
      if (slot.compare_exchange_strong(empty, block, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
  }
  std::free(block);
}

uint8_t* AllocReceivedData(uint32_t data_size, uint32_t* alloc) {
  *alloc = 0;
  return data_size > 0 ? AllocParcelBlock(GrownCapacity(data_size), alloc)
                       : nullptr;
}

Parcel::~Parcel() { FreeParcelBlock(buf_, alloc_); }

bool Parcel::Reserve(uint64_t needed) {
  if (needed <= capacity_) return true;
  uint32_t cap = GrownCapacity(needed);
  if (cap == 0) return false;
  if (cap > alloc_ && cap < kLargeParcelBlock) {
    void* p = std::realloc(buf_, cap);
    if (p == nullptr) return false;
    buf_ = static_cast<uint8_t*>(p);
    alloc_ = cap;
  } else if (cap > alloc_) {
    uint32_t alloc = 0;
    uint8_t* p = AllocParcelBlock(cap, &alloc);
    if (p == nullptr) return false;
    if (size_ > 0) std::memcpy(p, buf_, size_);
    FreeParcelBlock(buf_, alloc_);
    buf_ = p;
    alloc_ = alloc;
  }
  capacity_ = cap;
  return true;
}

int Parcel::WritePadded(const void* p, size_t len) {
  const uint64_t padded = (uint64_t{len} + 3) & ~uint64_t{3};
  if (!Reserve(uint64_t{size_} + padded)) return OH_IPC_PARCEL_WRITE_ERROR;
  uint8_t* dst = buf_ + size_;
  if (p != nullptr) {
    std::memcpy(dst, p, len);
  } else {
    std::memset(dst, 0, len);
  }
  std::memset(dst + len, 0, padded - len);
  size_ += static_cast<uint32_t>(padded);
  return OH_IPC_SUCCESS;
}

int Parcel::WriteObject(ParcelObject object) {
  const bool is_fd = object.fd.valid();
  if (is_fd && fd_count_ >= static_cast<int>(kMaxParcelFds)) {
    return OH_IPC_PARCEL_WRITE_ERROR;
  }
  // The record says what kind of object it is and nothing else: receivers
  // and readers trust only the object table.
  uint32_t record[kObjectRecordBytes / 4] = {};
  record[0] = is_fd ? 1 : 2;
  const uint32_t offset = size_;
  int rc = WritePadded(record, sizeof(record));
  if (rc != OH_IPC_SUCCESS) return rc;
  object.offset = offset;
  objects_.push_back(std::move(object));
  if (is_fd) ++fd_count_;
  return OH_IPC_SUCCESS;
}

bool Parcel::Read(void* out, uint32_t len, uint32_t advance) const {
  if (readable() < len) return false;
  std::memcpy(out, buf_ + read_pos_, len);
  uint64_t next = uint64_t{read_pos_} + advance;
  read_pos_ = next > size_ ? size_ : static_cast<uint32_t>(next);
  return true;
}

const uint8_t* Parcel::ReadRaw(uint32_t len) const {
  if (len == 0 || readable() < len) return nullptr;
  const uint8_t* p = buf_ + read_pos_;
  read_pos_ += len;
  return p;
}

const char* Parcel::ReadCString() const {
  const uint32_t avail = readable();
  if (avail == 0) return nullptr;
  const char* start = reinterpret_cast<const char*>(buf_ + read_pos_);
  const void* nul = std::memchr(start, '\0', avail);
  if (nul == nullptr) return nullptr;
  uint64_t len = static_cast<const char*>(nul) - start + 1;
  uint64_t next = uint64_t{read_pos_} + ((len + 3) & ~uint64_t{3});
  read_pos_ = next > size_ ? size_ : static_cast<uint32_t>(next);
  return start;
}

const ParcelObject* Parcel::ReadObject() const {
  if (readable() < kObjectRecordBytes) return nullptr;
  // Binary search: objects_ is sorted by offset.
  size_t lo = 0, hi = objects_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (objects_[mid].offset < read_pos_) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == objects_.size() || objects_[lo].offset != read_pos_) {
    return nullptr;
  }
  read_pos_ += kObjectRecordBytes;
  return &objects_[lo];
}

int Parcel::RewindRead(uint32_t pos) const {
  if (pos > size_) return OH_IPC_INNER_ERROR;
  read_pos_ = pos;
  return OH_IPC_SUCCESS;
}

int Parcel::RewindWrite(uint32_t pos) {
  if (pos > size_) return OH_IPC_INNER_ERROR;
  // Objects whose record no longer fits are dropped (fds closed, references
  // released) so that the table never points past the data.
  while (!objects_.empty() &&
         uint64_t{objects_.back().offset} + kObjectRecordBytes > pos) {
    if (objects_.back().fd.valid()) --fd_count_;
    objects_.pop_back();
  }
  size_ = pos;
  return OH_IPC_SUCCESS;
}

int Parcel::Append(const Parcel& other) {
  if (other.size_ == 0) return OH_IPC_SUCCESS;
  if (fd_count_ + other.fd_count_ > static_cast<int>(kMaxParcelFds)) {
    return OH_IPC_PARCEL_WRITE_ERROR;
  }
  // Duplicate the objects first so that a failure leaves this parcel as it
  // was.
  const uint32_t base = size_;
  std::vector<ParcelObject> copies;
  copies.reserve(other.objects_.size());
  for (const ParcelObject& o : other.objects_) {
    ParcelObject c;
    c.offset = base + o.offset;
    if (o.fd.valid()) {
      c.fd.Reset(fcntl(o.fd.get(), F_DUPFD_CLOEXEC, 0));
      if (!c.fd.valid()) return OH_IPC_PARCEL_WRITE_ERROR;
    } else {
      c.object = o.object;
    }
    copies.push_back(std::move(c));
  }
  int rc = WritePadded(other.buf_, other.size_);
  if (rc != OH_IPC_SUCCESS) return rc;
  for (ParcelObject& c : copies) objects_.push_back(std::move(c));
  fd_count_ += other.fd_count_;
  return OH_IPC_SUCCESS;
}

void Parcel::Adopt(uint8_t* buf, uint32_t alloc, uint32_t size,
                   std::vector<ParcelObject> objects) {
  Clear();
  FreeParcelBlock(buf_, alloc_);
  buf_ = buf;
  alloc_ = alloc;
  size_ = size;
  // As if the data had been written: the growth rule's capacity, limited by
  // what is actually allocated.
  uint32_t cap = GrownCapacity(size);
  capacity_ = cap > alloc ? alloc : cap;
  read_pos_ = 0;
  objects_ = std::move(objects);
  fd_count_ = 0;
  for (const ParcelObject& o : objects_) {
    if (o.fd.valid()) ++fd_count_;
  }
}

bool Parcel::FitsReceived(uint32_t size) const {
  const uint32_t cap = GrownCapacity(size);
  return cap != 0 && cap <= alloc_ && alloc_ < kLargeParcelBlock;
}

void Parcel::AssignReceived(const uint8_t* data, uint32_t size, uint8_t* block,
                            uint32_t alloc) {
  Clear();
  if (block != nullptr) {
    FreeParcelBlock(buf_, alloc_);
    buf_ = block;
    alloc_ = alloc;
  }
  if (size > 0) std::memcpy(buf_, data, size);
  size_ = size;
  const uint32_t cap = GrownCapacity(size);
  capacity_ = cap > alloc_ ? alloc_ : cap;
}

void Parcel::MoveFrom(Parcel& other) {
  Clear();
  FreeParcelBlock(buf_, alloc_);
  buf_ = std::exchange(other.buf_, nullptr);
  alloc_ = std::exchange(other.alloc_, 0);
  capacity_ = std::exchange(other.capacity_, 0);
  size_ = std::exchange(other.size_, 0);
  read_pos_ = 0;
  other.read_pos_ = 0;
  fd_count_ = std::exchange(other.fd_count_, 0);
  objects_ = std::move(other.objects_);
  other.objects_.clear();
}

void Parcel::Clear() {
  objects_.clear();
  fd_count_ = 0;
  size_ = 0;
  read_pos_ = 0;
}

}  // namespace ncp::ipc
