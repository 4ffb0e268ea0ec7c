#include "spawner/plan_codec.h"

#include <cstring>

namespace ncp::spawner {
namespace {

constexpr uint32_t kMagic = 0x4e43504c;  // "NCPL"
constexpr uint32_t kVersion = 2;
constexpr uint32_t kMaxMounts = 4096;
constexpr uint32_t kMaxString = 1 << 16;

class Writer {
 public:
  void U32(uint32_t v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  void U64(uint64_t v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  // A nullable string: presence, then length and bytes.
  void Str(const char* s) {
    U32(s != nullptr ? 1 : 0);
    if (s == nullptr) return;
    size_t len = strlen(s);
    U32(static_cast<uint32_t>(len));
    out_.append(s, len);
  }
  void Bytes(const void* p, size_t n) {
    U32(static_cast<uint32_t>(n));
    out_.append(static_cast<const char*>(p), n);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const void* data, size_t size)
      : p_(static_cast<const char*>(data)), left_(size) {}
  bool U32(uint32_t* v) { return Raw(v, sizeof(*v)); }
  bool U64(uint64_t* v) { return Raw(v, sizeof(*v)); }
  bool Str(std::string* s, bool* present) {
    uint32_t has, len;
    if (!U32(&has) || has > 1) return false;
    *present = has == 1;
    s->clear();
    if (!*present) return true;
    if (!U32(&len) || len > kMaxString || len > left_) return false;
    s->assign(p_, len);
    if (s->find('\0') != std::string::npos) return false;
    p_ += len;
    left_ -= len;
    return true;
  }
  bool Bytes(std::string* out, size_t max) {
    uint32_t len;
    if (!U32(&len) || len > max || len > left_) return false;
    out->assign(p_, len);
    p_ += len;
    left_ -= len;
    return true;
  }
  bool AtEnd() const { return left_ == 0; }

 private:
  bool Raw(void* v, size_t n) {
    if (left_ < n) return false;
    memcpy(v, p_, n);
    p_ += n;
    left_ -= n;
    return true;
  }
  const char* p_;
  size_t left_;
};

}  // namespace

std::string EncodePlan(const SpawnPlan& p) {
  Writer w;
  w.U32(kMagic);
  w.U32(kVersion);
  w.U64(p.namespace_flags);
  w.Str(p.uid_map);
  w.Str(p.gid_map);
  w.Str(p.root_staging);
  w.U32(static_cast<uint32_t>(p.n_mounts));
  for (int i = 0; i < p.n_mounts; ++i) {
    const MountOp& op = p.mounts[i];
    w.U32(static_cast<uint32_t>(op.kind));
    w.Str(op.source);
    w.Str(op.target);
    w.Str(op.data);
    w.U64(op.flags);
    w.U32(static_cast<uint32_t>(op.optional));
  }
  w.U32(p.root_read_only ? 1 : 0);
  w.Str(p.hostname);
  w.U32(p.loopback_up ? 1 : 0);
  w.U32(p.drop_capabilities ? 1 : 0);
  w.U32(static_cast<uint32_t>(p.cap_last_cap));
  w.U32(p.set_ids ? 1 : 0);
  w.U32(p.uid);
  w.U32(p.gid);
  w.U32(p.no_new_privs ? 1 : 0);
  w.Bytes(p.seccomp_filter, p.seccomp_filter != nullptr
                                ? p.seccomp_filter_len * sizeof(sock_filter)
                                : 0);
  w.U32(static_cast<uint32_t>(p.pdeath_signal));
  w.U32(static_cast<uint32_t>(p.trace_fd_index));
  return w.Take();
}

const char* DecodedPlan::Keep(std::string s, bool present) {
  if (!present) return nullptr;
  strings_.push_back(std::move(s));
  return strings_.back().c_str();
}

bool DecodedPlan::Decode(const void* data, size_t size) {
  Reader r(data, size);
  plan_ = SpawnPlan();
  strings_.clear();
  mounts_.clear();
  filter_.clear();
  uint32_t magic, version, count, u;
  std::string s;
  bool present;
  if (!r.U32(&magic) || magic != kMagic || !r.U32(&version) ||
      version != kVersion) {
    return false;
  }
  if (!r.U64(&plan_.namespace_flags)) return false;
  if (!r.Str(&s, &present)) return false;
  plan_.uid_map = Keep(s, present);
  if (!r.Str(&s, &present)) return false;
  plan_.gid_map = Keep(s, present);
  if (!r.Str(&s, &present)) return false;
  plan_.root_staging = Keep(s, present);
  if (!r.U32(&count) || count > kMaxMounts) return false;
  mounts_.resize(count);
  for (MountOp& op : mounts_) {
    uint64_t flags;
    if (!r.U32(&u) || u > static_cast<uint32_t>(MountOpKind::kRemountReadOnly))
      return false;
    op.kind = static_cast<MountOpKind>(u);
    if (!r.Str(&s, &present)) return false;
    op.source = Keep(s, present);
    if (!r.Str(&s, &present) || !present) return false;  // a target is required
    op.target = Keep(s, present);
    if (!r.Str(&s, &present)) return false;
    op.data = Keep(s, present);
    if (!r.U64(&flags) || !r.U32(&u)) return false;
    op.flags = flags;
    op.optional = u != 0;
  }
  plan_.mounts = mounts_.data();
  plan_.n_mounts = static_cast<int>(count);
  if (!r.U32(&u)) return false;
  plan_.root_read_only = u != 0;
  if (!r.Str(&s, &present)) return false;
  plan_.hostname = Keep(s, present);
  if (!r.U32(&u)) return false;
  plan_.loopback_up = u != 0;
  if (!r.U32(&u)) return false;
  plan_.drop_capabilities = u != 0;
  if (!r.U32(&u) || u > 63) return false;
  plan_.cap_last_cap = static_cast<int>(u);
  if (!r.U32(&u)) return false;
  plan_.set_ids = u != 0;
  if (!r.U32(&plan_.uid) || !r.U32(&plan_.gid) || !r.U32(&u)) return false;
  plan_.no_new_privs = u != 0;
  std::string filter;
  if (!r.Bytes(&filter, 0xffff * sizeof(sock_filter)) ||
      filter.size() % sizeof(sock_filter) != 0) {
    return false;
  }
  filter_.resize(filter.size() / sizeof(sock_filter));
  if (!filter.empty()) memcpy(filter_.data(), filter.data(), filter.size());
  plan_.seccomp_filter = filter_.empty() ? nullptr : filter_.data();
  plan_.seccomp_filter_len = static_cast<unsigned short>(filter_.size());
  if (!r.U32(&u) || u > 64) return false;
  plan_.pdeath_signal = static_cast<int>(u);
  // An index into the fd table the request carries (checked there).
  if (!r.U32(&u) || (u != 0xffffffffu && u > 4096)) return false;
  plan_.trace_fd_index = static_cast<int32_t>(u);
  return r.AtEnd();
}

}  // namespace ncp::spawner
