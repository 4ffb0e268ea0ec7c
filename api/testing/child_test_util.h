// Helpers for tests that start real children through the public C API.
#ifndef NCP_API_TESTING_CHILD_TEST_UTIL_H_
#define NCP_API_TESTING_CHILD_TEST_UTIL_H_

#include <sys/types.h>
#include <time.h>

#include <string>
#include <utility>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "base/testing/eventually.h"  // Eventually, for the tests using this

namespace ncp::testing {

// Absolute path of a //testdata fixture (e.g. "libncp_reporter.so"), in
// $NCP_TEST_FIXTURE_DIR if set.
std::string FixturePath(const std::string& name);
// The directory the fixtures are in.
std::string FixtureDir();

// Owns the nodes of an fd list built from (name, fd) pairs.
class FdList {
 public:
  FdList() = default;
  explicit FdList(std::vector<std::pair<std::string, int>> fds);
  NativeChildProcess_FdList list();

 private:
  std::vector<std::string> names_;
  std::vector<NativeChildProcess_Fd> nodes_;
};

// A pipe whose write end goes to the child; ReadAll() reads to EOF once
// the parent's copy of the write end is closed (CloseWriteEnd()).
class Pipe {
 public:
  Pipe();
  ~Pipe();
  int write_fd() const { return fds_[1]; }
  void CloseWriteEnd();
  std::string ReadAll();

 private:
  int fds_[2];
};

// Blocks until `pid` (a child of this process) has exited, up to
// `timeout_ms`. Uses a pidfd, so it works whoever reaps the child.
bool WaitForExit(pid_t pid, int timeout_ms = 10000);

// True if a process `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

// Number of open fds of this process.
int CountOpenFds();

// Of those, the sockets a zygote made (SO_PEERCRED names a process called
// ncp-zygote): the request sockets of the spares it handed to this process.
// Their number follows the spare pool (at most one per spare), not the
// children; CountOpenFds() minus this is what must not grow.
int CountHandedSpareSockets();
// With the default pool sizes: one NORMAL spare, one NORMAL Create* spare,
// two per sandbox kind, at most four sandbox kinds (api/zygote.cc).
inline constexpr int kMaxHandedSpareSockets = 1 + 1 + 2 * 4;

// Zombie children of this process.
int CountZombieChildren();

// /proc/<pid>/cmdline (NULs kept) and comm (no newline).
std::string ReadCmdline(pid_t pid);
std::string ReadComm(pid_t pid);

// Whether `pid` is the zygote's: the zygote, a spare (ncp-spare), or a spare
// just cloned that has not yet named itself (still ncp-zygote). A spare's
// namespaces are the zygote's bounded pool, not a leak.
bool IsZygotePool(pid_t pid);

// Children of `app` named ncp-zygote (the library's zygote), from /proc.
std::vector<pid_t> ZygotesOf(pid_t app);

// The [stack] mapping's address range in /proc/<pid>/maps ("" if none or
// unreadable). A forked process shares its parent's; an exec'd one does not.
std::string StackRange(pid_t pid);

// The name of the calling thread.
std::string CurrentThreadName();

}  // namespace ncp::testing

#endif  // NCP_API_TESTING_CHILD_TEST_UTIL_H_
