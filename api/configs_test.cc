// OH_Ability_*ChildProcessConfigs* (spec §1.4, §1.13).
#include <stdlib.h>

#include <climits>
#include <string>

#include "AbilityKit/native_child_process.h"
#include "gtest/gtest.h"
#include "ncp/child_exit.h"

// configs_test_c_callers.c
extern "C" {
Ability_NativeChildProcess_ErrCode NcpTestSetIsolationMode(
    Ability_ChildProcessConfigs* configs, int mode);
Ability_NativeChildProcess_ErrCode NcpTestStart(const char* entry, int mode,
                                                int32_t* pid);
const char* NcpTestExitKindName(int kind);
const char* NcpTestSetupStageName(int stage);
}

namespace {

TEST(ConfigsTest, CreateSetDestroy) {
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  ASSERT_NE(configs, nullptr);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetIsolationMode(
                configs, NCP_ISOLATION_MODE_ISOLATED),
            NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetIsolationMode(
                configs, static_cast<NativeChildProcess_IsolationMode>(7)),
            NCP_NO_ERROR);  // unvalidated, as on OpenHarmony
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetIsolationUid(configs, true),
            NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(configs, "abc_123"),
            NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(
                configs, std::string(64, 'x').c_str()),
            NCP_NO_ERROR);
  EXPECT_EQ(OH_Ability_DestroyChildProcessConfigs(configs), NCP_NO_ERROR);
}

TEST(ConfigsTest, NullConfigsIs401) {
  EXPECT_EQ(OH_Ability_DestroyChildProcessConfigs(nullptr),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetIsolationMode(
                nullptr, NCP_ISOLATION_MODE_NORMAL),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetIsolationUid(nullptr, true),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(nullptr, "abc"),
            NCP_ERR_INVALID_PARAM);
}

TEST(ConfigsTest, BadProcessNamesAre401) {
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  ASSERT_NE(configs, nullptr);
  for (const char* name : {static_cast<const char*>(nullptr), "", "abc_123([",
                           "with space", "a-b", "dot.name", "ünï",
                           "70 characters with spaces are far too long for a "
                           "process name, surely"}) {
    EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(configs, name),
              NCP_ERR_INVALID_PARAM)
        << (name ? name : "NULL");
  }
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(
                configs, std::string(65, 'x').c_str()),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_DestroyChildProcessConfigs(configs), NCP_NO_ERROR);
}

// A C caller may pass any int where the API takes an enum; the library reads
// such arguments as ints (the API fuzzer's UBSan run found enum loads of
// out-of-range values, undefined in C++). Under --config=ubsan this test
// fails on the old code.
TEST(ConfigsTest, OutOfRangeEnumsFromC) {
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  ASSERT_NE(configs, nullptr);
  for (int mode : {2, -1, INT_MAX, INT_MIN}) {
    EXPECT_EQ(NcpTestSetIsolationMode(configs, mode), NCP_NO_ERROR) << mode;
  }
  EXPECT_EQ(OH_Ability_DestroyChildProcessConfigs(configs), NCP_NO_ERROR);

  // Past the argument checks without starting anything.
  ASSERT_EQ(setenv("NCP_MULTI_PROCESS", "0", 1), 0);
  int32_t pid = -1;
  for (int mode : {2, -1, INT_MAX}) {
    EXPECT_EQ(NcpTestStart("libnone.so:Main", mode, &pid),
              NCP_ERR_MULTI_PROCESS_DISABLED)
        << mode;
  }
  EXPECT_EQ(pid, -1);
  ASSERT_EQ(unsetenv("NCP_MULTI_PROCESS"), 0);

  EXPECT_STREQ(NcpTestExitKindName(NCP_CHILD_KILLED), "killed");
  for (int kind : {0, 7, -1, INT_MAX}) {
    EXPECT_STREQ(NcpTestExitKindName(kind), "unknown") << kind;
  }
  EXPECT_STREQ(NcpTestSetupStageName(NCP_SETUP_SECCOMP), "seccomp");
  for (int stage : {-1, 17, INT_MIN}) {
    EXPECT_STREQ(NcpTestSetupStageName(stage), "unknown") << stage;
  }
}

}  // namespace
