// The skeleton outside IPC context (ipc_kit.md §2.6, §2.8). The IPC-context
// behaviour is tested across processes in cross_process_test.cc.
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"

namespace {

void* MallocAllocator(int32_t len) { return malloc(len); }

TEST(SkeletonTest, IdentityOutsideIpcContext) {
  EXPECT_EQ(OH_IPCSkeleton_GetCallingPid(), static_cast<uint64_t>(getpid()));
  EXPECT_EQ(OH_IPCSkeleton_GetCallingUid(), static_cast<uint64_t>(getuid()));
  EXPECT_EQ(OH_IPCSkeleton_GetCallingTokenId(),
            static_cast<uint64_t>(getuid()));
  EXPECT_EQ(OH_IPCSkeleton_GetSelfTokenId(), static_cast<uint64_t>(getuid()));
  EXPECT_EQ(OH_IPCSkeleton_GetFirstTokenId(), 0u);
  EXPECT_EQ(OH_IPCSkeleton_IsLocalCalling(), 1);
  EXPECT_EQ(OH_IPCSkeleton_IsHandlingTransaction(), 0);
}

TEST(SkeletonTest, SetThenResetIdentityOutsideIpc) {
  EXPECT_EQ(OH_IPCSkeleton_SetCallingIdentity("STUB_DESCRIPTOR"), 0);
  EXPECT_EQ(OH_IPCSkeleton_SetCallingIdentity(nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  char* id = nullptr;
  int32_t len = 0;
  ASSERT_EQ(OH_IPCSkeleton_ResetCallingIdentity(&id, &len, MallocAllocator), 0);
  EXPECT_STREQ(id, "");
  EXPECT_EQ(len, 1);
  free(id);
  EXPECT_EQ(OH_IPCSkeleton_ResetCallingIdentity(nullptr, &len, MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCSkeleton_ResetCallingIdentity(&id, nullptr, MallocAllocator),
            OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCSkeleton_ResetCallingIdentity(&id, &len, nullptr),
            OH_IPC_CHECK_PARAM_ERROR);
  id = reinterpret_cast<char*>(1);
  EXPECT_EQ(OH_IPCSkeleton_ResetCallingIdentity(
                &id, &len, [](int32_t) -> void* { return nullptr; }),
            OH_IPC_MEM_ALLOCATOR_ERROR);
  EXPECT_EQ(id, nullptr);
}

TEST(SkeletonTest, MaxWorkThreadNumRange) {
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(0), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(33), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(-1), OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(1), 0);
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(32), 0);
  EXPECT_EQ(OH_IPCSkeleton_SetMaxWorkThreadNum(16), 0);
}

TEST(SkeletonTest, JoinInDetachedThreadAndStopOnMain) {
  // As the conformance suite does: join from a detached thread (it keeps
  // serving until the process exits), stop on the main thread (harmless).
  std::thread([] { OH_IPCSkeleton_JoinWorkThread(); }).detach();
  OH_IPCSkeleton_StopWorkThread();
  EXPECT_EQ(OH_IPCSkeleton_IsHandlingTransaction(), 0);
}

}  // namespace
