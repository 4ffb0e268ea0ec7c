// Starting the ipc_peer helper from tests.
//
// The helper is started with posix_spawn (never a fork of the multithreaded
// test process) and gets the child end of a fresh SOCK_SEQPACKET socketpair
// as an inherited fd; the test keeps the parent end.
#ifndef NCP_IPC_TESTING_PEER_PROCESS_H_
#define NCP_IPC_TESTING_PEER_PROCESS_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace ncp::ipc::testing {

class PeerProcess {
 public:
  // Starts `ipc_peer <fd> args...` with `env` added to the environment.
  // On failure pid() is -1.
  PeerProcess(const std::vector<std::string>& args,
              const std::vector<std::string>& env = {},
              int socket_type = SOCK_SEQPACKET);
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The parent end of the socketpair; ownership passes to the caller.
  int TakeFd();
  // SIGKILLs the helper and reaps it. Idempotent.
  void Kill();
  // Waits for the helper to exit; returns its wait status.
  int Wait();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

// The path of the ipc_peer binary in the runfiles of the test (or of the
// binary, for the benchmark).
std::string PeerPath();

// Number of open fds of this process.
int CountOpenFds();

}  // namespace ncp::ipc::testing

#endif  // NCP_IPC_TESTING_PEER_PROCESS_H_
