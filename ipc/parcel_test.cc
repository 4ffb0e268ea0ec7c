// Parcel facts of ipc_kit.md §2.4 and the parcel parts of §2.8, through the
// public C API.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"
#include "ipc/bridge.h"

namespace {

struct ParcelDeleter {
  void operator()(OHIPCParcel* p) const { OH_IPCParcel_Destroy(p); }
};
using ParcelPtr = std::unique_ptr<OHIPCParcel, ParcelDeleter>;

ParcelPtr NewParcel() { return ParcelPtr(OH_IPCParcel_Create()); }

void* FailingAllocator(int32_t) { return nullptr; }
void* MallocAllocator(int32_t len) { return malloc(len); }

int Noop(uint32_t, const OHIPCParcel*, OHIPCParcel*, void*) { return 0; }

TEST(ParcelTest, FreshParcelValues) {
  ParcelPtr p = NewParcel();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetReadableBytes(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetWritePosition(p.get()), 0);
}

TEST(ParcelTest, OneInt32GivesCapacity64) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), OH_IPC_SUCCESS);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 4);
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(p.get()), 60);
  EXPECT_EQ(OH_IPCParcel_GetWritePosition(p.get()), 4);
  EXPECT_EQ(OH_IPCParcel_GetReadableBytes(p.get()), 4);
}

TEST(ParcelTest, CapacityGrowthRule) {
  ParcelPtr p = NewParcel();
  auto capacity = [&] {
    return OH_IPCParcel_GetWritableBytes(p.get()) +
           OH_IPCParcel_GetWritePosition(p.get());
  };
  uint8_t buf[8192] = {};
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), buf, 64), 0);
  EXPECT_EQ(capacity(), 64);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);  // needs 68
  EXPECT_EQ(capacity(), 128);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), buf, 1000), 0);  // 1068
  EXPECT_EQ(capacity(), 2048);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), buf, 3028), 0);  // 4096
  EXPECT_EQ(capacity(), 4096);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);  // 4100
  EXPECT_EQ(capacity(), 8192);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), buf, 4092), 0);  // 8192
  EXPECT_EQ(capacity(), 8192);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);  // 8196
  EXPECT_EQ(capacity(), 12288);
  // Growth never shrinks: truncation keeps the capacity.
  ASSERT_EQ(OH_IPCParcel_RewindWritePosition(p.get(), 0), 0);
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(p.get()), 12288);
}

TEST(ParcelTest, CapacityCappedAt204800) {
  ParcelPtr p = NewParcel();
  std::string big(201000, 'x');
  ASSERT_EQ(
      OH_IPCParcel_WriteBuffer(
          p.get(), reinterpret_cast<const uint8_t*>(big.data()), big.size()),
      0);
  // 201000 needs floor(201000/4096)*4096 + 4096 = 204800.
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(p.get()), 3800);
}

// Large parcels (64 KiB and more) live in pooled blocks (parcel.h): the
// growth rule and the bytes are the same across the switch to such a block.
TEST(ParcelTest, LargeParcelsKeepTheGrowthRuleAndTheirBytes) {
  ParcelPtr p = NewParcel();
  std::vector<uint8_t> first(60000), second(10000);
  for (size_t i = 0; i < first.size(); ++i) first[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < second.size(); ++i) {
    second[i] = static_cast<uint8_t>(i * 7 + 3);
  }
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), first.data(), 60000), 0);
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(p.get()), 61440 - 60000);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), second.data(), 10000), 0);
  // 70000 needs floor(70000/4096)*4096 + 4096 = 73728.
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(p.get()), 73728 - 70000);
  const uint8_t* a = OH_IPCParcel_ReadBuffer(p.get(), 60000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(std::memcmp(a, first.data(), first.size()), 0);
  const uint8_t* b = OH_IPCParcel_ReadBuffer(p.get(), 10000);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(std::memcmp(b, second.data(), second.size()), 0);
}

