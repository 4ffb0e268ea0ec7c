// OH_Ability_*ChildProcessConfigs* (spec §1.4, §1.13).
#include <string>

#include "AbilityKit/native_child_process.h"
#include "gtest/gtest.h"

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

}  // namespace
