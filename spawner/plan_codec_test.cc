#include "spawner/plan_codec.h"

#include <sys/mount.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace ncp::spawner {
namespace {

SpawnPlan Sample(MountOp* ops, sock_filter* filter) {
  SpawnPlan p;
  p.namespace_flags = 0x7e020000;
  p.uid_map = "0 1000 1\n";
  p.gid_map = nullptr;
  p.root_staging = "/tmp";
  ops[0] = {MountOpKind::kBindReadOnly,
            "/oldroot/usr",
            "/newroot/usr",
            nullptr,
            MS_NOSUID,
            0};
  ops[1] = {MountOpKind::kTmpfs, nullptr, "/newroot/tmp", "mode=1777", 0, 1};
  p.mounts = ops;
  p.n_mounts = 2;
  p.root_read_only = true;
  p.hostname = "ncp-sandbox";
  p.loopback_up = true;
  p.drop_capabilities = true;
  p.cap_last_cap = 40;
  p.set_ids = true;
  p.uid = 110001;
  p.gid = 110002;
  p.no_new_privs = true;
  filter[0] = {0x06, 0, 0, 0x7fff0000};
  filter[1] = {0x06, 0, 0, 0x00050001};
  p.seccomp_filter = filter;
  p.seccomp_filter_len = 2;
  p.pdeath_signal = 9;
  p.trace_fd_index = 5;
  return p;
}

TEST(PlanCodecTest, RoundTrip) {
  MountOp ops[2];
  sock_filter filter[2];
  SpawnPlan in = Sample(ops, filter);
  std::string bytes = EncodePlan(in);
  DecodedPlan decoded;
  ASSERT_TRUE(decoded.Decode(bytes.data(), bytes.size()));
  const SpawnPlan& out = decoded.plan();
  EXPECT_EQ(out.namespace_flags, in.namespace_flags);
  EXPECT_STREQ(out.uid_map, in.uid_map);
  EXPECT_EQ(out.gid_map, nullptr);
  EXPECT_STREQ(out.root_staging, "/tmp");
  ASSERT_EQ(out.n_mounts, 2);
  EXPECT_EQ(out.mounts[0].kind, MountOpKind::kBindReadOnly);
  EXPECT_STREQ(out.mounts[0].source, "/oldroot/usr");
  EXPECT_EQ(out.mounts[1].source, nullptr);
  EXPECT_STREQ(out.mounts[1].data, "mode=1777");
  EXPECT_EQ(out.mounts[0].flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(out.mounts[1].optional, 1);
  EXPECT_TRUE(out.root_read_only);
  EXPECT_STREQ(out.hostname, "ncp-sandbox");
  EXPECT_TRUE(out.loopback_up && out.drop_capabilities && out.set_ids &&
              out.no_new_privs);
  EXPECT_EQ(out.uid, 110001u);
  EXPECT_EQ(out.gid, 110002u);
  ASSERT_EQ(out.seccomp_filter_len, 2);
  EXPECT_EQ(memcmp(out.seccomp_filter, filter, sizeof(filter)), 0);
  EXPECT_EQ(out.pdeath_signal, 9);
  EXPECT_EQ(out.trace_fd_index, 5);
  // Not carried: what the zygote fills in.
  EXPECT_EQ(out.source_fds, nullptr);
  EXPECT_EQ(out.exec_fd, -1);
  EXPECT_EQ(out.report_fd, -1);
}

// The zygote keys its spares by a plan's encoding, and a spare compares a
// request's plan as sent with its key: decoding and encoding again must give
// the same bytes.
TEST(PlanCodecTest, EncodingIsCanonical) {
  MountOp ops[2];
  sock_filter filter[2];
  SpawnPlan in = Sample(ops, filter);
  for (int trace : {5, -1}) {
    in.trace_fd_index = trace;
    const std::string bytes = EncodePlan(in);
    DecodedPlan decoded;
    ASSERT_TRUE(decoded.Decode(bytes.data(), bytes.size()));
    EXPECT_EQ(EncodePlan(decoded.plan()), bytes);
  }
  SpawnPlan empty;
  const std::string bytes = EncodePlan(empty);
  DecodedPlan decoded;
  ASSERT_TRUE(decoded.Decode(bytes.data(), bytes.size()));
  EXPECT_EQ(EncodePlan(decoded.plan()), bytes);
}

TEST(PlanCodecTest, EveryTruncationAndTrailingByteIsRejected) {
  MountOp ops[2];
  sock_filter filter[2];
  std::string bytes = EncodePlan(Sample(ops, filter));
  DecodedPlan decoded;
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(decoded.Decode(bytes.data(), len)) << len;
  }
  std::string longer = bytes + "x";
  EXPECT_FALSE(decoded.Decode(longer.data(), longer.size()));
}

TEST(PlanCodecTest, HostileCountsAreRejected) {
  SpawnPlan p;
  std::string bytes = EncodePlan(p);
  // The mount count sits after magic, version, flags and three absent
  // strings (4 + 4 + 8 + 3 * 4 bytes).
  std::string bad = bytes;
  uint32_t huge = 0xffffffff;
  memcpy(&bad[28], &huge, sizeof(huge));
  DecodedPlan decoded;
  EXPECT_FALSE(decoded.Decode(bad.data(), bad.size()));
  ASSERT_TRUE(decoded.Decode(bytes.data(), bytes.size()));
}

}  // namespace
}  // namespace ncp::spawner