// A freed large parcel's block serves the next one: creating, filling and
// destroying 200 KB parcels does not fault in fresh pages every time (glibc
// gives blocks that large back to the kernel, ~50 zeroed pages each).
TEST(ParcelTest, LargeParcelBlocksAreReusedNotFaultedInAgain) {
  std::vector<uint8_t> bytes(200000);
  auto cycle = [&](uint8_t seed) {
    for (size_t i = 0; i < bytes.size(); i += 4096) {
      bytes[i] = static_cast<uint8_t>(seed + i / 4096);
    }
    // Two at once, as a request and its reply.
    ParcelPtr request = NewParcel();
    ParcelPtr reply = NewParcel();
    ASSERT_EQ(OH_IPCParcel_WriteBuffer(request.get(), bytes.data(),
                                       static_cast<int32_t>(bytes.size())),
              0);
    ASSERT_EQ(OH_IPCParcel_WriteBuffer(reply.get(), bytes.data(),
                                       static_cast<int32_t>(bytes.size())),
              0);
    const uint8_t* back = OH_IPCParcel_ReadBuffer(
        reply.get(), static_cast<int32_t>(bytes.size()));
    ASSERT_NE(back, nullptr);
    ASSERT_EQ(std::memcmp(back, bytes.data(), bytes.size()), 0);
  };
  cycle(1);
  struct rusage before, after;
  ASSERT_EQ(getrusage(RUSAGE_SELF, &before), 0);
  for (int i = 0; i < 100; ++i) cycle(static_cast<uint8_t>(i));
  ASSERT_EQ(getrusage(RUSAGE_SELF, &after), 0);
  // 100 cycles x 2 parcels x 49 pages if every block were fresh.
  EXPECT_LT(after.ru_minflt - before.ru_minflt, 49);
}

TEST(ParcelTest, FillsWith51200Uint8AndNextFails) {
  ParcelPtr p = NewParcel();
  for (int i = 0; i < 51200; ++i) {
    ASSERT_EQ(OH_IPCParcel_WriteUint8(p.get(), static_cast<uint8_t>(i)),
              OH_IPC_SUCCESS)
        << i;
  }
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 204800);
  EXPECT_EQ(OH_IPCParcel_WriteUint8(p.get(), 1), OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteInt64(p.get(), 1), OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteString(p.get(), ""), OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 204800);
  EXPECT_EQ(OH_IPCParcel_GetWritePosition(p.get()), 204800);
  uint8_t v = 0;
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 204796), 0);
  ASSERT_EQ(OH_IPCParcel_ReadUint8(p.get(), &v), 0);
  EXPECT_EQ(v, static_cast<uint8_t>(51199));
}

TEST(ParcelTest, SmallIntegersTakeFourBytesAndExtend) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInt8(p.get(), -2), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt16(p.get(), -300), 0);
  ASSERT_EQ(OH_IPCParcel_WriteUint8(p.get(), 0xFE), 0);
  ASSERT_EQ(OH_IPCParcel_WriteUint16(p.get(), 0xFFFE), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 16);
  int32_t i32 = 0;
  uint32_t u32 = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p.get(), &i32), 0);
  EXPECT_EQ(i32, -2);  // sign-extended
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p.get(), &i32), 0);
  EXPECT_EQ(i32, -300);
  ASSERT_EQ(OH_IPCParcel_ReadUint32(p.get(), &u32), 0);
  EXPECT_EQ(u32, 0xFEu);  // zero-extended
  ASSERT_EQ(OH_IPCParcel_ReadUint32(p.get(), &u32), 0);
  EXPECT_EQ(u32, 0xFFFEu);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 0), 0);
  int8_t i8 = 0;
  int16_t i16 = 0;
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt8(p.get(), &i8), 0);
  ASSERT_EQ(OH_IPCParcel_ReadInt16(p.get(), &i16), 0);
  ASSERT_EQ(OH_IPCParcel_ReadUint8(p.get(), &u8), 0);
  ASSERT_EQ(OH_IPCParcel_ReadUint16(p.get(), &u16), 0);
  EXPECT_EQ(i8, -2);
  EXPECT_EQ(i16, -300);
  EXPECT_EQ(u8, 0xFE);
  EXPECT_EQ(u16, 0xFFFE);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 16);
}

