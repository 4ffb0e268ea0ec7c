// libFuzzer target over the parcel API (IPCKit/ipc_cparcel.h).
//
// Each input is a sequence of OH_IPCParcel_* calls on two parcels (or on
// NULL, or on a handle of the wrong type), with fuzzer-chosen values, sizes
// and positions. A reference model of each parcel (bytes, capacity, read
// position, object table), written from the header's contract, predicts
// every return code, every value read back, every size and position; any
// difference aborts. The model follows ipc/parcel.h where the header leaves
// a detail open (object record bytes, which objects a truncation drops, the
// 252-fd limit, where a missing interface token leaves the read position).
//
// At the end of each input every parcel, handle, fd and allocated string is
// released: the stubs' destroy callbacks must have run and no fd may be
// left open (LeakSanitizer checks the memory).
// Build and run: ipc/fuzz/run_parcel_fuzzer.sh.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "fuzzer/FuzzedDataProvider.h"
#include "ipc/object.h"
#include "ipc/parcel.h"

namespace {

constexpr uint32_t kCap = 204800;   // maximum capacity
constexpr uint32_t kRecord = 24;    // object record bytes
constexpr int kMaxFds = 252;        // fds per parcel (ipc/parcel.h)
constexpr size_t kMaxOps = 64;      // calls per input
constexpr size_t kBigLen = 300000;  // longest generated string
// Bytes of big (> 4 KiB) strings and lengths per input: a few near the cap
// find the edges; more only slow the search down.
constexpr int64_t kBigBudget = 256 * 1024;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "parcel_fuzzer: %s:%d: CHECK failed: %s\n", __FILE__, \
              __LINE__, #cond);                                             \
      abort();                                                              \
    }                                                                       \
  } while (0)

// ---- Reference model -----------------------------------------------------

enum ObjKind { kFd, kStub, kProxy };

struct ModelObject {
  uint32_t offset;
  ObjKind kind;
  uint64_t file;  // kFd: which file (FileKey)
  int stub;       // kStub/kProxy: index of the stub behind it
};

struct Model {
  std::vector<uint8_t> bytes;  // size() is the data size = write position
  uint32_t capacity = 0;
  uint32_t read_pos = 0;
  std::vector<ModelObject> objects;

  uint32_t size() const { return static_cast<uint32_t>(bytes.size()); }
  uint32_t readable() const {
    return size() > read_pos ? size() - read_pos : 0;
  }
  int fds() const {
    return static_cast<int>(
        std::count_if(objects.begin(), objects.end(),
                      [](const ModelObject& o) { return o.kind == kFd; }));
  }
};

// The growth rule of the header; 0 when `needed` exceeds the cap.
uint32_t Grown(uint64_t needed) {
  if (needed > kCap) return 0;
  if (needed < 4096) {
    uint32_t c = 64;
    while (c < needed) c *= 2;
    return c;
  }
  if (needed == 4096) return 4096;
  return static_cast<uint32_t>(
      std::min<uint64_t>(needed / 4096 * 4096 + 4096, kCap));
}

// Appends `len` bytes padded to 4; false (model unchanged) past the cap.
bool ModelWrite(Model* m, const void* p, size_t len) {
  const uint64_t padded = (uint64_t{len} + 3) & ~uint64_t{3};
  const uint64_t needed = m->size() + padded;
  if (needed > m->capacity) {
    const uint32_t c = Grown(needed);
    if (c == 0) return false;
    m->capacity = c;
  }
  const uint8_t* b = static_cast<const uint8_t*>(p);
  m->bytes.insert(m->bytes.end(), b, b + len);
  m->bytes.resize(m->size() + (padded - len), 0);
  return true;
}

// The record parcel.cc writes: a kind word (1 fd, 2 object), zeros.
bool ModelWriteObject(Model* m, ModelObject o) {
  if (o.kind == kFd && m->fds() >= kMaxFds) return false;
  uint32_t record[kRecord / 4] = {};
  record[0] = o.kind == kFd ? 1 : 2;
  o.offset = m->size();
  if (!ModelWrite(m, record, sizeof(record))) return false;
  m->objects.push_back(o);
  return true;
}

const ModelObject* ModelObjectAt(const Model& m, uint32_t pos) {
  if (m.readable() < kRecord) return nullptr;
  for (const ModelObject& o : m.objects) {
    if (o.offset == pos) return &o;
  }
  return nullptr;
}

bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    uint32_t cp, min;
    size_t n;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F, n = 1, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, n = 2, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07, n = 3, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::u16string ToUtf16(const std::string& s) {  // s is valid UTF-8
  std::u16string out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    uint32_t cp;
    size_t n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k <= n; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    i += n + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// False on an unpaired surrogate.
bool ToUtf8(const std::u16string& u, std::string* out) {
  for (size_t i = 0; i < u.size(); ++i) {
    uint32_t cp = u[i];
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + 1 == u.size() || u[i + 1] < 0xDC00 || u[i + 1] > 0xDFFF) {
        return false;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u[++i] - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return false;
    }
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return true;
}

// ---- Process-wide fixtures -------------------------------------------------

int g_null_fd = -1;  // /dev/null
int g_file_fd = -1;  // a memfd: a second, distinguishable file
uint64_t g_null_key = 0, g_file_key = 0;
const uint8_t* g_huge = nullptr;  // 2 GiB of readable zeros: any len is valid
constexpr int kFdScan = 1200;     // above every fd a run can hold at once
bool g_open_before[kFdScan];      // the fd table between inputs
int g_top_before = 0;             // the highest fd open between inputs

// Between inputs libFuzzer and the sanitizers may open fds of their own (a
// pipe, at the lowest free number): look again where they can appear, just
// above the highest open fd, before each input.
void RefreshFdSnapshot() {
  const int end = std::min(kFdScan, g_top_before + 8);
  for (int fd = 0; fd < end; ++fd) {
    g_open_before[fd] = fcntl(fd, F_GETFD) >= 0;
    if (g_open_before[fd]) g_top_before = std::max(g_top_before, fd);
  }
}
int g_destroyed = 0;  // stub destroy callbacks run
int g_allocs = 0;     // allocator calls

// Identifies the open file behind an fd (device and inode).
uint64_t FileKey(int fd) {
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  return (uint64_t{st.st_dev} << 40) ^ st.st_ino;
}

int OnRequest(uint32_t, const OHIPCParcel*, OHIPCParcel*, void*) { return 0; }
void OnDestroy(void*) { ++g_destroyed; }

void* Malloc(int32_t len) {
  ++g_allocs;
  return malloc(static_cast<size_t>(len));
}
void* Refuse(int32_t) {
  ++g_allocs;
  return nullptr;
}
void* Small(int32_t len) {  // the doc sample's: NULL above 128
  ++g_allocs;
  return len > 128 ? nullptr : malloc(static_cast<size_t>(len));
}

// ---- The run ---------------------------------------------------------------

struct Run {
  FuzzedDataProvider in;
  OHIPCParcel* parcels[2] = {};
  Model models[2];
  OHIPCRemoteStub* stubs[2] = {};
  OHIPCRemoteProxy* proxies[2] = {};  // local proxies of stubs[i]
  std::string text;                   // scratch for generated strings
  // Duplicates the library made or returned (a bound on the fds it can hold
  // at once: new fds take the lowest free numbers).
  int dups = 0;
  int64_t budget = kBigBudget;  // see Budget()

  Run(const uint8_t* data, size_t size) : in(data, size) {}

  // A parcel argument: one of the two, NULL, or a handle of another type.
  // Returns the model index, or -1 for an invalid parcel.
  int PickParcel(OHIPCParcel** out) {
    const uint8_t k = in.ConsumeIntegral<uint8_t>();
    if (k < 240) {
      *out = parcels[k & 1];
      return k & 1;
    }
    *out = (k & 1) ? nullptr : reinterpret_cast<OHIPCParcel*>(stubs[0]);
    return -1;
  }

  // A length for buffers and reads: the edges first.
  int32_t PickLen(int i) {
    const Model* m = i >= 0 ? &models[i] : nullptr;
    const int64_t room = m ? int64_t{kCap} - m->size() : 0;
    const int64_t readable = m ? m->readable() : 0;
    int64_t v;
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        v = in.ConsumeIntegralInRange<int>(-2, 2);
        break;
      case 1:
        v = in.ConsumeBool() ? INT32_MIN : INT32_MAX;
        break;
      case 2:
        v = in.ConsumeIntegralInRange<int>(1, 64);
        break;
      case 3:
        v = 4096 + in.ConsumeIntegralInRange<int>(-8, 8);
        break;
      case 4:
        v = kCap + in.ConsumeIntegralInRange<int>(-16, 16);
        break;
      case 5:
        v = room + in.ConsumeIntegralInRange<int>(-8, 8);
        break;
      case 6:
        v = readable + in.ConsumeIntegralInRange<int>(-4, 4);
        break;
      case 7:
        v = in.ConsumeIntegralInRange<int>(1, kBigLen);
        break;
      default:
        v = in.ConsumeIntegral<int32_t>();
        break;
    }
    return static_cast<int32_t>(
        Budget(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)));
  }

  // `n` if the input can still afford it, else a small length of the same
  // sign.
  int64_t Budget(int64_t n) {
    const int64_t cost = std::min<int64_t>(n < 0 ? -n : n, kBigLen);
    if (cost <= 4096) return n;
    if (cost > budget) return n % 4097;
    budget -= cost;
    return n;
  }

  uint32_t PickPos(int i) {
    const uint32_t size = i >= 0 ? models[i].size() : 0;
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0:
        return 0;
      case 1:
        return size + in.ConsumeIntegralInRange<int>(-4, 4);
      case 2:
        return in.ConsumeIntegralInRange<uint32_t>(0, size + 8);
      case 3:
        return UINT32_MAX - in.ConsumeIntegralInRange<uint32_t>(0, 4);
      default:
        return in.ConsumeIntegral<uint32_t>();
    }
  }

  // A NUL-terminated string in `text`: from the input (any bytes, cut at
  // the first NUL by the callee), or a long run of one byte.
  const char* PickString() {
    switch (in.ConsumeIntegralInRange<int>(0, 15)) {
      case 0:
        return nullptr;
      case 1:
        text.clear();
        break;
      case 2: {
        const size_t n = Budget(in.ConsumeIntegralInRange<int64_t>(0, kBigLen));
        text.assign(n, in.ConsumeBool() ? 'a' : '\x7f');
        if (!text.empty() && in.ConsumeBool()) text.back() = '\xC3';
        break;
      }
      case 3: {  // a multi-byte character repeated (UTF-16 surrogates)
        const size_t n =
            Budget(in.ConsumeIntegralInRange<int64_t>(0, 60000) * 4) / 4;
        text.clear();
        for (size_t k = 0; k < n; ++k) text += "\xF0\x9F\x98\x80";
        break;
      }
      default:
        text = in.ConsumeRandomLengthString(256);
        break;
    }
    return text.c_str();
  }

  void Ensure(OHIPCParcel* p, int i) {
    // Every observable size and position agrees with the model.
    if (i < 0) {
      CHECK(OH_IPCParcel_GetDataSize(p) == -1);
      CHECK(OH_IPCParcel_GetWritableBytes(p) == -1);
      CHECK(OH_IPCParcel_GetReadableBytes(p) == -1);
      CHECK(OH_IPCParcel_GetReadPosition(p) == -1);
      CHECK(OH_IPCParcel_GetWritePosition(p) == -1);
      return;
    }
    const Model& m = models[i];
    CHECK(OH_IPCParcel_GetDataSize(p) == static_cast<int>(m.size()));
    CHECK(OH_IPCParcel_GetWritePosition(p) == static_cast<int>(m.size()));
    CHECK(OH_IPCParcel_GetReadPosition(p) == static_cast<int>(m.read_pos));
    CHECK(OH_IPCParcel_GetReadableBytes(p) == static_cast<int>(m.readable()));
    CHECK(OH_IPCParcel_GetWritableBytes(p) ==
          static_cast<int>(m.capacity > m.size() ? m.capacity - m.size() : 0));
  }

  void WriteFixed(OHIPCParcel* p, int i) {
    const int type = in.ConsumeIntegralInRange<int>(0, 9);
    const uint64_t raw = in.ConsumeIntegral<uint64_t>();
    int rc = -1;
    uint8_t bytes[8];
    size_t n = 4;
    auto wide32 = [&](int32_t v) { memcpy(bytes, &v, 4); };
    switch (type) {
      case 0:
        rc = OH_IPCParcel_WriteInt8(p, static_cast<int8_t>(raw));
        wide32(static_cast<int8_t>(raw));
        break;
      case 1:
        rc = OH_IPCParcel_WriteInt16(p, static_cast<int16_t>(raw));
        wide32(static_cast<int16_t>(raw));
        break;
      case 2:
        rc = OH_IPCParcel_WriteInt32(p, static_cast<int32_t>(raw));
        wide32(static_cast<int32_t>(raw));
        break;
      case 3:
        rc = OH_IPCParcel_WriteUint8(p, static_cast<uint8_t>(raw));
        wide32(static_cast<uint8_t>(raw));
        break;
      case 4:
        rc = OH_IPCParcel_WriteUint16(p, static_cast<uint16_t>(raw));
        wide32(static_cast<uint16_t>(raw));
        break;
      case 5:
        rc = OH_IPCParcel_WriteUint32(p, static_cast<uint32_t>(raw));
        wide32(static_cast<int32_t>(static_cast<uint32_t>(raw)));
        break;
      case 6: {
        float f;
        uint32_t r32 = static_cast<uint32_t>(raw);
        memcpy(&f, &r32, 4);
        rc = OH_IPCParcel_WriteFloat(p, f);
        memcpy(bytes, &f, 4);
        break;
      }
      case 7:
        rc = OH_IPCParcel_WriteInt64(p, static_cast<int64_t>(raw));
        memcpy(bytes, &raw, 8), n = 8;
        break;
      case 8:
        rc = OH_IPCParcel_WriteUint64(p, raw);
        memcpy(bytes, &raw, 8), n = 8;
        break;
      default: {
        double d;
        memcpy(&d, &raw, 8);
        rc = OH_IPCParcel_WriteDouble(p, d);
        memcpy(bytes, &d, 8), n = 8;
        break;
      }
    }
    if (i < 0) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    const bool ok = ModelWrite(&models[i], bytes, n);
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void ReadFixed(OHIPCParcel* p, int i) {
    const int type = in.ConsumeIntegralInRange<int>(0, 9);
    const bool null_out = in.ConsumeIntegralInRange<int>(0, 15) == 0;
    uint8_t got[8];
    memset(got, 0xA5, sizeof(got));
    uint8_t before[8];
    memcpy(before, got, sizeof(got));
    int rc;
    size_t n = type >= 7 ? 8 : 4;
    // Read into `got` through a pointer of the right type; compare the
    // narrowed value with the model's bytes below.
    union {
      int8_t i8;
      int16_t i16;
      int32_t i32;
      uint8_t u8;
      uint16_t u16;
      uint32_t u32;
      float f;
      int64_t i64;
      uint64_t u64;
      double d;
      uint8_t raw[8];
    } v;
    memcpy(v.raw, got, 8);
    switch (type) {
      case 0:
        rc = OH_IPCParcel_ReadInt8(p, null_out ? nullptr : &v.i8);
        break;
      case 1:
        rc = OH_IPCParcel_ReadInt16(p, null_out ? nullptr : &v.i16);
        break;
      case 2:
        rc = OH_IPCParcel_ReadInt32(p, null_out ? nullptr : &v.i32);
        break;
      case 3:
        rc = OH_IPCParcel_ReadUint8(p, null_out ? nullptr : &v.u8);
        break;
      case 4:
        rc = OH_IPCParcel_ReadUint16(p, null_out ? nullptr : &v.u16);
        break;
      case 5:
        rc = OH_IPCParcel_ReadUint32(p, null_out ? nullptr : &v.u32);
        break;
      case 6:
        rc = OH_IPCParcel_ReadFloat(p, null_out ? nullptr : &v.f);
        break;
      case 7:
        rc = OH_IPCParcel_ReadInt64(p, null_out ? nullptr : &v.i64);
        break;
      case 8:
        rc = OH_IPCParcel_ReadUint64(p, null_out ? nullptr : &v.u64);
        break;
      default:
        rc = OH_IPCParcel_ReadDouble(p, null_out ? nullptr : &v.d);
        break;
    }
    if (i < 0 || null_out) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    Model& m = models[i];
    if (m.readable() < n) {
      CHECK(rc == OH_IPC_PARCEL_READ_ERROR);
      CHECK(memcmp(v.raw, before, 8) == 0);  // *value untouched
      return;
    }
    CHECK(rc == OH_IPC_SUCCESS);
    const uint8_t* src = &m.bytes[m.read_pos];
    int32_t w;
    memcpy(&w, src, 4);
    switch (type) {
      case 0:
        CHECK(v.i8 == static_cast<int8_t>(w));
        break;
      case 1:
        CHECK(v.i16 == static_cast<int16_t>(w));
        break;
      case 3:
        CHECK(v.u8 == static_cast<uint8_t>(w));
        break;
      case 4:
        CHECK(v.u16 == static_cast<uint16_t>(w));
        break;
      default:
        CHECK(memcmp(v.raw, src, n) == 0);
        break;
    }
    m.read_pos += static_cast<uint32_t>(n);
  }

  void WriteString(OHIPCParcel* p, int i) {
    const char* s = PickString();
    const int rc = OH_IPCParcel_WriteString(p, s);
    if (i < 0 || s == nullptr) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    const bool ok = ModelWrite(&models[i], s, strlen(s) + 1);
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void ReadString(OHIPCParcel* p, int i) {
    const char* s = OH_IPCParcel_ReadString(p);
    if (i < 0) {
      CHECK(s == nullptr);
      return;
    }
    Model& m = models[i];
    const uint8_t* start = m.readable() ? &m.bytes[m.read_pos] : nullptr;
    const void* nul = start ? memchr(start, 0, m.readable()) : nullptr;
    if (nul == nullptr) {
      CHECK(s == nullptr);
      return;
    }
    CHECK(s != nullptr);
    const size_t len = static_cast<const uint8_t*>(nul) - start + 1;
    CHECK(memcmp(s, start, len) == 0);
    m.read_pos = static_cast<uint32_t>(
        std::min<uint64_t>(m.size(), m.read_pos + ((len + 3) & ~size_t{3})));
  }

  void WriteBuffer(OHIPCParcel* p, int i) {
    const int32_t len = PickLen(i);
    const bool null_buf = in.ConsumeIntegralInRange<int>(0, 15) == 0;
    // Bytes from the input when short, zeros from the huge mapping else.
    std::vector<uint8_t> small;
    const uint8_t* buf = g_huge;
    if (len > 0 && len <= 256) {
      small = in.ConsumeBytes<uint8_t>(len);
      small.resize(len, 0x5A);
      buf = small.data();
    }
    if (null_buf) buf = nullptr;
    const int rc = OH_IPCParcel_WriteBuffer(p, buf, len);
    if (i < 0 || buf == nullptr || len <= 0) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    const bool ok = ModelWrite(&models[i], buf, static_cast<size_t>(len));
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void ReadBuffer(OHIPCParcel* p, int i) {
    const int32_t len = PickLen(i);
    const uint8_t* b = OH_IPCParcel_ReadBuffer(p, len);
    if (i < 0 || len <= 0) {
      CHECK(b == nullptr);
      return;
    }
    Model& m = models[i];
    if (m.readable() < static_cast<uint32_t>(len)) {
      CHECK(b == nullptr);
      return;
    }
    CHECK(b != nullptr);
    CHECK(memcmp(b, &m.bytes[m.read_pos], len) == 0);
    m.read_pos += static_cast<uint32_t>(len);  // exactly len: no padding
  }

  void Rewind(OHIPCParcel* p, int i, bool write) {
    const uint32_t pos = PickPos(i);
    const int rc = write ? OH_IPCParcel_RewindWritePosition(p, pos)
                         : OH_IPCParcel_RewindReadPosition(p, pos);
    if (i < 0) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    Model& m = models[i];
    if (pos > m.size()) {
      CHECK(rc == OH_IPC_INNER_ERROR);
      return;
    }
    CHECK(rc == OH_IPC_SUCCESS);
    if (!write) {
      m.read_pos = pos;
      return;
    }
    // Truncation; objects whose record no longer fits are dropped.
    m.bytes.resize(pos);
    while (!m.objects.empty() &&
           uint64_t{m.objects.back().offset} + kRecord > pos) {
      m.objects.pop_back();
    }
  }

  void WriteFd(OHIPCParcel* p, int i) {
    int fd;
    uint64_t key = 0;
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        fd = -1;
        break;
      case 1:
        fd = INT32_MIN;
        break;
      case 2:
        fd = 1 << 20;
        break;  // closed (above any limit)
      case 3:
        fd = g_file_fd, key = g_file_key;
        break;
      default:
        fd = g_null_fd, key = g_null_key;
        break;
    }
    const int rc = OH_IPCParcel_WriteFileDescriptor(p, fd);
    if (i < 0) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    bool ok = false;
    if (key != 0) {
      ++dups;
      ok = ModelWriteObject(&models[i], {0, kFd, key, -1});
    }
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void ReadFd(OHIPCParcel* p, int i) {
    const bool null_out = in.ConsumeIntegralInRange<int>(0, 15) == 0;
    int32_t fd = -7;
    const int rc = OH_IPCParcel_ReadFileDescriptor(p, null_out ? nullptr : &fd);
    if (i < 0 || null_out) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    Model& m = models[i];
    const ModelObject* o = ModelObjectAt(m, m.read_pos);
    if (o == nullptr || o->kind != kFd) {
      CHECK(rc == OH_IPC_PARCEL_READ_ERROR);
      CHECK(fd == -7);
      return;
    }
    CHECK(rc == OH_IPC_SUCCESS);
    ++dups;
    CHECK(fd > 0);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(FileKey(fd) == o->file);
    close(fd);
    m.read_pos += kRecord;
  }

  void WriteObject(OHIPCParcel* p, int i) {
    const int which = in.ConsumeIntegralInRange<int>(0, 1);
    const int how = in.ConsumeIntegralInRange<int>(0, 5);
    int rc;
    ObjKind kind = kStub;
    bool valid = true;
    switch (how) {
      case 0:
        rc = OH_IPCParcel_WriteRemoteStub(p, nullptr), valid = false;
        break;
      case 1:
        rc = OH_IPCParcel_WriteRemoteProxy(p, nullptr), valid = false;
        break;
      case 2:  // a proxy handle passed as a stub: wrong type
        rc = OH_IPCParcel_WriteRemoteStub(
            p, reinterpret_cast<OHIPCRemoteStub*>(proxies[which]));
        valid = false;
        break;
      case 3:
        rc = OH_IPCParcel_WriteRemoteProxy(p, proxies[which]), kind = kProxy;
        break;
      default:
        rc = OH_IPCParcel_WriteRemoteStub(p, stubs[which]);
        break;
    }
    if (i < 0 || !valid) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    const bool ok = ModelWriteObject(&models[i], {0, kind, 0, which});
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void ReadObject(OHIPCParcel* p, int i) {
    const bool as_stub = in.ConsumeBool();
    const ModelObject* o =
        i < 0 ? nullptr : ModelObjectAt(models[i], models[i].read_pos);
    // Every proxy here wraps a local stub, so both reads see objects.
    const bool expect = o != nullptr && o->kind != kFd;
    if (as_stub) {
      OHIPCRemoteStub* s = OH_IPCParcel_ReadRemoteStub(p);
      CHECK((s != nullptr) == expect);
      if (s != nullptr) {
        CHECK(ncp::ipc::StubOf(s) == ncp::ipc::StubOf(stubs[o->stub]));
      }
      OH_IPCRemoteStub_Destroy(s);
    } else {
      OHIPCRemoteProxy* x = OH_IPCParcel_ReadRemoteProxy(p);
      CHECK((x != nullptr) == expect);
      if (x != nullptr) {
        ncp::ipc::Proxy* proxy = ncp::ipc::ProxyOf(x);
        CHECK(proxy != nullptr && proxy->is_local());
        CHECK(proxy->local_stub() == ncp::ipc::StubOf(stubs[o->stub]));
      }
      OH_IPCRemoteProxy_Destroy(x);
    }
    if (expect) models[i].read_pos += kRecord;
  }

  void Append(OHIPCParcel* p, int i) {
    OHIPCParcel* q;
    const int j = PickParcel(&q);
    const int rc = OH_IPCParcel_Append(p, q);
    if (i < 0 || j < 0) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    Model copy;
    if (i == j) copy = models[j];  // appending a parcel to itself
    const Model& src = i == j ? copy : models[j];
    Model& dst = models[i];
    if (src.size() == 0) {
      CHECK(rc == OH_IPC_SUCCESS);
      return;
    }
    dups += (i == j ? 2 : 1) * src.fds();  // the self-append's copy too
    bool ok = dst.fds() + src.fds() <= kMaxFds;
    const uint32_t base = dst.size();
    if (ok) ok = ModelWrite(&dst, src.bytes.data(), src.size());
    if (ok) {
      for (ModelObject o : src.objects) {
        o.offset += base;
        dst.objects.push_back(o);
      }
    }
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void WriteToken(OHIPCParcel* p, int i) {
    const char* t = PickString();
    const int rc = OH_IPCParcel_WriteInterfaceToken(p, t);
    const size_t len = t != nullptr ? strlen(t) : 0;
    if (i < 0 || t == nullptr || len == 0 || len > kCap) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      return;
    }
    if (!ValidUtf8(std::string(t, len))) {
      CHECK(rc == OH_IPC_PARCEL_WRITE_ERROR);
      return;
    }
    const std::u16string u = ToUtf16(std::string(t, len));
    std::string bytes(12, '\0');
    const int32_t head[3] = {0x100, 0, static_cast<int32_t>(u.size())};
    memcpy(&bytes[0], head, 12);
    bytes.append(reinterpret_cast<const char*>(u.c_str()), (u.size() + 1) * 2);
    const bool ok = ModelWrite(&models[i], bytes.data(), bytes.size());
    CHECK(rc == (ok ? OH_IPC_SUCCESS : OH_IPC_PARCEL_WRITE_ERROR));
  }

  void ReadToken(OHIPCParcel* p, int i) {
    const int how = in.ConsumeIntegralInRange<int>(0, 7);
    OH_IPC_MemAllocator alloc = how == 3 ? Refuse : how == 4 ? Small : Malloc;
    char* token = reinterpret_cast<char*>(&g_allocs);  // poison
    int32_t len = -7;
    const int allocs = g_allocs;
    int rc;
    if (how == 0) {
      rc = OH_IPCParcel_ReadInterfaceToken(p, nullptr, &len, alloc);
    } else if (how == 1) {
      rc = OH_IPCParcel_ReadInterfaceToken(p, &token, nullptr, alloc);
    } else if (how == 2) {
      rc = OH_IPCParcel_ReadInterfaceToken(p, &token, &len, nullptr);
    } else {
      rc = OH_IPCParcel_ReadInterfaceToken(p, &token, &len, alloc);
    }
    if (i < 0 || how <= 2) {
      CHECK(rc == OH_IPC_CHECK_PARAM_ERROR);
      CHECK(g_allocs == allocs);
      return;
    }
    // The model: policy + work source, then a UTF-16 string; a missing or
    // malformed string reads as "".
    Model& m = models[i];
    const uint32_t start = m.read_pos;
    uint32_t pos = start;
    std::string utf8;
    bool convertible = true;
    if (m.readable() >= 8) {
      pos += 8;
      const uint32_t avail = m.size() > pos ? m.size() - pos : 0;
      int32_t count = -1;
      if (avail >= 4) memcpy(&count, &m.bytes[pos], 4);
      if (count >= 0 && (uint64_t{uint32_t(count)} + 1) * 2 <= avail - 4) {
        std::u16string u(static_cast<size_t>(count), u'\0');
        memcpy(&u[0], &m.bytes[pos + 4], size_t(count) * 2);
        const uint32_t bytes = (uint32_t(count) + 1) * 2;
        pos = std::min(m.size(), pos + 4 + ((bytes + 3) & ~3u));
        convertible = ToUtf8(u, &utf8);
      }
    }
    if (!convertible) {
      CHECK(rc == OH_IPC_PARCEL_READ_ERROR);
      CHECK(g_allocs - allocs <= 1);
      if (g_allocs != allocs && token != reinterpret_cast<char*>(&g_allocs)) {
        free(token);
      }
      return;  // read position restored
    }
    CHECK(g_allocs == allocs + 1);  // exactly once
    const int32_t want = static_cast<int32_t>(utf8.size() + 1);
    if (how == 3 || (how == 4 && want > 128)) {
      CHECK(rc == OH_IPC_MEM_ALLOCATOR_ERROR);
      CHECK(token == nullptr);
      return;  // read position restored
    }
    CHECK(rc == OH_IPC_SUCCESS);
    CHECK(len == want);
    CHECK(memcmp(token, utf8.c_str(), utf8.size() + 1) == 0);
    free(token);
    m.read_pos = pos;
  }

  void NullCalls() {
    // Every remaining entry point with NULL or a wrong-type parcel.
    OHIPCParcel* bad =
        in.ConsumeBool() ? nullptr : reinterpret_cast<OHIPCParcel*>(proxies[0]);
    CHECK(OH_IPCParcel_ReadString(bad) == nullptr);
    CHECK(OH_IPCParcel_ReadBuffer(bad, 4) == nullptr);
    CHECK(OH_IPCParcel_ReadRemoteStub(bad) == nullptr);
    CHECK(OH_IPCParcel_ReadRemoteProxy(bad) == nullptr);
    int32_t fd;
    CHECK(OH_IPCParcel_ReadFileDescriptor(bad, &fd) ==
          OH_IPC_CHECK_PARAM_ERROR);
    CHECK(OH_IPCParcel_WriteFileDescriptor(bad, g_null_fd) ==
          OH_IPC_CHECK_PARAM_ERROR);
    CHECK(OH_IPCParcel_WriteRemoteStub(bad, stubs[0]) ==
          OH_IPC_CHECK_PARAM_ERROR);
    CHECK(OH_IPCParcel_WriteInterfaceToken(bad, "t") ==
          OH_IPC_CHECK_PARAM_ERROR);
    OH_IPCParcel_Destroy(bad);  // ignored
    Ensure(bad, -1);
  }

  void Recreate(int i) {
    OH_IPCParcel_Destroy(parcels[i]);
    parcels[i] = OH_IPCParcel_Create();
    CHECK(parcels[i] != nullptr);
    models[i] = Model();
  }

  void Go() {
    RefreshFdSnapshot();
    for (int k = 0; k < 2; ++k) {
      stubs[k] = OH_IPCRemoteStub_Create(k ? "ncp.fuzz.b" : "ncp.fuzz.a",
                                         OnRequest, OnDestroy, nullptr);
      CHECK(stubs[k] != nullptr);
      // A local proxy of stubs[k], as a reader of a written stub gets one.
      OHIPCParcel* tmp = OH_IPCParcel_Create();
      CHECK(OH_IPCParcel_WriteRemoteStub(tmp, stubs[k]) == 0);
      proxies[k] = OH_IPCParcel_ReadRemoteProxy(tmp);
      CHECK(proxies[k] != nullptr);
      OH_IPCParcel_Destroy(tmp);
      parcels[k] = OH_IPCParcel_Create();
      CHECK(parcels[k] != nullptr);
    }
    g_destroyed = 0;
    for (size_t n = 0; n < kMaxOps && in.remaining_bytes() > 0; ++n) {
      OHIPCParcel* p;
      const int i = PickParcel(&p);
      switch (in.ConsumeIntegralInRange<int>(0, 17)) {
        case 0:
        case 1:
          WriteFixed(p, i);
          break;
        case 2:
        case 3:
          ReadFixed(p, i);
          break;
        case 4:
          WriteString(p, i);
          break;
        case 5:
          ReadString(p, i);
          break;
        case 6:
          WriteBuffer(p, i);
          break;
        case 7:
          ReadBuffer(p, i);
          break;
        case 8:
          Rewind(p, i, /*write=*/false);
          break;
        case 9:
          Rewind(p, i, /*write=*/true);
          break;
        case 10:
          WriteFd(p, i);
          break;
        case 11:
          ReadFd(p, i);
          break;
        case 12:
          WriteObject(p, i);
          break;
        case 13:
          ReadObject(p, i);
          break;
        case 14:
          Append(p, i);
          break;
        case 15:
          WriteToken(p, i);
          break;
        case 16:
          ReadToken(p, i);
          break;
        default:
          if (in.ConsumeBool()) {
            NullCalls();
          } else if (i >= 0) {
            Recreate(i);
          }
          break;
      }
      Ensure(parcels[0], 0);
      Ensure(parcels[1], 1);
    }
    for (int k = 0; k < 2; ++k) {
      OH_IPCParcel_Destroy(parcels[k]);
      OH_IPCRemoteProxy_Destroy(proxies[k]);
      OH_IPCRemoteStub_Destroy(stubs[k]);
    }
    // No reference to either stub survives its last holder.
    CHECK(g_destroyed == 2);
    // Every fd duplicate was closed: the fd table is as before the input.
    if (dups > 0) {
      const int top = std::min(kFdScan, g_top_before + dups + 2);
      for (int fd = 0; fd < top; ++fd) {
        CHECK((fcntl(fd, F_GETFD) >= 0) == g_open_before[fd]);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  g_file_fd = memfd_create("parcel_fuzzer", MFD_CLOEXEC);
  CHECK(g_null_fd >= 0 && g_file_fd >= 0);
  g_null_key = FileKey(g_null_fd);
  g_file_key = FileKey(g_file_fd);
  // Two parcels of 252 fds, a self-append's copy and its result need room.
  struct rlimit lim;
  CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0);
  if (lim.rlim_cur < 4096 && lim.rlim_max >= 4096) {
    lim.rlim_cur = 4096;
    CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
  }
  void* huge = mmap(nullptr, size_t{1} << 31, PROT_READ,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK(huge != MAP_FAILED);
  g_huge = static_cast<const uint8_t*>(huge);
  for (int fd = 0; fd < kFdScan; ++fd) {
    g_open_before[fd] = fcntl(fd, F_GETFD) >= 0;
    if (g_open_before[fd]) g_top_before = fd;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Run run(data, size);
  run.Go();
  return 0;
}
