// Remote objects within one process (ipc_kit.md §2.5): stubs, local
// proxies, death recipients, argument checks.
#include <cstdlib>
#include <cstring>
#include <string>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"

namespace {

void* MallocAllocator(int32_t len) { return malloc(len); }

struct Calls {
  int requests = 0;
  int destroyed = 0;
  int result = 0;
  bool wrote_reply = false;
};

int Handler(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
            void* user) {
  Calls* calls = static_cast<Calls*>(user);
  ++calls->requests;
  int32_t v = 0;
  OH_IPCParcel_ReadInt32(data, &v);
  if (calls->wrote_reply) OH_IPCParcel_WriteInt32(reply, v + code);
  return calls->result;
}

void OnDestroy(void* user) { ++static_cast<Calls*>(user)->destroyed; }

// A local proxy for `stub`: written to a parcel and read back as a proxy.
OHIPCRemoteProxy* LocalProxy(OHIPCRemoteStub* stub) {
  OHIPCParcel* p = OH_IPCParcel_Create();
  OH_IPCParcel_WriteRemoteStub(p, stub);
  OHIPCRemoteProxy* proxy = OH_IPCParcel_ReadRemoteProxy(p);
  OH_IPCParcel_Destroy(p);
  return proxy;
}

TEST(RemoteObjectTest, StubCreateChecks) {
  Calls c;
  EXPECT_EQ(OH_IPCRemoteStub_Create(nullptr, Handler, nullptr, &c), nullptr);
  EXPECT_EQ(OH_IPCRemoteStub_Create("d", nullptr, nullptr, &c), nullptr);
  EXPECT_EQ(OH_IPCRemoteStub_Create("", Handler, nullptr, &c), nullptr);
  EXPECT_EQ(OH_IPCRemoteStub_Create("bad\xC0\x80", Handler, nullptr, &c),
            nullptr);
  std::string huge(204801, 'a');
  EXPECT_EQ(OH_IPCRemoteStub_Create(huge.c_str(), Handler, nullptr, &c),
            nullptr);
  OHIPCRemoteStub* s = OH_IPCRemoteStub_Create("d", Handler, nullptr, nullptr);
  ASSERT_NE(s, nullptr);
  OH_IPCRemoteStub_Destroy(s);
  OH_IPCRemoteStub_Destroy(nullptr);
}

TEST(RemoteObjectTest, DestroyCallbackRunsWhenLastReferenceGoes) {
  Calls c;
  OHIPCRemoteStub* s = OH_IPCRemoteStub_Create("d", Handler, OnDestroy, &c);
  OH_IPCRemoteStub_Destroy(s);
  EXPECT_EQ(c.destroyed, 1);  // by the time Destroy returns

  Calls c2;
  s = OH_IPCRemoteStub_Create("d", Handler, OnDestroy, &c2);
  OHIPCRemoteProxy* proxy = LocalProxy(s);
  OH_IPCRemoteStub_Destroy(s);
  EXPECT_EQ(c2.destroyed, 0);  // the proxy still references it
  OH_IPCRemoteProxy_Destroy(proxy);
  EXPECT_EQ(c2.destroyed, 1);
}

TEST(RemoteObjectTest, LocalCallRunsInlineAndPassesCodes) {
  Calls c;
  c.wrote_reply = true;
  OHIPCRemoteStub* s = OH_IPCRemoteStub_Create("d", Handler, OnDestroy, &c);
  OHIPCRemoteProxy* proxy = LocalProxy(s);
  ASSERT_NE(proxy, nullptr);
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  OH_IPCParcel_WriteInt32(data, 10);
  int32_t skip;
  OH_IPCParcel_ReadInt32(data, &skip);  // the handler still sees position 0
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync), 0);
  EXPECT_EQ(c.requests, 1);
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(reply, &v), 0);
  EXPECT_EQ(v, 15);
  EXPECT_EQ(OH_IPCParcel_GetReadPosition(data), 4);  // restored
  // Code mapping, also in-process.
  c.result = -1;
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync),
            OH_IPC_INVALID_USER_ERROR_CODE);
  c.result = 401;
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, nullptr),
            OH_IPC_INVALID_USER_ERROR_CODE);
  c.result = 1909123;
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync),
            1909123);
  c.result = OH_IPC_INNER_ERROR;
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, reply, &sync),
            OH_IPC_INNER_ERROR);
  // Async to a local stub: still inline, reply may be NULL.
  c.result = 0;
  OH_IPC_MessageOption async = {OH_IPC_REQUEST_MODE_ASYNC, 0, nullptr};
  const int before = c.requests;
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 5, data, nullptr, &async), 0);
  EXPECT_EQ(c.requests, before + 1);
  // Local proxies are never dead and take no death recipients.
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(proxy), 0);
  OHIPCDeathRecipient* r =
      OH_IPCDeathRecipient_Create([](void*) {}, nullptr, nullptr);
  EXPECT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy, r), OH_IPC_INNER_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_RemoveDeathRecipient(proxy, r),
            OH_IPC_INNER_ERROR);
  OH_IPCDeathRecipient_Destroy(r);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCRemoteStub_Destroy(s);
  EXPECT_EQ(c.destroyed, 1);
}

