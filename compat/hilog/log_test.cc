// <hilog/log.h>: what OH_LOG_* write to stderr, levels, limits, callback.
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#undef LOG_DOMAIN
#undef LOG_TAG
#define LOG_DOMAIN 0x3200
#define LOG_TAG "MY_TAG"
#include "hilog/log.h"

namespace {

// Captures what the library writes to fd 2.
class StderrCapture {
 public:
  StderrCapture() {
    fd_ = memfd_create("stderr", MFD_CLOEXEC);
    saved_ = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
    dup2(fd_, STDERR_FILENO);
  }
  ~StderrCapture() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    close(fd_);
  }
  std::string Text() const {
    std::string text(static_cast<size_t>(lseek(fd_, 0, SEEK_END)), '\0');
    pread(fd_, text.data(), text.size(), 0);
    return text;
  }

 private:
  int fd_ = -1;
  int saved_ = -1;
};

class PrintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("NCP_HILOG_LEVEL");
    unsetenv("NCP_HILOG_PRIVATE");
    OH_LOG_SetMinLogLevel(LOG_DEBUG);
    OH_LOG_SetCallback(nullptr);
  }
};

TEST_F(PrintTest, MacroWritesOneHilogLine) {
  StderrCapture capture;
  OH_LOG_INFO(LOG_APP, "Failed to visit %{private}s, reason:%{public}d.", "url",
              11);
  std::string line = capture.Text();
  // "MM-DD HH:MM:SS.mmm  pid   tid I A03200/MY_TAG: ..."
  EXPECT_TRUE(::testing::internal::RE::FullMatch(
      line,
      ::testing::internal::RE("[0-9][0-9]-[0-9][0-9] [0-9:]+\\.[0-9][0-9][0-9] "
                              " *[0-9]+ +[0-9]+ I A03200/MY_TAG: Failed to "
                              "visit <private>, reason:11\\.\n")))
      << line;
  EXPECT_NE(line.find(" " + std::to_string(getpid()) + " "), std::string::npos);
}

TEST_F(PrintTest, ReturnsBytesWrittenOrMinusOne) {
  StderrCapture capture;
  int n = OH_LOG_Print(LOG_APP, LOG_WARN, 0xFFFF, "T", "%{public}s", "x");
  EXPECT_EQ(n, static_cast<int>(capture.Text().size()));
  EXPECT_NE(capture.Text().find(" W A0FFFF/T: x\n"), std::string::npos);
  // Refused, as on OpenHarmony: domain out of range, NULL tag, NULL format.
  EXPECT_EQ(OH_LOG_Print(LOG_APP, LOG_WARN, 0x10000, "T", "x"), -1);
  EXPECT_EQ(OH_LOG_Print(LOG_APP, LOG_WARN, 1, nullptr, "x"), -1);
  EXPECT_EQ(OH_LOG_Print(LOG_APP, LOG_WARN, 1, "T", nullptr), -1);
  EXPECT_EQ(OH_LOG_Print(LOG_APP, static_cast<LogLevel>(9), 1, "T", "x"), -1);
  EXPECT_EQ(capture.Text().size(), static_cast<size_t>(n));
}

TEST_F(PrintTest, DefaultTagIsNullAndRefused) {
#pragma push_macro("LOG_TAG")
#undef LOG_TAG
#define LOG_TAG NULL
  StderrCapture capture;
  EXPECT_EQ(OH_LOG_Print(LOG_APP, LOG_ERROR, LOG_DOMAIN, LOG_TAG, "x"), -1);
  EXPECT_EQ(capture.Text(), "");
#pragma pop_macro("LOG_TAG")
}