TEST(ParcelTest, WideValuesRoundTripWithoutPadding) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 7), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt64(p.get(), -5000000000LL), 0);
  ASSERT_EQ(OH_IPCParcel_WriteUint64(p.get(), 0xF000000000000001ULL), 0);
  ASSERT_EQ(OH_IPCParcel_WriteFloat(p.get(), 1.5f), 0);
  ASSERT_EQ(OH_IPCParcel_WriteDouble(p.get(), -2.25), 0);
  ASSERT_EQ(OH_IPCParcel_WriteUint32(p.get(), 0xDEADBEEF), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 4 + 8 + 8 + 4 + 8 + 4);
  int32_t a;
  int64_t b;
  uint64_t c;
  float d;
  double e;
  uint32_t f;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p.get(), &a), 0);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 4);  // no padding
  ASSERT_EQ(OH_IPCParcel_ReadInt64(p.get(), &b), 0);
  ASSERT_EQ(OH_IPCParcel_ReadUint64(p.get(), &c), 0);
  ASSERT_EQ(OH_IPCParcel_ReadFloat(p.get(), &d), 0);
  ASSERT_EQ(OH_IPCParcel_ReadDouble(p.get(), &e), 0);
  ASSERT_EQ(OH_IPCParcel_ReadUint32(p.get(), &f), 0);
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, -5000000000LL);
  EXPECT_EQ(c, 0xF000000000000001ULL);
  EXPECT_EQ(d, 1.5f);
  EXPECT_EQ(e, -2.25);
  EXPECT_EQ(f, 0xDEADBEEFu);
}

TEST(ParcelTest, ReadPastEndFailsWithoutMoving) {
  ParcelPtr p = NewParcel();
  int64_t v = 99;
  EXPECT_EQ(OH_IPCParcel_ReadInt64(p.get(), &v), OH_IPC_PARCEL_READ_ERROR);
  EXPECT_EQ(v, 99);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);
  EXPECT_EQ(OH_IPCParcel_ReadInt64(p.get(), &v), OH_IPC_PARCEL_READ_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_ReadInt32(p.get(), nullptr), OH_IPC_CHECK_PARAM_ERROR);
}

TEST(ParcelTest, StringsArePaddedWithoutLengthPrefix) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteString(p.get(), ""), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 4);
  ASSERT_EQ(OH_IPCParcel_WriteString(p.get(), "abc"), 0);  // 4 bytes
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 8);
  ASSERT_EQ(OH_IPCParcel_WriteString(p.get(), "abcd"), 0);  // 5 -> 8
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 16);
  // Exact bytes: no prefix, NUL, zero padding.
  const uint8_t* raw = OH_IPCParcel_ReadBuffer(p.get(), 16);
  ASSERT_NE(raw, nullptr);
  const uint8_t expected[16] = {0,   0,   0,   0,   'a', 'b', 'c', 0,
                                'a', 'b', 'c', 'd', 0,   0,   0,   0};
  EXPECT_EQ(memcmp(raw, expected, 16), 0);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 0), 0);
  const char* s = OH_IPCParcel_ReadString(p.get());
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s, "");
  s = OH_IPCParcel_ReadString(p.get());
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s, "abc");
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 8);
  s = OH_IPCParcel_ReadString(p.get());
  EXPECT_STREQ(s, "abcd");
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 16);
  EXPECT_EQ(OH_IPCParcel_ReadString(p.get()), nullptr);
}

TEST(ParcelTest, ReadStringPointsIntoParcel) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteString(p.get(), "hello"), 0);
  const char* s = OH_IPCParcel_ReadString(p.get());
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 0), 0);
  const uint8_t* raw = OH_IPCParcel_ReadBuffer(p.get(), 4);
  EXPECT_EQ(reinterpret_cast<const void*>(raw),
            reinterpret_cast<const void*>(s));
}

TEST(ParcelTest, ReadStringWithoutNulFailsAndKeepsPosition) {
  ParcelPtr p = NewParcel();
  const uint8_t bytes[4] = {'a', 'b', 'c', 'd'};
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), bytes, 4), 0);
  EXPECT_EQ(OH_IPCParcel_ReadString(p.get()), nullptr);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 0);
}

