#include "api/validation.h"

#include <fcntl.h>
#include <string.h>

#include <algorithm>
#include <map>

#include "api/limits.h"

namespace ncp::api {

const char* CheckLibraryName(const char* library) {
  if (library == nullptr || library[0] == '\0') {
    return "library name is NULL or empty";
  }
  if (strstr(library, "../") != nullptr) return "library name contains \"../\"";
  return nullptr;
}

const char* ParseEntry(const char* entry, EntryPoint* out) {
  if (entry == nullptr || entry[0] == '\0') return "entry is NULL or empty";
  const char* colon = strrchr(entry, ':');
  if (colon == nullptr) return "entry has no ':' between library and symbol";
  std::string library(entry, static_cast<size_t>(colon - entry));
  if (library.find("../") != std::string::npos) {
    return "entry's library contains \"../\"";
  }
  out->library = std::move(library);
  out->symbol = colon + 1;
  return nullptr;
}

const char* CollectFds(const NativeChildProcess_FdList& list,
                       std::vector<NamedFd>* out) {
  std::map<std::string, int> by_name;
  size_t nodes = 0;
  for (const NativeChildProcess_Fd* node = list.head; node != nullptr;
       node = node->next) {
    if (++nodes > kMaxFdListNodes) return "fd list too long (or cyclic)";
    if (node->fdName == nullptr) return "fd name is NULL";
    size_t len = strnlen(node->fdName, kMaxFdNameLength + 1);
    if (len == 0) return "fd name is empty";
    if (len > kMaxFdNameLength) return "fd name longer than 20 bytes";
    by_name.emplace(node->fdName, node->fd);  // the first one wins
    if (by_name.size() > kMaxFdNames) return "more than 16 distinct fd names";
  }
  for (const auto& [name, fd] : by_name) {
    if (fd < 0 || fcntl(fd, F_GETFD) < 0) return "fd is negative or not open";
  }
  out->clear();
  out->reserve(by_name.size());
  for (auto& [name, fd] : by_name) out->push_back(NamedFd{name, fd});
  return nullptr;
}

const char* CheckEntryParams(const char* params) {
  if (params != nullptr &&
      strnlen(params, kMaxEntryParams + 1) > kMaxEntryParams) {
    return "entryParams longer than 153600 bytes";
  }
  return nullptr;
}

const char* CheckProcessName(const char* name) {
  if (name == nullptr) return "process name is NULL";
  size_t len = strnlen(name, kMaxProcessName + 1);
  if (len == 0) return "process name is empty";
  if (len > kMaxProcessName) return "process name longer than 64 characters";
  for (size_t i = 0; i < len; ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    if (!ok) return "process name has characters outside [A-Za-z0-9_]";
  }
  return nullptr;
}

}  // namespace ncp::api
