#include "ipc/wire.h"

#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace ncp::ipc::wire {
namespace {

WireHeader Header(uint8_t type) {
  WireHeader h{};
  h.magic = kMagic;
  h.version = kVersion;
  h.type = type;
  return h;
}

std::vector<uint8_t> Pack(const WireHeader& h,
                          const std::vector<WireObject>& objects = {},
                          size_t data_size = 0) {
  std::vector<uint8_t> out(sizeof(h) + objects.size() * sizeof(WireObject) +
                           data_size);
  std::memcpy(out.data(), &h, sizeof(h));
  if (!objects.empty()) {
    std::memcpy(out.data() + sizeof(h), objects.data(),
                objects.size() * sizeof(WireObject));
  }
  return out;
}

bool Valid(const std::vector<uint8_t>& m, uint32_t fds = 0) {
  WireHeader h;
  MessageLayout layout;
  return ValidateMessage(m.data(), m.size(), fds, &h, &layout);
}

TEST(WireTest, HelloRules) {
  WireHeader h = Header(kHello);
  EXPECT_TRUE(Valid(Pack(h)));
  h.flags = kFlagHasRoot;
  EXPECT_TRUE(Valid(Pack(h)));
  EXPECT_FALSE(Valid(Pack(h), 1));  // fds on a hello
  h.flags = kFlagOneWay;
  EXPECT_FALSE(Valid(Pack(h)));
  h = Header(kHello);
  h.fd_count = 1;
  EXPECT_FALSE(Valid(Pack(h), 1));
  // kFlagMessageFollows: on a HELLO only (the receiver validates the
  // HELLO's 48 bytes, then the rest of the datagram as a message).
  h = Header(kHello);
  h.flags = kFlagHasRoot | kFlagMessageFollows;
  EXPECT_TRUE(Valid(Pack(h)));
  for (uint8_t type :
       {kRequest, kReply, kRelease, kDeadNotice, kRingSetup, kFdsNext}) {
    WireHeader other = Header(type);
    size_t body = 0;
    uint32_t fds = 0;
    if (type == kRequest || type == kReply) other.txn_id = 1;
    if (type == kRelease) body = other.body_size = sizeof(WireRelease);
    if (type == kRingSetup) fds = other.fd_count = 1;
    EXPECT_TRUE(Valid(Pack(other, {}, body), fds)) << static_cast<int>(type);
    other.flags |= kFlagMessageFollows;
    EXPECT_FALSE(Valid(Pack(other, {}, body), fds)) << static_cast<int>(type);
  }
}

TEST(WireTest, FirstDatagramRules) {
  auto first = [](const std::vector<uint8_t>& m, uint32_t fds, size_t* offset) {
    WireHeader h;
    return ValidateFirstDatagram(m.data(), m.size(), fds, &h, offset);
  };
  size_t offset = 99;
  WireHeader hello = Header(kHello);
  EXPECT_TRUE(first(Pack(hello), 0, &offset));
  EXPECT_EQ(offset, 0u);
  EXPECT_FALSE(first(Pack(hello), 1, &offset));  // fds on a lone HELLO
  std::vector<uint8_t> trailing = Pack(hello);
  trailing.resize(trailing.size() + 16);
  EXPECT_FALSE(first(trailing, 0, &offset));  // more than a HELLO, unflagged
  hello.flags = kFlagHasRoot | kFlagMessageFollows;
  EXPECT_FALSE(first(Pack(hello), 0, &offset));  // flagged, nothing follows
  WireHeader request = Header(kRequest);
  request.txn_id = 1;
  request.fd_count = 1;
  std::vector<uint8_t> both = Pack(hello);
  const std::vector<uint8_t> message = Pack(request);
  both.insert(both.end(), message.begin(), message.end());
  EXPECT_TRUE(first(both, 1, &offset));  // the fd is the message's
  EXPECT_EQ(offset, sizeof(WireHeader));
  EXPECT_FALSE(first(message, 1, &offset));  // not a HELLO
}

TEST(WireTest, RejectsBadMagicVersionTypeAndShortDatagrams) {
  WireHeader h = Header(kRequest);
  h.txn_id = 1;
  EXPECT_TRUE(Valid(Pack(h)));
  std::vector<uint8_t> m = Pack(h);
  EXPECT_FALSE(Valid(std::vector<uint8_t>(m.begin(), m.begin() + 47)));
  h.magic = 0;
  EXPECT_FALSE(Valid(Pack(h)));
  h.magic = kMagic;
  h.version = kVersion + 1;
  EXPECT_FALSE(Valid(Pack(h)));
  h.version = kVersion;
  h.type = 77;
  EXPECT_FALSE(Valid(Pack(h)));
  h.type = kRequest;
  h.flags = 0x80;
  EXPECT_FALSE(Valid(Pack(h)));
  EXPECT_FALSE(Valid({}, 0));
}

TEST(WireTest, RequestTransactionIdMatchesMode) {
  WireHeader h = Header(kRequest);
  EXPECT_FALSE(Valid(Pack(h)));  // sync without id
  h.flags = kFlagOneWay;
  EXPECT_TRUE(Valid(Pack(h)));
  h.txn_id = 5;
  EXPECT_FALSE(Valid(Pack(h)));  // one-way with id
  WireHeader r = Header(kReply);
  EXPECT_FALSE(Valid(Pack(r)));
  r.txn_id = 5;
  EXPECT_TRUE(Valid(Pack(r)));
}

TEST(WireTest, SizesMustAgree) {
  WireHeader h = Header(kReply);
  h.txn_id = 1;
  h.data_size = 8;
  h.body_size = 8;
  EXPECT_TRUE(Valid(Pack(h, {}, 8)));
  EXPECT_FALSE(Valid(Pack(h, {}, 4)));   // shorter than declared
  EXPECT_FALSE(Valid(Pack(h, {}, 12)));  // longer than declared
  h.body_size = 12;
  EXPECT_FALSE(Valid(Pack(h, {}, 12)));  // body != table + data
  h.data_size = kMaxDataSize + 4;
  h.body_size = h.data_size;
  EXPECT_FALSE(Valid(Pack(h, {}, 0)));
  h = Header(kReply);
  h.txn_id = 1;
  h.object_count = 60000;
  h.body_size = 60000 * 16;
  EXPECT_FALSE(Valid(Pack(h)));
}

TEST(WireTest, ObjectRecordsAreChecked) {
  WireHeader h = Header(kReply);
  h.txn_id = 1;
  h.object_count = 2;
  h.data_size = 48;
  h.body_size = 2 * 16 + 48;
  WireObject a{}, b{};
  a.kind = kObjectSenderHandle;
  a.offset = 0;
  b.kind = kObjectFd;
  b.offset = 24;
  h.fd_count = 1;
  EXPECT_TRUE(Valid(Pack(h, {a, b}, 48), 1));
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 0));  // fewer fds
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 2));  // more fds
  b.offset = 8;                                 // overlaps a
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
  b.offset = 25;  // past the data
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
  b.offset = 24;
  b.kind = 9;
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
  b.kind = kObjectFd;
  b.handle = 3;  // fds carry no handle
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
  b.handle = 0;
  a.flags = 2;  // no such flag
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
  b.flags = kObjectFlagRelay;  // only an object of the sender's is a relay
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
  b.flags = 0;
  a.flags = 0;
  std::swap(a.offset, b.offset);  // not increasing
  EXPECT_FALSE(Valid(Pack(h, {a, b}, 48), 1));
}