TEST(ParcelTest, WriteBufferZeroLengthIsRejected) {
  ParcelPtr p = NewParcel();
  const uint8_t b[1] = {1};
  EXPECT_EQ(OH_IPCParcel_WriteBuffer(p.get(), b, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteBuffer(p.get(), b, -1), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteBuffer(p.get(), nullptr, 1),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 0);
}

TEST(ParcelTest, ReadBufferAdvancesExactlyLenQuirk) {
  ParcelPtr p = NewParcel();
  const uint8_t three[3] = {1, 2, 3};
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), three, 3), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 0x11223344), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 8);
  const uint8_t* got = OH_IPCParcel_ReadBuffer(p.get(), 3);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(memcmp(got, three, 3), 0);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 3);
  // Misaligned: reads the padding byte and 3 bytes of the int.
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p.get(), &v), 0);
  EXPECT_EQ(v, 0x22334400);
  EXPECT_EQ(OH_IPCParcel_ReadBuffer(p.get(), 0), nullptr);
  EXPECT_EQ(OH_IPCParcel_ReadBuffer(p.get(), 2), nullptr);  // 1 readable
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 7);
}

TEST(ParcelTest, BufferRoundTrip10Bytes) {
  ParcelPtr p = NewParcel();
  const uint8_t zeros[10] = {};
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(), zeros, 10), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 12);
  EXPECT_NE(OH_IPCParcel_ReadBuffer(p.get(), 10), nullptr);
}

TEST(ParcelTest, RewindBeyondSizeIsInnerError) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);
  EXPECT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 5), OH_IPC_INNER_ERROR);
  EXPECT_EQ(OH_IPCParcel_RewindWritePosition(p.get(), 5), OH_IPC_INNER_ERROR);
  EXPECT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 4), 0);
  EXPECT_EQ(OH_IPCParcel_RewindReadPosition(nullptr, 0),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_RewindWritePosition(nullptr, 0),
            OH_IPC_CHECK_PARAM_ERROR);
}

TEST(ParcelTest, RewindWriteZeroTruncates) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 2), 0);
  ASSERT_EQ(OH_IPCParcel_RewindWritePosition(p.get(), 0), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetReadableBytes(p.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetWritePosition(p.get()), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 3), 0);
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p.get(), &v), 0);
  EXPECT_EQ(v, 3);
}

TEST(ParcelTest, RewindWriteDropsObjectsPastTheEnd) {
  ParcelPtr p = NewParcel();
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 1), 0);
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), fd), 0);
  close(fd);
  ASSERT_EQ(OH_IPCParcel_RewindWritePosition(p.get(), 8), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt64(p.get(), 0), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt64(p.get(), 0), 0);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 4), 0);
  int32_t out = -1;
  EXPECT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), &out),
            OH_IPC_PARCEL_READ_ERROR);
}

TEST(ParcelTest, InterfaceTokenExactLayoutAndRoundTrip) {
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInterfaceToken(p.get(), "ab"), 0);
  // 0x100, 0, count 2, "a\0b\0\0\0" (6 bytes) padded to 8.
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 20);
  const uint8_t* raw = OH_IPCParcel_ReadBuffer(p.get(), 20);
  ASSERT_NE(raw, nullptr);
  int32_t words[3];
  memcpy(words, raw, 12);
  EXPECT_EQ(words[0], 0x100);
  EXPECT_EQ(words[1], 0);
  EXPECT_EQ(words[2], 2);
  const char16_t expected[4] = {u'a', u'b', 0, 0};
  EXPECT_EQ(memcmp(raw + 12, expected, 8), 0);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 0), 0);
  char* token = nullptr;
  int32_t len = 0;
  ASSERT_EQ(
      OH_IPCParcel_ReadInterfaceToken(p.get(), &token, &len, MallocAllocator),
      0);
  EXPECT_STREQ(token, "ab");
  EXPECT_EQ(len, 3);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 20);
  free(token);
}

TEST(ParcelTest, InterfaceTokenNonAsciiAndFailingAllocator) {
  ParcelPtr p = NewParcel();
  const char* t = "NativeChildIpcTest-\xC3\xA9\xF0\x9F\x98\x80";
  ASSERT_EQ(OH_IPCParcel_WriteInterfaceToken(p.get(), t), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p.get(), 5), 0);
  char* token = reinterpret_cast<char*>(0x1);
  int32_t len = 0;
  EXPECT_EQ(
      OH_IPCParcel_ReadInterfaceToken(p.get(), &token, &len, FailingAllocator),
      OH_IPC_MEM_ALLOCATOR_ERROR);
  EXPECT_EQ(token, nullptr);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 0);  // restored
  ASSERT_EQ(
      OH_IPCParcel_ReadInterfaceToken(p.get(), &token, &len, MallocAllocator),
      0);
  EXPECT_STREQ(token, t);
  EXPECT_EQ(len, static_cast<int32_t>(strlen(t) + 1));
  free(token);
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p.get(), &v), 0);
  EXPECT_EQ(v, 5);
}

