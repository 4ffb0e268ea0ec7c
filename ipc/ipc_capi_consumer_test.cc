// A consumer of //ipc:ipc_capi: the public headers and the shipped
// libipc_capi.so linked dynamically (as libchild_process.so does).
#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <string>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"

namespace {

TEST(IpcCapiConsumerTest, LinksTheSharedLibrary) {
  OHIPCParcel* p = OH_IPCParcel_Create();
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(p, 5), 0);
  int32_t v = 0;
  ASSERT_EQ(OH_IPCParcel_ReadInt32(p, &v), 0);
  EXPECT_EQ(v, 5);
  OH_IPCParcel_Destroy(p);
  // The function comes from libipc_capi.so, not from this executable.
  Dl_info info;
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&OH_IPCParcel_Create), &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  EXPECT_NE(std::string(info.dli_fname).find("libipc_capi.so"),
            std::string::npos)
      << info.dli_fname;
}

}  // namespace