TEST(WireTest, MemfdBodies) {
  WireHeader h = Header(kRequest);
  h.flags = kFlagOneWay | kFlagBodyInMemfd;
  h.data_size = 100000;
  h.body_size = 100000;
  h.fd_count = 1;
  WireHeader out;
  MessageLayout layout;
  std::vector<uint8_t> m = Pack(h);
  ASSERT_TRUE(ValidateMessage(m.data(), m.size(), 1, &out, &layout));
  EXPECT_TRUE(layout.body_in_memfd);
  std::vector<uint8_t> body(100000);
  EXPECT_TRUE(ValidateBody(out, body.data(), body.size(), &layout));
  EXPECT_FALSE(ValidateBody(out, body.data(), body.size() - 1, &layout));
  EXPECT_FALSE(Valid(m, 0));        // the memfd itself is missing
  h.data_size = h.body_size = 100;  // small bodies are never in a memfd
  EXPECT_FALSE(Valid(Pack(h), 1));
}

TEST(WireTest, RingBodies) {
  WireHeader h = Header(kReply);
  h.txn_id = 1;
  h.flags = kFlagBodyInRing;
  h.data_size = h.body_size = 100000;
  std::vector<uint8_t> m(sizeof(h) + 8);
  std::memcpy(m.data(), &h, sizeof(h));
  WireHeader out;
  MessageLayout layout;
  ASSERT_TRUE(ValidateMessage(m.data(), m.size(), 0, &out, &layout));
  EXPECT_TRUE(layout.body_in_ring);
  EXPECT_FALSE(ValidateMessage(m.data(), m.size() - 1, 0, &out, &layout));
  // A body announced before it is written: only in the ring.
  h.flags = kFlagBodyInRing | kFlagBodyPending;
  std::memcpy(m.data(), &h, sizeof(h));
  EXPECT_TRUE(ValidateMessage(m.data(), m.size(), 0, &out, &layout));
  h.flags = kFlagBodyPending;
  std::memcpy(m.data(), &h, sizeof(h));
  EXPECT_FALSE(ValidateMessage(m.data(), m.size(), 0, &out, &layout));
  h.flags = kFlagBodyInMemfd | kFlagBodyPending;
  std::memcpy(m.data(), &h, sizeof(h));
  EXPECT_FALSE(
      Valid(std::vector<uint8_t>(m.begin(), m.begin() + sizeof(h)), 1));
  h.flags = kFlagBodyInRing;
  h.data_size = h.body_size = 100;  // small bodies are always inline
  std::memcpy(m.data(), &h, sizeof(h));
  EXPECT_FALSE(ValidateMessage(m.data(), m.size(), 0, &out, &layout));
  // Positions: contiguous, skipping to the next lap only when needed.
  EXPECT_TRUE(ValidRingPosition(0, 0, 1000));
  EXPECT_FALSE(ValidRingPosition(0, 8, 1000));
  EXPECT_FALSE(ValidRingPosition(100, 0, 1000));
  EXPECT_TRUE(ValidRingPosition(kRingSize - 100, kRingSize, 1000));
  // The sender may also restart at the next lap when the ring is empty.
  EXPECT_TRUE(ValidRingPosition(kRingSize - 2000, kRingSize, 1000));
  EXPECT_TRUE(ValidRingPosition(1000, kRingSize, 1000));
  EXPECT_FALSE(ValidRingPosition(1000, 2 * kRingSize, 1000));
  EXPECT_FALSE(ValidRingPosition(kRingSize, kRingSize + 4096, 1000));
  EXPECT_FALSE(ValidRingPosition(kRingSize - 100, kRingSize - 100, 1000));
  EXPECT_FALSE(ValidRingPosition(0, 0, kRingSize + 1));
  EXPECT_FALSE(ValidRingPosition(0, 3 * kRingSize, 1000));
}