TEST(ParcelTest, InterfaceTokenArgumentChecks) {
  ParcelPtr p = NewParcel();
  EXPECT_EQ(OH_IPCParcel_WriteInterfaceToken(p.get(), nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteInterfaceToken(p.get(), ""),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteInterfaceToken(p.get(), "bad\xFF"),
            OH_IPC_PARCEL_WRITE_ERROR);
  std::string huge(204801, 'a');
  EXPECT_EQ(OH_IPCParcel_WriteInterfaceToken(p.get(), huge.c_str()),
            OH_IPC_CHECK_PARAM_ERROR);
  std::string too_big_for_capacity(150000, 'a');  // 300 KB as UTF-16
  EXPECT_EQ(
      OH_IPCParcel_WriteInterfaceToken(p.get(), too_big_for_capacity.c_str()),
      OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetWritePosition(p.get()), 0);
  char* token = nullptr;
  int32_t len = 0;
  EXPECT_EQ(
      OH_IPCParcel_ReadInterfaceToken(p.get(), nullptr, &len, MallocAllocator),
      OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadInterfaceToken(p.get(), &token, nullptr,
                                            MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadInterfaceToken(p.get(), &token, &len, nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  // Missing token reads as "".
  ASSERT_EQ(
      OH_IPCParcel_ReadInterfaceToken(p.get(), &token, &len, MallocAllocator),
      0);
  EXPECT_STREQ(token, "");
  EXPECT_EQ(len, 1);
  free(token);
}

TEST(ParcelTest, InterfaceTokenWithBadUtf16IsReadError) {
  ParcelPtr p = NewParcel();
  int32_t header[3] = {0x100, 0, 1};
  const char16_t lone[2] = {0xD800, 0};
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(
                p.get(), reinterpret_cast<const uint8_t*>(header), 12),
            0);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p.get(),
                                     reinterpret_cast<const uint8_t*>(lone), 4),
            0);
  char* token = nullptr;
  int32_t len = 0;
  EXPECT_EQ(
      OH_IPCParcel_ReadInterfaceToken(p.get(), &token, &len, MallocAllocator),
      OH_IPC_PARCEL_READ_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 0);
  free(token);
}

TEST(ParcelTest, AppendCopiesAllAndRebasesObjects) {
  ParcelPtr a = NewParcel();
  ParcelPtr b = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteInt32(a.get(), 1), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(b.get(), 2), 0);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(b.get(), fd), 0);
  close(fd);
  ASSERT_EQ(OH_IPCParcel_WriteString(b.get(), "xyz"), 0);
  int32_t skip;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(b.get(), &skip), 0);  // position ignored
  const int size_a = OH_IPCParcel_GetDataSize(a.get());
  const int size_b = OH_IPCParcel_GetDataSize(b.get());
  ASSERT_EQ(OH_IPCParcel_Append(a.get(), b.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(a.get()), size_a + size_b);
  int32_t v;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(a.get(), &v), 0);
  EXPECT_EQ(v, 1);
  ASSERT_EQ(OH_IPCParcel_ReadInt32(a.get(), &v), 0);
  EXPECT_EQ(v, 2);
  int32_t got = -1;
  ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(a.get(), &got), 0);
  EXPECT_GT(got, 0);
  close(got);
  EXPECT_STREQ(OH_IPCParcel_ReadString(a.get()), "xyz");
  // Empty data: success, no change.
  ParcelPtr empty = NewParcel();
  ASSERT_EQ(OH_IPCParcel_Append(a.get(), empty.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(a.get()), size_a + size_b);
  // Appending to itself doubles it.
  ASSERT_EQ(OH_IPCParcel_Append(b.get(), b.get()), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(b.get()), 2 * size_b);
  EXPECT_EQ(OH_IPCParcel_Append(nullptr, b.get()), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_Append(a.get(), nullptr), OH_IPC_CHECK_PARAM_ERROR);
}

TEST(ParcelTest, AppendBeyondCapacityFails) {
  ParcelPtr a = NewParcel();
  ParcelPtr b = NewParcel();
  std::string big(150000, 'x');
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(big.data());
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(a.get(), bytes, big.size()), 0);
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(b.get(), bytes, big.size()), 0);
  EXPECT_EQ(OH_IPCParcel_Append(a.get(), b.get()), OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(a.get()), 150000);
}

