#include "api/zygote_protocol.h"

#include <errno.h>
#include <sys/socket.h>

#include <cstring>

namespace ncp::api {
namespace {

constexpr uint32_t kPayloadMagic = 0x4e435a50;  // "NCZP"
constexpr uint32_t kMaxPart = 4u << 20;
constexpr uint32_t kMaxEnv = 1u << 16;

void PutU32(std::string* out, uint32_t v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}
void PutBytes(std::string* out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

}  // namespace

std::string EncodeZygotePayload(const ZygotePayload& p) {
  std::string out;
  PutU32(&out, kPayloadMagic);
  PutBytes(&out, p.bootstrap);
  PutBytes(&out, p.plan);
  PutU32(&out, static_cast<uint32_t>(p.env.size()));
  for (const std::string& e : p.env) PutBytes(&out, e);
  PutU32(&out, p.umask);
  return out;
}

bool DecodeZygotePayload(const void* data, size_t size, ZygotePayload* out) {
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  auto u32 = [&](uint32_t* v) {
    if (left < sizeof(*v)) return false;
    memcpy(v, p, sizeof(*v));
    p += sizeof(*v);
    left -= sizeof(*v);
    return true;
  };
  auto bytes = [&](std::string* s) {
    uint32_t len;
    if (!u32(&len) || len > kMaxPart || len > left) return false;
    s->assign(p, len);
    p += len;
    left -= len;
    return true;
  };
  uint32_t magic, count;
  if (!u32(&magic) || magic != kPayloadMagic) return false;
  if (!bytes(&out->bootstrap) || !bytes(&out->plan)) return false;
  if (!u32(&count) || count > kMaxEnv) return false;
  out->env.resize(count);
  for (std::string& e : out->env) {
    if (!bytes(&e) || e.find('\0') != std::string::npos) return false;
  }
  if (!u32(&out->umask) || out->umask > 0777) return false;
  return left == 0;
}

ssize_t ReceiveWithFds(int sock, void* buf, size_t size, int flags,
                       size_t max_fds, std::vector<int>* fds, int* msg_flags) {
  // On the stack: this is on every spawn's path (zygote and app side).
  alignas(struct cmsghdr) char
      control[CMSG_SPACE(sizeof(int) * kZygoteMaxMessageFds)];
  if (max_fds > kZygoteMaxMessageFds) max_fds = kZygoteMaxMessageFds;
  struct iovec iov = {buf, size};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * max_fds);
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) {
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
         c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const int* received = reinterpret_cast<const int*>(CMSG_DATA(c));
      fds->insert(fds->end(), received, received + count);
    }
  }
  if (msg_flags != nullptr) *msg_flags = n >= 0 ? msg.msg_flags : 0;
  return n;
}

}  // namespace ncp::api
