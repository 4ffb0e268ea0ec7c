#include "api/bootstrap.h"

#include <cstring>

#include "api/limits.h"

namespace ncp::api {
namespace {

constexpr uint32_t kMagic = 0x4e435042;  // "NCPB"
constexpr uint32_t kVersion = 2;
constexpr size_t kMaxString = kMaxEntryParams + 4096;

void PutU32(std::string* out, uint32_t v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}
void PutString(std::string* out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

class Reader {
 public:
  Reader(const void* data, size_t size)
      : p_(static_cast<const char*>(data)), left_(size) {}
  bool U32(uint32_t* v) {
    if (left_ < sizeof(*v)) return false;
    memcpy(v, p_, sizeof(*v));
    p_ += sizeof(*v);
    left_ -= sizeof(*v);
    return true;
  }
  bool I32(int* v) {
    uint32_t u;
    if (!U32(&u)) return false;
    *v = static_cast<int32_t>(u);
    return true;
  }
  bool String(std::string* s) {
    uint32_t len;
    if (!U32(&len) || len > kMaxString || len > left_) return false;
    s->assign(p_, len);
    p_ += len;
    left_ -= len;
    return true;
  }
  bool AtEnd() const { return left_ == 0; }

 private:
  const char* p_;
  size_t left_;
};

}  // namespace

std::string EncodeBootstrap(const Bootstrap& m) {
  std::string out;
  out.reserve(64 + m.process_name.size() + m.ipc_library.size() +
              m.library.size() + m.symbol.size() + m.params.size());
  PutU32(&out, kMagic);
  PutU32(&out, kVersion);
  PutU32(&out, m.kind);
  PutU32(&out, m.flags);
  PutU32(&out, static_cast<uint32_t>(m.channel_fd));
  PutU32(&out, static_cast<uint32_t>(m.status_fd));
  PutU32(&out, static_cast<uint32_t>(m.trace_fd));
  PutString(&out, m.process_name);
  PutString(&out, m.ipc_library);
  PutString(&out, m.library);
  PutString(&out, m.symbol);
  PutString(&out, m.params);
  PutU32(&out, static_cast<uint32_t>(m.fds.size()));
  for (const auto& [name, fd] : m.fds) {
    PutString(&out, name);
    PutU32(&out, static_cast<uint32_t>(fd));
  }
  return out;
}

bool DecodeBootstrap(const void* data, size_t size, Bootstrap* out) {
  Reader r(data, size);
  uint32_t magic, version, count;
  if (!r.U32(&magic) || magic != kMagic) return false;
  if (!r.U32(&version) || version != kVersion) return false;
  if (!r.U32(&out->kind) || !r.U32(&out->flags)) return false;
  if (out->kind != Bootstrap::kStart && out->kind != Bootstrap::kCreate &&
      out->kind != Bootstrap::kZygote) {
    return false;
  }
  if (!r.I32(&out->channel_fd) || !r.I32(&out->status_fd) ||
      !r.I32(&out->trace_fd)) {
    return false;
  }
  if (!r.String(&out->process_name) || !r.String(&out->ipc_library) ||
      !r.String(&out->library) || !r.String(&out->symbol) ||
      !r.String(&out->params)) {
    return false;
  }
  if (!r.U32(&count) || count > kMaxFdNames) return false;
  out->fds.clear();
  for (uint32_t i = 0; i < count; ++i) {
    std::string name;
    int fd;
    if (!r.String(&name) || !r.I32(&fd)) return false;
    out->fds.emplace_back(std::move(name), fd);
  }
  return r.AtEnd();
}

}  // namespace ncp::api