TEST(ParcelTest, FileDescriptorsAreDupedBothWays) {
  ParcelPtr p = NewParcel();
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), pipefd[1]), 0);
  close(pipefd[1]);  // the caller keeps ownership; the parcel has a dup
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 24);
  int32_t fd = -1;
  ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), &fd), 0);
  EXPECT_GT(fd, 0);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(write(fd, "x", 1), 1);
  close(fd);
  // Reading the same record again gives another fresh duplicate.
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 0), 0);
  ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), &fd), 0);
  close(fd);
  p.reset();  // closes the parcel's dup: now the pipe has no writer
  char c;
  EXPECT_EQ(read(pipefd[0], &c, 1), 1);
  EXPECT_EQ(read(pipefd[0], &c, 1), 0);  // EOF
  close(pipefd[0]);
}

TEST(ParcelTest, AtMost252FileDescriptors) {
  // SCM_RIGHTS carries 253 fds per message and one is kept for the body
  // memfd: a parcel refuses the 253rd fd so that every parcel can be sent.
  ParcelPtr p = NewParcel();
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (int i = 0; i < 252; ++i) {
    ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), fd), 0) << i;
  }
  const int size = OH_IPCParcel_GetDataSize(p.get());
  EXPECT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), fd),
            OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), size);
  ParcelPtr q = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(q.get(), fd), 0);
  EXPECT_EQ(OH_IPCParcel_Append(p.get(), q.get()), OH_IPC_PARCEL_WRITE_ERROR);
  close(fd);
}

TEST(ParcelTest, FileDescriptorSharesOffset) {
  char path[] = "/tmp/ncp_parcel_fd_XXXXXX";
  int file = mkostemp(path, O_CLOEXEC);
  ASSERT_GE(file, 0);
  unlink(path);
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), file), 0);
  int32_t fd = -1;
  ASSERT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), &fd), 0);
  ASSERT_EQ(write(fd, "abcd", 4), 4);
  EXPECT_EQ(lseek(file, 0, SEEK_CUR), 4);
  close(fd);
  close(file);
}

TEST(ParcelTest, FileDescriptorErrors) {
  ParcelPtr p = NewParcel();
  EXPECT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), -1),
            OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteFileDescriptor(p.get(), 987654),
            OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteFileDescriptor(nullptr, 0),
            OH_IPC_CHECK_PARAM_ERROR);
  int32_t fd = -1;
  EXPECT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), &fd),
            OH_IPC_PARCEL_READ_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  // An int is not an fd record.
  ASSERT_EQ(
      OH_IPCParcel_WriteBuffer(
          p.get(), reinterpret_cast<const uint8_t*>("012345678901234567890123"),
          24),
      0);
  EXPECT_EQ(OH_IPCParcel_ReadFileDescriptor(p.get(), &fd),
            OH_IPC_PARCEL_READ_ERROR);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(p.get()), 0);
}

TEST(ParcelTest, StubRoundTripInProcessGivesSameObject) {
  int destroyed = 0;
  OHIPCRemoteStub* stub = OH_IPCRemoteStub_Create(
      "ncp.test.Same", Noop, [](void* d) { ++*static_cast<int*>(d); },
      &destroyed);
  ASSERT_NE(stub, nullptr);
  ParcelPtr p = NewParcel();
  ASSERT_EQ(OH_IPCParcel_WriteRemoteStub(p.get(), stub), 0);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(p.get()), 24);
  OH_IPCRemoteStub_Destroy(stub);  // the parcel still holds a reference
  EXPECT_EQ(destroyed, 0);
  OHIPCRemoteStub* again = OH_IPCParcel_ReadRemoteStub(p.get());
  ASSERT_NE(again, nullptr);
  ASSERT_EQ(OH_IPCParcel_RewindReadPosition(p.get(), 0), 0);
  OHIPCRemoteProxy* as_proxy = OH_IPCParcel_ReadRemoteProxy(p.get());
  ASSERT_NE(as_proxy, nullptr);
  char* desc = nullptr;
  int32_t len = 0;
  ASSERT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(as_proxy, &desc, &len,
                                                     MallocAllocator),
            0);
  EXPECT_STREQ(desc, "ncp.test.Same");
  free(desc);
  OH_IPCRemoteProxy_Destroy(as_proxy);
  p.reset();
  EXPECT_EQ(destroyed, 0);
  OH_IPCRemoteStub_Destroy(again);
  EXPECT_EQ(destroyed, 1);
}

