// The HiLog format conversion: printf with OpenHarmony's privacy flags.
//
// Internal to //compat/hilog (exposed for its tests). No allocation, no
// libstdc++: the library is linked into C programs and child libraries.
#ifndef NCP_COMPAT_HILOG_LOG_FORMAT_H_
#define NCP_COMPAT_HILOG_LOG_FORMAT_H_

#include <stdarg.h>
#include <stddef.h>

namespace ncp::hilog {

// What a private parameter prints as.
inline constexpr char kPrivate[] = "<private>";

// Formats `fmt` with the arguments in `*ap` into `out` (capacity `cap` > 0,
// always NUL-terminated, cut at cap - 1 bytes). Each conversion may carry a
// privacy flag right after '%': "{public}" prints the value, "{private}",
// any other "{...}" and no flag print kPrivate unless `show_private`. The
// argument (and any '*' width/precision) is consumed either way. %n
// consumes its pointer and writes nothing. `saved_errno` is what %m shows.
// Returns the length of the full result (like vsnprintf: it may exceed
// cap - 1 when cut).
size_t FormatMessage(char* out, size_t cap, const char* fmt, va_list* ap,
                     bool show_private, int saved_errno);

}  // namespace ncp::hilog

#endif  // NCP_COMPAT_HILOG_LOG_FORMAT_H_
