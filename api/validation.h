// Argument checks of the OH_Ability_* functions.
//
// Shared by the parent library and the child trampoline, so it uses no
// abseil. Each check returns nullptr when the argument is valid, or a short
// static message naming the problem (every failure is NCP_ERR_INVALID_PARAM).
#ifndef NCP_API_VALIDATION_H_
#define NCP_API_VALIDATION_H_

#include <cstring>
#include <string>
#include <vector>

#include "AbilityKit/native_child_process.h"

namespace ncp::api {

// libName of Create*: non-NULL, non-empty, no "../".
const char* CheckLibraryName(const char* library);

// entry of Start*: "<library>:<symbol>", split at the last ':'. NULL, "",
// no ':' or "../" in the library part are refused.
struct EntryPoint {
  std::string library;
  std::string symbol;
};
const char* ParseEntry(const char* entry, EntryPoint* out);

// A named fd, as the child will see it.
struct NamedFd {
  std::string name;
  int fd;
};

// Walks the fd list: names of 1..20 bytes, at most 16 distinct names, the
// first fd of a repeated name wins, every fd open. The result is sorted by
// name (byte order), as the child receives it.
const char* CollectFds(const NativeChildProcess_FdList& list,
                       std::vector<NamedFd>* out);

// entryParams: NULL or up to 153,600 bytes.
const char* CheckEntryParams(const char* params);

// SetProcessName: 1..64 characters of [A-Za-z0-9_].
const char* CheckProcessName(const char* name);

// The int a C caller passed as a C enum (`value` is an argument or a copy of
// one). C lets any int through; in C++ loading an enum object that holds a
// value outside the enum's range is undefined, so arguments are read as ints.
template <typename Enum>
int EnumValue(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int));
  int v;
  std::memcpy(&v, &value, sizeof(v));
  return v;
}

}  // namespace ncp::api

#endif  // NCP_API_VALIDATION_H_
