// The API's numeric limits (spec + decisions.md), in one place.
#ifndef NCP_API_LIMITS_H_
#define NCP_API_LIMITS_H_

#include <cstddef>

namespace ncp::api {

inline constexpr size_t kMaxFdNames = 16;          // distinct names per call
inline constexpr size_t kMaxFdNameLength = 20;     // bytes
inline constexpr size_t kMaxFdListNodes = 1024;    // walk bound (cycles)
inline constexpr size_t kMaxEntryParams = 153600;  // bytes, without the NUL
inline constexpr size_t kMaxProcessName = 64;
inline constexpr int kMaxLiveChildren = 512;
inline constexpr int kMaxLiveIpcChildren = 50;
inline constexpr int kDefaultStartTimeoutMs = 10000;

}  // namespace ncp::api

#endif  // NCP_API_LIMITS_H_