TEST(ParcelTest, ObjectReadsOnEmptyParcelReturnNull) {
  ParcelPtr p = NewParcel();
  EXPECT_EQ(OH_IPCParcel_ReadRemoteProxy(p.get()), nullptr);
  EXPECT_EQ(OH_IPCParcel_ReadRemoteStub(p.get()), nullptr);
  EXPECT_EQ(OH_IPCParcel_WriteRemoteStub(p.get(), nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteRemoteProxy(p.get(), nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
}

TEST(ParcelTest, NullEverywhere) {
  EXPECT_EQ(OH_IPCParcel_GetDataSize(nullptr), -1);
  EXPECT_EQ(OH_IPCParcel_GetWritableBytes(nullptr), -1);
  EXPECT_EQ(OH_IPCParcel_GetReadableBytes(nullptr), -1);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(nullptr), -1);
  EXPECT_EQ(OH_IPCParcel_GetWritePosition(nullptr), -1);
  OH_IPCParcel_Destroy(nullptr);
  EXPECT_EQ(OH_IPCParcel_WriteInt8(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteInt16(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteInt32(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteInt64(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteUint8(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteUint16(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteUint32(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteUint64(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteFloat(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteDouble(nullptr, 0), OH_IPC_CHECK_PARAM_ERROR);
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  float f;
  double d;
  EXPECT_EQ(OH_IPCParcel_ReadInt8(nullptr, &i8), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadInt16(nullptr, &i16), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadInt32(nullptr, &i32), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadInt64(nullptr, &i64), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadUint8(nullptr, &u8), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadUint16(nullptr, &u16), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadUint32(nullptr, &u32), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadUint64(nullptr, &u64), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadFloat(nullptr, &f), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadDouble(nullptr, &d), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_WriteString(nullptr, "a"), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadString(nullptr), nullptr);
  EXPECT_EQ(OH_IPCParcel_ReadBuffer(nullptr, 1), nullptr);
  EXPECT_EQ(OH_IPCParcel_ReadRemoteStub(nullptr), nullptr);
  EXPECT_EQ(OH_IPCParcel_ReadRemoteProxy(nullptr), nullptr);
  int32_t fd;
  EXPECT_EQ(OH_IPCParcel_ReadFileDescriptor(nullptr, &fd),
            OH_IPC_CHECK_PARAM_ERROR);
  char* t;
  int32_t len;
  EXPECT_EQ(OH_IPCParcel_WriteInterfaceToken(nullptr, "a"),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCParcel_ReadInterfaceToken(nullptr, &t, &len, MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  ParcelPtr p = NewParcel();
  EXPECT_EQ(OH_IPCParcel_WriteString(p.get(), nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  // A handle of another type is not a parcel.
  OHIPCRemoteStub* stub =
      OH_IPCRemoteStub_Create("ncp.test.X", Noop, nullptr, nullptr);
  EXPECT_EQ(OH_IPCParcel_GetDataSize(reinterpret_cast<OHIPCParcel*>(stub)), -1);
  OH_IPCRemoteStub_Destroy(stub);
}

TEST(ParcelTest, EveryParcelCarriesTheBridge) {
  const ncp::ipc::Bridge* bridge =
      ncp::ipc::FindBridge(OH_IPCParcel_Create, OH_IPCParcel_Destroy);
  ASSERT_NE(bridge, nullptr);
  EXPECT_EQ(bridge->version, ncp::ipc::kBridgeVersion);
  EXPECT_NE(bridge->adopt_connection, nullptr);
  EXPECT_NE(bridge->proxy_peer_pid, nullptr);
  EXPECT_EQ(bridge->proxy_peer_pid(nullptr), -1);
  EXPECT_EQ(bridge->adopt_connection(-1, nullptr, nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  // Not a SEQPACKET socket: refused (and closed).
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  EXPECT_EQ(bridge->adopt_connection(pipefd[0], nullptr, nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(fcntl(pipefd[0], F_GETFD), -1);
  close(pipefd[1]);
}

}  // namespace
