// OpenHarmony's HiLog C API on Linux: one line per log on stderr.
#include "hilog/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include "compat/hilog/log_format.h"

#define NCP_HILOG_EXPORT extern "C" __attribute__((visibility("default")))

namespace ncp::hilog {
namespace {

constexpr unsigned int kMaxDomain = 0xFFFF;
constexpr size_t kMaxTag = 31;
constexpr size_t kMaxMessage = 4096;

std::atomic<LogCallback> g_callback{nullptr};
std::atomic<int> g_min_level{LOG_DEBUG};

bool ValidLevel(int level) { return level >= LOG_DEBUG && level <= LOG_FATAL; }

// NCP_HILOG_LEVEL, else LOG_INFO (OpenHarmony release builds hide DEBUG).
int GlobalLevel() {
  const char* env = getenv("NCP_HILOG_LEVEL");
  if (env == nullptr) return LOG_INFO;
  static constexpr struct {
    const char* name;
    int level;
  } kNames[] = {{"debug", LOG_DEBUG},
                {"info", LOG_INFO},
                {"warn", LOG_WARN},
                {"error", LOG_ERROR},
                {"fatal", LOG_FATAL}};
  for (const auto& entry : kNames) {
    if (strcasecmp(env, entry.name) == 0) return entry.level;
  }
  return LOG_INFO;
}

bool Loggable(unsigned int domain, const char* tag, int level) {
  if (domain > kMaxDomain || tag == nullptr || !ValidLevel(level)) {
    return false;
  }
  int min = GlobalLevel();
  int own = g_min_level.load(std::memory_order_relaxed);
  return level >= (own > min ? own : min);
}

bool ShowPrivate() {
  const char* env = getenv("NCP_HILOG_PRIVATE");
  return env != nullptr && strcmp(env, "off") == 0;
}

char LevelLetter(int level) {
  switch (level) {
    case LOG_DEBUG:
      return 'D';
    case LOG_INFO:
      return 'I';
    case LOG_WARN:
      return 'W';
    case LOG_ERROR:
      return 'E';
    default:
      return 'F';
  }
}

// Writes "MM-DD HH:MM:SS.mmm  pid  tid L Adomain/tag: message\n" with one
// write(2). Returns the bytes written or -1.
int Emit(LogType type, int level, unsigned int domain, const char* tag,
         size_t tag_len, const char* message, size_t message_len) {
  if (tag_len > kMaxTag) tag_len = kMaxTag;
  if (message_len > kMaxMessage) message_len = kMaxMessage;
  char tag_copy[kMaxTag + 1];
  memcpy(tag_copy, tag, tag_len);
  tag_copy[tag_len] = '\0';

  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm local;
  localtime_r(&now.tv_sec, &local);
  char line[kMaxMessage + 128];
  int head = snprintf(
      line, sizeof(line),
      "%02d-%02d %02d:%02d:%02d.%03ld %5d %5ld %c A%05X/%s: ", local.tm_mon + 1,
      local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
      now.tv_nsec / 1000000, static_cast<int>(getpid()),
      static_cast<long>(syscall(SYS_gettid)), LevelLetter(level), domain,
      tag_copy);
  if (head < 0 || static_cast<size_t>(head) >= sizeof(line)) return -1;
  size_t len = static_cast<size_t>(head);
  memcpy(line + len, message, message_len);
  len += message_len;
  line[len++] = '\n';

  LogCallback callback = g_callback.load(std::memory_order_acquire);
  if (callback != nullptr) {
    line[len - 1] = '\0';
    callback(type, static_cast<LogLevel>(level), domain, tag_copy, line + head);
    line[len - 1] = '\n';
  }

  size_t done = 0;
  while (done < len) {
    ssize_t n = write(STDERR_FILENO, line + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    done += static_cast<size_t>(n);
  }
  return static_cast<int>(done);
}

int VPrint(LogType type, int level, unsigned int domain, const char* tag,
           const char* fmt, va_list ap) {
  int saved_errno = errno;
  if (fmt == nullptr || !Loggable(domain, tag, level)) return -1;
  char message[kMaxMessage + 1];
  va_list copy;
  va_copy(copy, ap);
  size_t full = FormatMessage(message, sizeof(message), fmt, &copy,
                              ShowPrivate(), saved_errno);
  va_end(copy);
  size_t len = full < sizeof(message) - 1 ? full : sizeof(message) - 1;
  int rc = Emit(type, level, domain, tag, strlen(tag), message, len);
  errno = saved_errno;
  return rc;
}

}  // namespace
}  // namespace ncp::hilog

using ncp::hilog::Loggable;

NCP_HILOG_EXPORT int OH_LOG_Print(LogType type, LogLevel level,
                                  unsigned int domain, const char* tag,
                                  const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = ncp::hilog::VPrint(type, level, domain, tag, fmt, ap);
  va_end(ap);
  return rc;
}

NCP_HILOG_EXPORT int OH_LOG_VPrint(LogType type, LogLevel level,
                                   unsigned int domain, const char* tag,
                                   const char* fmt, va_list ap) {
  return ncp::hilog::VPrint(type, level, domain, tag, fmt, ap);
}

NCP_HILOG_EXPORT int OH_LOG_PrintMsg(LogType type, LogLevel level,
                                     unsigned int domain, const char* tag,
                                     const char* message) {
  if (message == nullptr || !Loggable(domain, tag, level)) return -1;
  return ncp::hilog::Emit(type, level, domain, tag, strlen(tag), message,
                          strlen(message));
}

NCP_HILOG_EXPORT int OH_LOG_PrintMsgByLen(LogType type, LogLevel level,
                                          unsigned int domain, const char* tag,
                                          size_t tagLen, const char* message,
                                          size_t messageLen) {
  if (message == nullptr || !Loggable(domain, tag, level)) return -1;
  return ncp::hilog::Emit(type, level, domain, tag, strnlen(tag, tagLen),
                          message, strnlen(message, messageLen));
}

NCP_HILOG_EXPORT bool OH_LOG_IsLoggable(unsigned int domain, const char* tag,
                                        LogLevel level) {
  return Loggable(domain, tag, level);
}

NCP_HILOG_EXPORT void OH_LOG_SetCallback(LogCallback callback) {
  ncp::hilog::g_callback.store(callback, std::memory_order_release);
}

NCP_HILOG_EXPORT void OH_LOG_SetMinLogLevel(LogLevel level) {
  if (ncp::hilog::ValidLevel(level)) {
    ncp::hilog::g_min_level.store(level, std::memory_order_relaxed);
  }
}
