/*
 * <hilog/log.h> for Linux: OpenHarmony's HiLog C API, writing to stderr.
 *
 * OpenHarmony native code that logs compiles unchanged against this header
 * (ncp's OpenHarmony source compatibility, docs/porting.md). Names, enum
 * values, macros and return conventions are OpenHarmony's; where a log goes
 * is Linux's: one line per call on stderr, in the layout `hilog` shows:
 *
 *   11-28 16:53:02.117  4242  4243 I A03200/MY_TAG: Connected to 12 peers.
 *
 * (date, time, pid, tid, level letter, "A" + the domain in 5 hex digits,
 * tag, message.)
 *
 * Usage
 * -----
 *   #undef LOG_DOMAIN
 *   #undef LOG_TAG
 *   #define LOG_DOMAIN 0x3200
 *   #define LOG_TAG "MY_TAG"
 *   #include "hilog/log.h"
 *   ...
 *   OH_LOG_INFO(LOG_APP, "visiting %{private}s: %{public}d", url, count);
 *   // -> ... I A03200/MY_TAG: visiting <private>: 12
 *
 * Format strings are printf's, with a privacy flag between '%' and the rest
 * of each conversion: %{public}d prints the value, %{private}s and a plain
 * %s print "<private>" (a parameter without a flag is private, as on
 * OpenHarmony). %n is ignored (its argument is consumed, nothing is
 * written through it).
 *
 * Environment (read at every call; not OpenHarmony's, ncp's):
 *   NCP_HILOG_LEVEL    debug | info | warn | error | fatal: the global
 *                      minimum level (default info: DEBUG is hidden, as in
 *                      OpenHarmony release builds).
 *   NCP_HILOG_PRIVATE  "off" prints private parameters too (what
 *                      `hilog -p off` does on an OpenHarmony device).
 *
 * Limits, as on OpenHarmony: domain 0x0..0xFFFF (else nothing is printed
 * and the call returns -1); a NULL tag is refused (-1); tags longer than 31
 * bytes are truncated; a message is cut at 4096 bytes.
 *
 * Threading: every function may be called from any thread; a line is
 * written with one write(2), so lines of concurrent callers do not mix.
 */
#ifndef HIVIEWDFX_HILOG_H
#define HIVIEWDFX_HILOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The domain of this file's logs (0x0..0xFFFF). Define it before including
 * this header, or #undef and redefine it after. */
#ifndef LOG_DOMAIN
#define LOG_DOMAIN 0
#endif

/* The tag of this file's logs. The default, NULL, is refused by
 * OH_LOG_Print (nothing is printed): define LOG_TAG. */
#ifndef LOG_TAG
#define LOG_TAG NULL
#endif

/* Log types. Applications use LOG_APP. */
typedef enum {
  LOG_APP = 0,
} LogType;

/* Log levels. */
typedef enum {
  LOG_DEBUG = 3,
  LOG_INFO = 4,
  LOG_WARN = 5,
  LOG_ERROR = 6,
  LOG_FATAL = 7,
} LogLevel;

/* Formats `fmt` (printf with %{public}/%{private}) and writes one line to
 * stderr. Returns the number of bytes written (>= 0), or -1 when nothing was
 * written: `level` below the minimum, `domain` out of range, `tag` or `fmt`
 * NULL, or the write failed. */
int OH_LOG_Print(LogType type, LogLevel level, unsigned int domain,
                 const char* tag, const char* fmt, ...);

/* OH_LOG_Print with a va_list. */
int OH_LOG_VPrint(LogType type, LogLevel level, unsigned int domain,
                  const char* tag, const char* fmt, va_list ap);

/* Writes `message` as it is (no format conversion). Returns as
 * OH_LOG_Print. */
int OH_LOG_PrintMsg(LogType type, LogLevel level, unsigned int domain,
                    const char* tag, const char* message);

/* OH_LOG_PrintMsg with lengths: `tag` and `message` need no terminating
 * NUL. Returns as OH_LOG_Print. */
int OH_LOG_PrintMsgByLen(LogType type, LogLevel level, unsigned int domain,
                         const char* tag, size_t tagLen, const char* message,
                         size_t messageLen);

/* Whether a log of this domain, tag and level would be printed. */
bool OH_LOG_IsLoggable(unsigned int domain, const char* tag, LogLevel level);

/* Receives every log of the process (in addition to stderr): the message
 * is formatted, private parameters already replaced. NULL removes the
 * callback. The callback must not log (it would recurse). */
typedef void (*LogCallback)(const LogType type, const LogLevel level,
                            const unsigned int domain, const char* tag,
                            const char* msg);
void OH_LOG_SetCallback(LogCallback callback);

/* Raises the process's minimum level. A level below the global one
 * (NCP_HILOG_LEVEL, default LOG_INFO) has no effect. */
void OH_LOG_SetMinLogLevel(LogLevel level);

#define OH_LOG_DEBUG(type, ...) \
  ((void)OH_LOG_Print((type), LOG_DEBUG, LOG_DOMAIN, LOG_TAG, __VA_ARGS__))
#define OH_LOG_INFO(type, ...) \
  ((void)OH_LOG_Print((type), LOG_INFO, LOG_DOMAIN, LOG_TAG, __VA_ARGS__))
#define OH_LOG_WARN(type, ...) \
  ((void)OH_LOG_Print((type), LOG_WARN, LOG_DOMAIN, LOG_TAG, __VA_ARGS__))
#define OH_LOG_ERROR(type, ...) \
  ((void)OH_LOG_Print((type), LOG_ERROR, LOG_DOMAIN, LOG_TAG, __VA_ARGS__))
#define OH_LOG_FATAL(type, ...) \
  ((void)OH_LOG_Print((type), LOG_FATAL, LOG_DOMAIN, LOG_TAG, __VA_ARGS__))

#ifdef __cplusplus
}
#endif

#endif /* HIVIEWDFX_HILOG_H */
