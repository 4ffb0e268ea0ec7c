// The bootstrap message: what a child is to run, handed from the parent
// library to the child trampoline in a sealed memfd at fd 3.
//
// Shared by both sides, so no abseil. Decode checks every length and count.
#ifndef NCP_API_BOOTSTRAP_H_
#define NCP_API_BOOTSTRAP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ncp::api {

// The trampoline reads the message from this fd and closes it.
inline constexpr int kBootstrapFd = 3;

struct Bootstrap {
  // kZygote: serve fork requests on channel_fd (api/zygote_protocol.h);
  // `params` lists libraries to preload, colon-separated.
  enum Kind : uint32_t { kStart = 1, kCreate = 2, kZygote = 3 };
  enum Flags : uint32_t {
    // The child is pid 1 of a new pid namespace: fork the real child and
    // stay as its init, reporting its status on status_fd.
    kRunAsInit = 1u << 0,
    // Create*: report sync even where the child could run on another CPU
    // (the app's thread can run on one CPU only; api/child_main.cc).
    kSyncReport = 1u << 1,
  };

  uint32_t kind = kStart;
  uint32_t flags = 0;
  std::string process_name;  // argv[0]; comm gets its first 15 bytes
  std::string ipc_library;   // absolute path of libipc_capi.so
  std::string library;       // absolute path, or a bare name for dlopen
  std::string symbol;        // Start*: the entry function
  std::string params;        // Start*: entryParams
  std::vector<std::pair<std::string, int>> fds;  // Start*: name -> child fd
  int channel_fd = -1;  // Create*: IPC socket to the parent
  int status_fd = -1;   // kRunAsInit: where the init reports
  // Spawn stage tracing (ncp/trace.h): the trace page; the child stamps
  // NCP_STAGE_RUNNING .. ENTRY/CONNECTED into it and closes it before the
  // user's code runs.
  int trace_fd = -1;
};

std::string EncodeBootstrap(const Bootstrap& message);

// False if `data` is not a complete, well-formed message.
bool DecodeBootstrap(const void* data, size_t size, Bootstrap* out);

// What the init (kRunAsInit) writes on status_fd before it exits: how the
// real child ended.
struct InitReport {
  uint32_t magic;    // kInitReportMagic
  int32_t signaled;  // 1: killed by `status`; 0: exited with `status`
  int32_t status;
  int32_t core_dumped;
};
inline constexpr uint32_t kInitReportMagic = 0x4e435052;  // "NCPR"

// What the real child of an init writes on the same channel, from its
// SIGSYS handler, when the sandbox's seccomp filter trapped a system call it
// may not make (a foreign architecture's): {magic, syscall, arch, 0}. The
// child then dies by SIGSYS.
inline constexpr uint32_t kSeccompReportMagic = 0x4e435053;  // "NCPS"

}  // namespace ncp::api

#endif  // NCP_API_BOOTSTRAP_H_
