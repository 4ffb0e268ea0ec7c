// Checks of paths the app asks the sandbox to show or use (no abseil: the
// child trampoline links it too).
#ifndef NCP_ISOLATION_SANDBOX_PATHS_H_
#define NCP_ISOLATION_SANDBOX_PATHS_H_

#include <string>

namespace ncp::isolation {

// True for "/", the system directories (bound read-only into every sandbox)
// and the kernel's file systems (/proc, /dev, /sys), and anything below
// them.
bool IsSystemPath(const std::string& path);

// nullptr if `path` is acceptable, else a short reason: absolute, no "." or
// ".." components, not "/", existing when `must_exist`, not a system path
// when `writable`.
const char* CheckSandboxPath(const char* path, bool must_exist, bool writable);

}  // namespace ncp::isolation

#endif  // NCP_ISOLATION_SANDBOX_PATHS_H_
