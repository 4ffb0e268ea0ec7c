// What "the app" is on Linux (decisions.md §1): bundle name, where bare
// library names are looked up, the app data dir, and the switches read from
// the environment.
#ifndef NCP_API_APP_CONTEXT_H_
#define NCP_API_APP_CONTEXT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace ncp::api {

// NCP_BUNDLE_NAME, else the file name of the main executable.
const std::string& BundleName();

// Directories searched for a bare library name: NCP_LIBRARY_PATH's entries,
// then the main executable's directory. (Then the child's dlopen search.)
std::vector<std::string> LibrarySearchDirs();

// Turns a library name into what the child dlopen()s: an absolute path when
// the name is absolute, or found in LibrarySearchDirs() (or, containing a
// '/', relative to the working directory); the bare name otherwise.
std::string ResolveLibrary(const std::string& name, bool* canonical = nullptr);

// "<bundle>:<custom>" or "<bundle>:Native_<stem><counter>".
std::string ChildProcessName(const std::string& custom,
                             const std::string& library, uint64_t counter);

// NCP_MULTI_PROCESS=0 turns child creation off (16010004).
bool MultiProcessEnabled();

// NCP_DATA_DIR, else $XDG_DATA_HOME/<bundle>, else ~/.local/share/<bundle>.
std::string AppDataDir();

// NCP_START_TIMEOUT_MS (default 10 s): how long a Create* child may take to
// connect.
absl::Duration StartTimeout();

// Absolute path of the libipc_capi.so this process uses ("" if none).
const std::string& IpcLibraryPath();

}  // namespace ncp::api

#endif  // NCP_API_APP_CONTEXT_H_
