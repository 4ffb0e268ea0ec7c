// The canonical path of an existing file, quickly (no abseil).
#ifndef NCP_BASE_REAL_PATH_H_
#define NCP_BASE_REAL_PATH_H_

#include <string>

namespace ncp {

// What realpath(3) gives for `path` ("" if it does not exist), in three
// system calls: the kernel's name for an O_PATH open of it (where
// realpath() walks and readlink()s every component). Falls back to
// realpath() without /proc.
std::string RealPath(const std::string& path);

}  // namespace ncp

#endif  // NCP_BASE_REAL_PATH_H_