TEST_F(PrintTest, LevelsFollowEnvironmentAndMinLevel) {
  StderrCapture capture;
  EXPECT_TRUE(OH_LOG_IsLoggable(1, "T", LOG_INFO));
  EXPECT_FALSE(OH_LOG_IsLoggable(1, "T", LOG_DEBUG)) << "default is INFO";
  EXPECT_EQ(OH_LOG_Print(LOG_APP, LOG_DEBUG, 1, "T", "hidden"), -1);
  setenv("NCP_HILOG_LEVEL", "debug", 1);
  EXPECT_TRUE(OH_LOG_IsLoggable(1, "T", LOG_DEBUG));
  OH_LOG_DEBUG(LOG_APP, "shown");
  OH_LOG_SetMinLogLevel(LOG_ERROR);
  EXPECT_FALSE(OH_LOG_IsLoggable(1, "T", LOG_WARN));
  EXPECT_TRUE(OH_LOG_IsLoggable(1, "T", LOG_ERROR));
  setenv("NCP_HILOG_LEVEL", "fatal", 1);
  EXPECT_FALSE(OH_LOG_IsLoggable(1, "T", LOG_ERROR))
      << "a lower own level does not undercut the global one";
  EXPECT_FALSE(OH_LOG_IsLoggable(0x10000, "T", LOG_FATAL));
  EXPECT_FALSE(OH_LOG_IsLoggable(1, nullptr, LOG_FATAL));
  std::string text = capture.Text();
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find(" D A03200/MY_TAG: shown\n"), std::string::npos) << text;
}

TEST_F(PrintTest, PrivateOffShowsPrivateValues) {
  StderrCapture capture;
  setenv("NCP_HILOG_PRIVATE", "off", 1);
  OH_LOG_ERROR(LOG_APP, "user %s", "alice");
  EXPECT_NE(capture.Text().find("E A03200/MY_TAG: user alice\n"),
            std::string::npos);
}

TEST_F(PrintTest, TagAndMessageAreCut) {
  StderrCapture capture;
  std::string tag(40, 't');
  std::string big(5000, 'm');
  OH_LOG_Print(LOG_APP, LOG_INFO, 1, tag.c_str(), "%{public}s", big.c_str());
  std::string text = capture.Text();
  EXPECT_NE(text.find(" A00001/" + std::string(31, 't') + ": m"),
            std::string::npos);
  EXPECT_EQ(text.find(std::string(32, 't')), std::string::npos);
  size_t start = text.find(": ") + 2;
  EXPECT_EQ(text.size() - start, 4096u + 1) << "4096 bytes and a newline";
}

TEST_F(PrintTest, PrintMsgIsNotFormatted) {
  StderrCapture capture;
  EXPECT_GT(OH_LOG_PrintMsg(LOG_APP, LOG_INFO, 2, "T", "50% %s"), 0);
  EXPECT_GT(OH_LOG_PrintMsgByLen(LOG_APP, LOG_INFO, 2, "TAGXX", 3, "abcdef", 4),
            0);
  std::string text = capture.Text();
  EXPECT_NE(text.find("A00002/T: 50% %s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("A00002/TAG: abcd\n"), std::string::npos) << text;
}

std::vector<std::string>* g_seen = nullptr;

void Collect(const LogType type, const LogLevel level,
             const unsigned int domain, const char* tag, const char* msg) {
  g_seen->push_back(std::to_string(type) + "/" + std::to_string(level) + "/" +
                    std::to_string(domain) + "/" + tag + "/" + msg);
}

TEST_F(PrintTest, CallbackSeesFormattedMessages) {
  std::vector<std::string> seen;
  g_seen = &seen;
  StderrCapture capture;
  OH_LOG_SetCallback(&Collect);
  OH_LOG_WARN(LOG_APP, "%{public}d %s", 7, "hidden");
  OH_LOG_SetCallback(nullptr);
  OH_LOG_WARN(LOG_APP, "not seen");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "0/5/12800/MY_TAG/7 <private>");
  EXPECT_NE(capture.Text().find("not seen"), std::string::npos)
      << "stderr gets every log";
  g_seen = nullptr;
}

TEST_F(PrintTest, ErrnoIsPreserved) {
  StderrCapture capture;
  errno = EAGAIN;
  OH_LOG_INFO(LOG_APP, "%{public}m");
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_NE(capture.Text().find(strerror(EAGAIN)), std::string::npos);
}

}  // namespace
