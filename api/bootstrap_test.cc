#include "api/bootstrap.h"

#include <string>

#include "gtest/gtest.h"

namespace ncp::api {
namespace {

Bootstrap Sample() {
  Bootstrap b;
  b.kind = Bootstrap::kStart;
  b.flags = Bootstrap::kRunAsInit;
  b.process_name = "app:Native_libx0";
  b.ipc_library = "/lib/libipc_capi.so";
  b.library = "/opt/libx.so";
  b.symbol = "Main";
  b.params = std::string("a\0b", 3);
  b.fds = {{"a", 4}, {"b", 5}};
  b.channel_fd = 6;
  b.status_fd = 7;
  b.trace_fd = 9;
  return b;
}

TEST(BootstrapTest, RoundTrip) {
  std::string data = EncodeBootstrap(Sample());
  Bootstrap out;
  ASSERT_TRUE(DecodeBootstrap(data.data(), data.size(), &out));
  Bootstrap in = Sample();
  EXPECT_EQ(out.kind, in.kind);
  EXPECT_EQ(out.flags, in.flags);
  EXPECT_EQ(out.process_name, in.process_name);
  EXPECT_EQ(out.ipc_library, in.ipc_library);
  EXPECT_EQ(out.library, in.library);
  EXPECT_EQ(out.symbol, in.symbol);
  EXPECT_EQ(out.params, in.params);
  EXPECT_EQ(out.fds, in.fds);
  EXPECT_EQ(out.channel_fd, 6);
  EXPECT_EQ(out.status_fd, 7);
  EXPECT_EQ(out.trace_fd, 9);
}

TEST(BootstrapTest, EveryTruncationIsRejected) {
  std::string data = EncodeBootstrap(Sample());
  for (size_t len = 0; len < data.size(); ++len) {
    Bootstrap out;
    EXPECT_FALSE(DecodeBootstrap(data.data(), len, &out)) << len;
  }
}

TEST(BootstrapTest, TrailingBytesAndBadMagicAreRejected) {
  std::string data = EncodeBootstrap(Sample());
  Bootstrap out;
  std::string longer = data + "x";
  EXPECT_FALSE(DecodeBootstrap(longer.data(), longer.size(), &out));
  std::string bad = data;
  bad[0] ^= 1;
  EXPECT_FALSE(DecodeBootstrap(bad.data(), bad.size(), &out));
}

TEST(BootstrapTest, HugeLengthIsRejected) {
  std::string data = EncodeBootstrap(Sample());
  // The process name's length field follows 7 header words.
  data[28] = '\xff';
  data[29] = '\xff';
  data[30] = '\xff';
  data[31] = '\x7f';
  Bootstrap out;
  EXPECT_FALSE(DecodeBootstrap(data.data(), data.size(), &out));
}

}  // namespace
}  // namespace ncp::api
