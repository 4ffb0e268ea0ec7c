#include "base/real_path.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace ncp {
namespace {

std::string Libc(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? resolved : "";
}

TEST(RealPathTest, AgreesWithRealpathThroughSymlinksDotsAndSlashes) {
  std::string dir = std::string(getenv("TEST_TMPDIR")) + "/rp";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir + "/real").c_str(), 0755), 0);
  ASSERT_EQ(symlink("real", (dir + "/link").c_str()), 0);
  ASSERT_EQ(symlink(dir.c_str(), (dir + "/loop_free").c_str()), 0);
  for (const std::string& path :
       {dir + "/link", dir + "//link/", dir + "/real/../link",
        dir + "/loop_free/link", std::string("/"), std::string("/proc/self")}) {
    EXPECT_EQ(RealPath(path), Libc(path)) << path;
  }
}

TEST(RealPathTest, MissingIsEmpty) {
  EXPECT_EQ(RealPath("/nonexistent/x"), "");
  EXPECT_EQ(RealPath(""), "");
}

}  // namespace
}  // namespace ncp
