#include "ipc/utf.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace ncp::ipc {
namespace {

TEST(UtfTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8("", 0));
  EXPECT_TRUE(IsValidUtf8("abc", 3));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9));
  EXPECT_FALSE(IsValidUtf8("\xC0\x80", 2));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80", 3));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80", 4));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82", 2));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80", 1));
}

TEST(UtfTest, RoundTrips) {
  const char* s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  std::u16string u;
  ASSERT_TRUE(Utf8ToUtf16(s, strlen(s), &u));
  EXPECT_EQ(u.size(), 5u);  // a, é, €, and a surrogate pair
  std::string back;
  ASSERT_TRUE(Utf16ToUtf8(u.data(), u.size(), &back));
  EXPECT_EQ(back, s);
  const char16_t lone[] = {0xDC00};
  EXPECT_FALSE(Utf16ToUtf8(lone, 1, &back));
  const char16_t high[] = {0xD800, u'a'};
  EXPECT_FALSE(Utf16ToUtf8(high, 2, &back));
}

}  // namespace
}  // namespace ncp::ipc
