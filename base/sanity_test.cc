#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
TEST(Sanity, Works) {
  EXPECT_EQ(absl::StrCat("a", 1), "a1");
  EXPECT_TRUE(absl::OkStatus().ok());
}