TEST(RemoteObjectTest, SendRequestChecksInOrder) {
  Calls c;
  OHIPCRemoteStub* s = OH_IPCRemoteStub_Create("d", Handler, nullptr, &c);
  OHIPCRemoteProxy* proxy = LocalProxy(s);
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  int dummy = 0;
  OH_IPC_MessageOption bad = {OH_IPC_REQUEST_MODE_SYNC, 0, &dummy};
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  OH_IPC_MessageOption async = {OH_IPC_REQUEST_MODE_ASYNC, 0, nullptr};
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(nullptr, 0, nullptr, nullptr, &sync),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 1, nullptr, reply, &sync),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 1, data, reply, &bad),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 0, data, reply, &sync),
            OH_IPC_CODE_OUT_OF_RANGE);
  EXPECT_EQ(
      OH_IPCRemoteProxy_SendRequest(proxy, 0x01000000, data, reply, &sync),
      OH_IPC_CODE_OUT_OF_RANGE);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 0, data, nullptr, &sync),
            OH_IPC_CODE_OUT_OF_RANGE);  // the code is checked before reply
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 1, data, nullptr, &sync),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_SendRequest(proxy, 1, data, nullptr, nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(c.requests, 0);
  EXPECT_EQ(
      OH_IPCRemoteProxy_SendRequest(proxy, 0x00FFFFFF, data, nullptr, &async),
      0);
  EXPECT_EQ(c.requests, 1);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCRemoteStub_Destroy(s);
}

TEST(RemoteObjectTest, DescriptorOfLocalProxy) {
  OHIPCRemoteStub* s =
      OH_IPCRemoteStub_Create("ncp.test.Desc", Handler, nullptr, nullptr);
  OHIPCRemoteProxy* proxy = LocalProxy(s);
  char* desc = nullptr;
  int32_t len = 0;
  ASSERT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, &desc, &len,
                                                     MallocAllocator),
            0);
  EXPECT_STREQ(desc, "ncp.test.Desc");
  EXPECT_EQ(len, 14);
  free(desc);
  desc = reinterpret_cast<char*>(1);
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(
                proxy, &desc, &len, [](int32_t) -> void* { return nullptr; }),
            OH_IPC_MEM_ALLOCATOR_ERROR);
  EXPECT_EQ(desc, nullptr);
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(nullptr, &desc, &len,
                                                     MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, nullptr, &len,
                                                     MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, &desc, nullptr,
                                                     MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(
      OH_IPCRemoteProxy_GetInterfaceDescriptor(proxy, &desc, &len, nullptr),
      OH_IPC_CHECK_PARAM_ERROR);
  OH_IPCRemoteProxy_Destroy(proxy);
  OH_IPCRemoteStub_Destroy(s);
}

TEST(RemoteObjectTest, DeathRecipientLifetime) {
  EXPECT_EQ(OH_IPCDeathRecipient_Create(nullptr, nullptr, nullptr), nullptr);
  int destroyed = 0;
  OHIPCDeathRecipient* r = OH_IPCDeathRecipient_Create(
      [](void*) {}, [](void* d) { ++*static_cast<int*>(d); }, &destroyed);
  ASSERT_NE(r, nullptr);
  OH_IPCDeathRecipient_Destroy(r);
  EXPECT_EQ(destroyed, 1);
  OH_IPCDeathRecipient_Destroy(nullptr);
  r = OH_IPCDeathRecipient_Create([](void*) {}, nullptr, nullptr);
  EXPECT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(nullptr, r),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCRemoteProxy_RemoveDeathRecipient(nullptr, r),
            OH_IPC_CHECK_PARAM_ERROR);
  OH_IPCDeathRecipient_Destroy(r);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(nullptr), 1);
  OH_IPCRemoteProxy_Destroy(nullptr);
}

}  // namespace
