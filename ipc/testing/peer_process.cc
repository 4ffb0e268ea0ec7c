#include "ipc/testing/peer_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace ncp::ipc::testing {

std::string PeerPath() {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && ws != nullptr) {
    std::string p = std::string(srcdir) + "/" + ws + "/ipc/testing/ipc_peer";
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    std::string p = std::string(exe) + ".runfiles/ncp/ipc/testing/ipc_peer";
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "ipc/testing/ipc_peer";
}

PeerProcess::PeerProcess(const std::vector<std::string>& args,
                         const std::vector<std::string>& env, int socket_type) {
  int sv[2];
  if (socketpair(AF_UNIX, socket_type | SOCK_CLOEXEC, 0, sv) != 0) return;
  // Fixed fd number in the child; dup2 in the spawn clears CLOEXEC.
  constexpr int kChildFd = 100;
  std::vector<std::string> argv_s = {PeerPath(), std::to_string(kChildFd)};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], kChildFd);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(sv[1]);
  if (rc != 0) {
    close(sv[0]);
    return;
  }
  pid_ = pid;
  fd_ = sv[0];
}

PeerProcess::~PeerProcess() {
  Kill();
  if (fd_ >= 0) close(fd_);
}

int PeerProcess::TakeFd() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void PeerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  Wait();
}

int PeerProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return status;
}

int CountOpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n - 3;
}

}  // namespace ncp::ipc::testing
