// The IPC acceptance expectations of ipc_kit.md §2.8 (OpenHarmony's
// capi_ipc conformance cases), one test per group, in one place.
#include <cstdlib>
#include <thread>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"

namespace {

void* Alloc(int32_t len) { return malloc(len); }
int Handler(uint32_t, const OHIPCParcel*, OHIPCParcel*, void*) { return 0; }

TEST(AcceptanceTest, CreateAndDestroyObjects) {
  OHIPCParcel* p = OH_IPCParcel_Create();
  ASSERT_NE(p, nullptr);
  OH_IPCParcel_Destroy(p);
  OHIPCRemoteStub* s1 = OH_IPCRemoteStub_Create("d", Handler, nullptr, nullptr);
  OHIPCRemoteStub* s2 = OH_IPCRemoteStub_Create(
      "d", Handler, [](void*) {}, nullptr);
  ASSERT_NE(s1, nullptr);
  ASSERT_NE(s2, nullptr);
  OH_IPCRemoteStub_Destroy(s1);
  OH_IPCRemoteStub_Destroy(s2);
  OHIPCDeathRecipient* r =
      OH_IPCDeathRecipient_Create([](void*) {}, [](void*) {}, nullptr);
  ASSERT_NE(r, nullptr);
  OH_IPCDeathRecipient_Destroy(r);
}

TEST(AcceptanceTest, DefaultWritesSucceedAndEmptyReadsReturn) {
  OHIPCParcel* p = OH_IPCParcel_Create();
  EXPECT_EQ(OH_IPCParcel_WriteInt8(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteInt16(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteInt32(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteInt64(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteUint8(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteUint16(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteUint32(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteUint64(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteFloat(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteDouble(p, 0), 0);
  EXPECT_EQ(OH_IPCParcel_WriteString(p, ""), 0);
  EXPECT_EQ(OH_IPCParcel_WriteInterfaceToken(p, "token"), 0);
  OH_IPCParcel_Destroy(p);
  // Reads from an empty parcel: called, values ignored, no crash.
  OHIPCParcel* e = OH_IPCParcel_Create();
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
  OH_IPCParcel_ReadInt8(e, &i8);
  OH_IPCParcel_ReadInt16(e, &i16);
  OH_IPCParcel_ReadInt32(e, &i32);
  OH_IPCParcel_ReadInt64(e, &i64);
  OH_IPCParcel_ReadUint8(e, &u8);
  OH_IPCParcel_ReadUint16(e, &u16);
  OH_IPCParcel_ReadUint32(e, &u32);
  OH_IPCParcel_ReadUint64(e, &u64);
  OH_IPCParcel_ReadFloat(e, &f);
  OH_IPCParcel_ReadDouble(e, &d);
  OH_IPCParcel_ReadString(e);
  OH_IPCParcel_ReadBuffer(e, 4);
  EXPECT_EQ(OH_IPCParcel_ReadRemoteProxy(e), nullptr);
  OH_IPCParcel_Destroy(e);
}

TEST(AcceptanceTest, StringBufferStubAndAppend) {
  OHIPCParcel* p = OH_IPCParcel_Create();
  ASSERT_EQ(OH_IPCParcel_WriteString(p, ""), 0);
  EXPECT_NE(OH_IPCParcel_ReadString(p), nullptr);
  const uint8_t zeros[10] = {};
  ASSERT_EQ(OH_IPCParcel_WriteBuffer(p, zeros, 10), 0);
  EXPECT_NE(OH_IPCParcel_ReadBuffer(p, 10), nullptr);
  OH_IPCParcel_Destroy(p);

  p = OH_IPCParcel_Create();
  OHIPCRemoteStub* s = OH_IPCRemoteStub_Create("d", Handler, nullptr, nullptr);
  ASSERT_EQ(OH_IPCParcel_WriteRemoteStub(p, s), 0);
  OH_IPCRemoteStub_Destroy(s);
  OHIPCRemoteStub* back = OH_IPCParcel_ReadRemoteStub(p);
  EXPECT_NE(back, nullptr);
  OH_IPCRemoteStub_Destroy(back);
  OH_IPCParcel_Destroy(p);

  OHIPCParcel* a = OH_IPCParcel_Create();
  OHIPCParcel* b = OH_IPCParcel_Create();
  ASSERT_EQ(OH_IPCParcel_WriteInt8(a, 1), 0);
  EXPECT_EQ(OH_IPCParcel_Append(b, a), 0);
  OH_IPCParcel_Destroy(a);
  OH_IPCParcel_Destroy(b);
}

TEST(AcceptanceTest, NullProxyCallsFail) {
  OH_IPC_MessageOption opt = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  EXPECT_NE(OH_IPCRemoteProxy_SendRequest(nullptr, 0, nullptr, nullptr, &opt),
            0);
  char* desc = nullptr;
  int32_t len = 0;
  EXPECT_NE(
      OH_IPCRemoteProxy_GetInterfaceDescriptor(nullptr, &desc, &len, Alloc), 0);
  OHIPCDeathRecipient* r =
      OH_IPCDeathRecipient_Create([](void*) {}, nullptr, nullptr);
  EXPECT_NE(OH_IPCRemoteProxy_AddDeathRecipient(nullptr, r), 0);
  EXPECT_NE(OH_IPCRemoteProxy_RemoveDeathRecipient(nullptr, r), 0);
  OH_IPCDeathRecipient_Destroy(r);
  EXPECT_NE(OH_IPCRemoteProxy_IsRemoteDead(nullptr), 0);
}

TEST(AcceptanceTest, Skeleton) {
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(1), 0);
  EXPECT_EQ(OH_IPCSkeleton_SetCallingIdentity("STUB_DESCRIPTOR"), 0);
  char* id = nullptr;
  int32_t len = 0;
  EXPECT_EQ(OH_IPCSkeleton_ResetCallingIdentity(&id, &len, Alloc), 0);
  free(id);
  std::thread([] { OH_IPCSkeleton_JoinWorkThread(); }).detach();
  OH_IPCSkeleton_StopWorkThread();
  OH_IPCSkeleton_GetCallingTokenId();
  OH_IPCSkeleton_GetFirstTokenId();
  OH_IPCSkeleton_GetSelfTokenId();
  OH_IPCSkeleton_GetCallingPid();
  OH_IPCSkeleton_GetCallingUid();
  OH_IPCSkeleton_IsLocalCalling();
  OH_IPCSkeleton_IsHandlingTransaction();
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(16), 0);
}

}  // namespace