TEST(WireTest, RingSetup) {
  WireHeader h = Header(kRingSetup);
  h.fd_count = 1;
  EXPECT_TRUE(Valid(Pack(h), 1));
  EXPECT_FALSE(Valid(Pack(h), 0));
  h.fd_count = 2;
  EXPECT_FALSE(Valid(Pack(h), 2));
}

// An announcement of fds to come is a bare header: no fds, body or ids.
TEST(WireTest, FdsNextIsAHeaderAlone) {
  const WireHeader h = Header(kFdsNext);
  EXPECT_TRUE(Valid(Pack(h)));
  EXPECT_FALSE(Valid(Pack(h), 1));
  WireHeader bad = h;
  bad.fd_count = 1;
  EXPECT_FALSE(Valid(Pack(bad), 1));
  bad = h;
  bad.flags = kFlagOneWay;
  EXPECT_FALSE(Valid(Pack(bad)));
  bad = h;
  bad.txn_id = 1;
  EXPECT_FALSE(Valid(Pack(bad)));
  bad = h;
  bad.body_size = bad.data_size = 4;
  EXPECT_FALSE(Valid(Pack(bad, {}, 4)));
  std::vector<uint8_t> trailing = Pack(h);
  trailing.push_back(0);
  EXPECT_FALSE(Valid(trailing));
}

TEST(WireTest, ReleaseMessages) {
  WireHeader h = Header(kRelease);
  h.body_size = 32;
  std::vector<uint8_t> m(sizeof(h) + 32);
  std::memcpy(m.data(), &h, sizeof(h));
  EXPECT_TRUE(Valid(m));
  EXPECT_FALSE(Valid(m, 1));
  h.body_size = 24;
  std::memcpy(m.data(), &h, sizeof(h));
  EXPECT_FALSE(Valid(m));
  h.body_size = 0;
  EXPECT_FALSE(Valid(Pack(h)));
}

}  // namespace
}  // namespace ncp::ipc::wire
