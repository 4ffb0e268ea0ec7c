// The HiLog format conversion: printf with %{public}/%{private}.
#include <stdint.h>
#include <sys/types.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "compat/hilog/log_format.h"
#include "gtest/gtest.h"

namespace {

std::string Format(bool show_private, const char* fmt, ...) {
  char out[256];
  va_list ap;
  va_start(ap, fmt);
  size_t full = ncp::hilog::FormatMessage(out, sizeof(out), fmt, &ap,
                                          show_private, /*saved_errno=*/ENOENT);
  va_end(ap);
  EXPECT_EQ(full, strlen(out)) << "cut unexpectedly";
  return out;
}

TEST(FormatTest, PublicValuesArePrinted) {
  EXPECT_EQ(Format(false, "n=%{public}d s=%{public}s", 42, "abc"),
            "n=42 s=abc");
  EXPECT_EQ(Format(false, "%{public}u %{public}x %{public}X %{public}o", 7u,
                   255u, 255u, 8u),
            "7 ff FF 10");
  EXPECT_EQ(Format(false, "%{public}c%{public}c", 'o', 'k'), "ok");
  EXPECT_EQ(Format(false, "%{public}.2f %{public}g", 3.14159, 0.5), "3.14 0.5");
}

TEST(FormatTest, PrivateAndUnflaggedValuesAreHidden) {
  EXPECT_EQ(Format(false, "Failed to visit %{private}s, reason:%{public}d.",
                   "http://x", 11),
            "Failed to visit <private>, reason:11.");
  // No flag means private, as on OpenHarmony.
  EXPECT_EQ(Format(false, "%s and %d", "secret", 5), "<private> and <private>");
  // An unknown flag is not "public".
  EXPECT_EQ(Format(false, "%{Public}d %{}d", 1, 2), "<private> <private>");
}

TEST(FormatTest, PrivateArgumentsAreConsumedInOrder) {
  // A hidden long long, double and string must not shift later arguments.
  EXPECT_EQ(Format(false, "%lld %f %s %{public}d", 1LL << 40, 2.5, "x", 9),
            "<private> <private> <private> 9");
  EXPECT_EQ(Format(false, "%*d|%{public}d", 8, 1, 2), "<private>|2");
  EXPECT_EQ(Format(false, "%{private}.*s|%{public}s", 3, "abcdef", "next"),
            "<private>|next");
}

TEST(FormatTest, ShowPrivatePrintsEverything) {
  EXPECT_EQ(Format(true, "%s %{private}d %{public}d", "a", 1, 2), "a 1 2");
}

TEST(FormatTest, FlagsWidthPrecisionAndLengths) {
  EXPECT_EQ(
      Format(false, "[%{public}-5d][%{public}05d][%{public}+d]", 42, 42, 42),
      "[42   ][00042][+42]");
  EXPECT_EQ(Format(false, "[%{public}*d][%{public}.*f]", 6, -7, 1, 2.25),
            "[    -7][2.2]");
  EXPECT_EQ(Format(false, "%{public}lld %{public}llu", LLONG_MIN, ULLONG_MAX),
            "-9223372036854775808 18446744073709551615");
  EXPECT_EQ(Format(false, "%{public}zu %{public}zd %{public}jd",
                   static_cast<size_t>(123), static_cast<ssize_t>(-4),
                   static_cast<intmax_t>(5)),
            "123 -4 5");
  EXPECT_EQ(Format(false, "%{public}hhd %{public}hd %{public}ld", 1, 2, 3L),
            "1 2 3");
  EXPECT_EQ(Format(false, "%{public}Lg", 1.5L), "1.5");
  EXPECT_EQ(Format(false, "%{public}ls", L"wide"), "wide");
}

TEST(FormatTest, PercentPointerErrnoAndN) {
  EXPECT_EQ(Format(false, "100%% %{public}d%%", 5), "100% 5%");
  EXPECT_EQ(Format(false, "%{public}p", reinterpret_cast<void*>(0x1234)),
            "0x1234");
  EXPECT_EQ(Format(false, "%{public}m / %m"),
            std::string(strerror(ENOENT)) + " / <private>");
  int n = -1;
  EXPECT_EQ(Format(false, "ab%{public}n%{public}d", &n, 3), "ab3");
  EXPECT_EQ(n, -1) << "%n must not write";
}

TEST(FormatTest, MalformedFormatsArePrintedAsText) {
  EXPECT_EQ(Format(false, "50%"), "50%");
  EXPECT_EQ(Format(false, "x %{public"), "x %{public");
  EXPECT_EQ(Format(false, "%{public}y %{public}d", 4), "%{public}y 4");
}

TEST(FormatTest, LongOutputIsCutButCounted) {
  char out[8];
  va_list ap;
  auto run = [&](const char* fmt, ...) {
    va_start(ap, fmt);
    size_t full = ncp::hilog::FormatMessage(out, sizeof(out), fmt, &ap,
                                            /*show_private=*/false, 0);
    va_end(ap);
    return full;
  };
  EXPECT_EQ(run("%{public}s!", "0123456789"), 11u);
  EXPECT_STREQ(out, "0123456");
  EXPECT_EQ(run("0123456789 %s", "x"), 20u);
  EXPECT_STREQ(out, "0123456");
}

}  // namespace
