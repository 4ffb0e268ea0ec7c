#include "ipc/wire.h"

#include <cstring>

namespace ncp::ipc::wire {
namespace {

bool ValidateSizes(const WireHeader& h) {
  if (h.data_size > kMaxDataSize || h.object_count > kMaxObjects ||
      h.body_size > kMaxBodySize) {
    return false;
  }
  return uint64_t{h.object_count} * sizeof(WireObject) + h.data_size ==
         h.body_size;
}

// A message that is its header alone, with `fds` fds attached and no
// flags, body or transaction.
bool HeaderAlone(const WireHeader& h, size_t datagram_len, uint32_t fd_count,
                 uint32_t fds) {
  return h.flags == 0 && fd_count == fds && h.body_size == 0 &&
         h.object_count == 0 && h.data_size == 0 && h.txn_id == 0 &&
         datagram_len == sizeof(WireHeader);
}

}  // namespace

bool ValidateMessage(const uint8_t* datagram, size_t datagram_len,
                     uint32_t fd_count, WireHeader* header,
                     MessageLayout* out) {
  *out = MessageLayout();
  if (datagram == nullptr || datagram_len < sizeof(WireHeader)) return false;
  WireHeader& h = *header;
  std::memcpy(&h, datagram, sizeof(h));
  if (h.magic != kMagic || h.version != kVersion) return false;
  if ((h.flags & ~kKnownFlags) != 0) return false;
  if (h.type != kHello && (h.flags & kFlagMessageFollows) != 0) return false;
  if (h.fd_count != fd_count || fd_count > kMaxFdsPerMessage + 1) return false;
  const bool in_memfd = (h.flags & kFlagBodyInMemfd) != 0;
  switch (h.type) {
    case kHello:
      // With kFlagMessageFollows the caller validates the HELLO's own 48
      // bytes here, and the rest of the datagram as the next message.
      if ((h.flags & ~(kFlagHasRoot | kFlagMessageFollows)) != 0 ||
          h.body_size != 0 || h.data_size != 0 || h.object_count != 0 ||
          fd_count != 0 || h.txn_id != 0 ||
          datagram_len != sizeof(WireHeader)) {
        return false;
      }
      return true;
    case kRequest:
      if ((h.flags & kFlagHasRoot) != 0) return false;
      // One-way requests carry no transaction id; sync ones must.
      if (((h.flags & kFlagOneWay) != 0) != (h.txn_id == 0)) return false;
      break;
    case kReply:
      if ((h.flags & (kFlagHasRoot | kFlagOneWay)) != 0 || h.txn_id == 0) {
        return false;
      }
      break;
    case kRelease:
      if (h.flags != 0 || fd_count != 0 || h.object_count != 0 ||
          h.data_size != 0 || h.body_size == 0 ||
          h.body_size % sizeof(WireRelease) != 0 ||
          h.body_size / sizeof(WireRelease) > kMaxReleasesPerMessage ||
          datagram_len != sizeof(WireHeader) + h.body_size) {
        return false;
      }
      out->data = datagram + sizeof(WireHeader);
      return true;
    case kDeadNotice:
    case kFdsNext:
      return HeaderAlone(h, datagram_len, fd_count, 0);
    case kRingSetup:
      return HeaderAlone(h, datagram_len, fd_count, 1);
    default:
      return false;
  }
  // kRequest and kReply carry a parcel.
  if (!ValidateSizes(h)) return false;
  if ((h.flags & kFlagBodyPending) != 0 && (h.flags & kFlagBodyInRing) == 0) {
    return false;
  }
  if ((h.flags & kFlagBodyInRing) != 0) {
    if (in_memfd || h.body_size <= kMaxInlineBody ||
        datagram_len != sizeof(WireHeader) + sizeof(uint64_t)) {
      return false;
    }
    out->body_in_ring = true;
    std::memcpy(&out->ring_pos, datagram + sizeof(WireHeader),
                sizeof(uint64_t));
    return true;  // fd records are checked with the body (ValidateBody*)
  }
  if (in_memfd) {
    // Small bodies are never put in a memfd: refusing them keeps one way to
    // encode each message.
    if (datagram_len != sizeof(WireHeader) || fd_count < 1 ||
        h.body_size <= kMaxInlineBody) {
      return false;
    }
    out->body_in_memfd = true;
    return true;
  }
  if (h.body_size > kMaxInlineBody ||
      datagram_len != sizeof(WireHeader) + h.body_size) {
    return false;
  }
  return ValidateBody(h, datagram + sizeof(WireHeader), h.body_size, out);
}

bool ValidateFirstDatagram(const uint8_t* datagram, size_t datagram_len,
                           uint32_t fd_count, WireHeader* hello,
                           size_t* message_offset) {
  MessageLayout unused;
  if (datagram_len < sizeof(WireHeader) ||
      !ValidateMessage(datagram, sizeof(WireHeader), 0, hello, &unused) ||
      hello->type != kHello) {
    return false;
  }
  if ((hello->flags & kFlagMessageFollows) == 0) {
    *message_offset = 0;
    return datagram_len == sizeof(WireHeader) && fd_count == 0;
  }
  *message_offset = sizeof(WireHeader);
  return datagram_len > sizeof(WireHeader);
}

bool ValidateBody(const WireHeader& h, const uint8_t* body, size_t body_len,
                  MessageLayout* out) {
  if (body_len != h.body_size || !ValidateSizes(h)) return false;
  if (body == nullptr && body_len != 0) return false;
  const size_t table_len = size_t{h.object_count} * sizeof(WireObject);
  return ValidateBodyParts(h, body, table_len, body + table_len,
                           body_len - table_len, out);
}

bool ValidRingPosition(uint64_t expected, uint64_t pos, uint32_t size) {
  if (size == 0 || size > kRingSize || pos < expected) return false;
  if (pos != expected) {
    // Skipped to the start of the ring (the next lap), never further.
    if (pos % kRingSize != 0 || pos - expected >= kRingSize) return false;
  }
  return (pos % kRingSize) + size <= kRingSize;
}

bool ValidateBodyParts(const WireHeader& h, const uint8_t* table,
                       size_t table_len, const uint8_t* data, size_t data_len,
                       MessageLayout* out) {
  const bool in_memfd = (h.flags & kFlagBodyInMemfd) != 0;
  out->body_in_memfd = in_memfd;
  if (!ValidateSizes(h) ||
      table_len != size_t{h.object_count} * sizeof(WireObject) ||
      data_len != h.data_size) {
    return false;
  }
  if ((table == nullptr && table_len != 0) ||
      (data == nullptr && data_len != 0)) {
    return false;
  }
  out->objects = reinterpret_cast<const WireObject*>(table);
  out->data = data;
  out->fd_objects = 0;
  uint64_t min_offset = 0;
  for (uint32_t i = 0; i < h.object_count; ++i) {
    WireObject o = ObjectAt(*out, i);
    if (o.reserved2 != 0) return false;
    if (o.flags != 0 &&
        (o.flags != kObjectFlagRelay || o.kind != kObjectSenderHandle)) {
      return false;
    }
    if (o.offset < min_offset ||
        uint64_t{o.offset} + kObjectRecordSize > h.data_size) {
      return false;
    }
    min_offset = uint64_t{o.offset} + kObjectRecordSize;
    switch (o.kind) {
      case kObjectFd:
        if (o.handle != 0) return false;
        ++out->fd_objects;
        break;
      case kObjectSenderHandle:
      case kObjectReceiverHandle:
        break;
      default:
        return false;
    }
  }
  const uint32_t expected_fds = out->fd_objects + (in_memfd ? 1 : 0);
  if (h.fd_count != expected_fds || out->fd_objects > kMaxFdsPerMessage) {
    return false;
  }
  return true;
}

WireObject ObjectAt(const MessageLayout& layout, uint32_t i) {
  WireObject o;
  std::memcpy(&o,
              reinterpret_cast<const uint8_t*>(layout.objects) +
                  size_t{i} * sizeof(WireObject),
              sizeof(o));
  return o;
}

}  // namespace ncp::ipc::wire
