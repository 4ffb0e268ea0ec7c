// UTF-8 / UTF-16 helpers for interface tokens and descriptors.
#ifndef NCP_IPC_UTF_H_
#define NCP_IPC_UTF_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace ncp::ipc {

// True if `s[0, len)` is well-formed UTF-8 (no overlongs, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(const char* s, size_t len);

// Appends the UTF-16 code units of valid UTF-8 `s` to `out`. False (with
// `out` unspecified) on malformed input.
bool Utf8ToUtf16(const char* s, size_t len, std::u16string* out);

// Appends the UTF-8 form of `units` to `out`. False on unpaired surrogates.
bool Utf16ToUtf8(const char16_t* units, size_t count, std::string* out);

}  // namespace ncp::ipc

#endif  // NCP_IPC_UTF_H_
