#include "api/testing/child_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ncp::testing {

std::string FixturePath(const std::string& name) {
  // Tests that run as another user copy the fixtures somewhere readable.
  if (const char* dir = getenv("NCP_TEST_FIXTURE_DIR"); dir != nullptr) {
    return std::string(dir) + "/" + name;
  }
  std::string relative = "testdata/" + name;
  char resolved[PATH_MAX];
  if (realpath(relative.c_str(), resolved) == nullptr) return relative;
  return resolved;
}

std::string FixtureDir() {
  std::string path = FixturePath("libncp_reporter.so");
  return path.substr(0, path.rfind('/'));
}

FdList::FdList(std::vector<std::pair<std::string, int>> fds) {
  names_.reserve(fds.size());
  nodes_.resize(fds.size());
  for (size_t i = 0; i < fds.size(); ++i) {
    names_.push_back(fds[i].first);
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    nodes_[i].fdName = names_[i].data();
    nodes_[i].fd = fds[i].second;
    nodes_[i].next = i + 1 < fds.size() ? &nodes_[i + 1] : nullptr;
  }
}

NativeChildProcess_FdList FdList::list() {
  NativeChildProcess_FdList list;
  list.head = nodes_.empty() ? nullptr : nodes_.data();
  return list;
}

Pipe::Pipe() {
  if (pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
}

Pipe::~Pipe() {
  if (fds_[0] >= 0) close(fds_[0]);
  CloseWriteEnd();
}

void Pipe::CloseWriteEnd() {
  if (fds_[1] >= 0) close(fds_[1]);
  fds_[1] = -1;
}

std::string Pipe::ReadAll() {
  CloseWriteEnd();
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds_[0], buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool WaitForExit(pid_t pid, int timeout_ms) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;  // already gone (and reaped)
  struct pollfd pfd = {fd, POLLIN, 0};
  int r;
  do {
    r = poll(&pfd, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  close(fd);
  return r == 1;
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return false;
  return line[paren + 2] != 'Z' && line[paren + 2] != 'X';
}

int CountOpenFds() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (struct dirent* ent = readdir(dir)) {
    if (ent->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory's own fd
}

int CountHandedSpareSockets() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (struct dirent* ent = readdir(dir)) {
    if (ent->d_name[0] == '.') continue;
    const int fd = atoi(ent->d_name);
    struct ucred peer = {};
    socklen_t len = sizeof(peer);
    if (fd == dirfd(dir) ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
        peer.pid <= 0 || peer.pid == getpid()) {
      continue;
    }
    if (ReadComm(peer.pid) == "ncp-zygote") ++count;
  }
  closedir(dir);
  return count;
}

int CountZombieChildren() {
  int count = 0;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return -1;
  const pid_t self = getpid();
  while (struct dirent* ent = readdir(dir)) {
    if (ent->d_name[0] < '0' || ent->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + ent->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 2));
    char state;
    int ppid;
    rest >> state >> ppid;
    if (state == 'Z' && ppid == self) ++count;
  }
  closedir(dir);
  return count;
}

std::string ReadCmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadComm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

bool IsZygotePool(pid_t pid) {
  const std::string comm = ReadComm(pid);
  return comm == "ncp-spare" || comm == "ncp-zygote";
}

std::string CurrentThreadName() {
  char name[32] = {};
  prctl(PR_GET_NAME, name);
  return name;
}

std::vector<pid_t> ZygotesOf(pid_t app) {
  std::vector<pid_t> found;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return found;
  while (struct dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') continue;
    std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
    std::string line;
    std::getline(stat, line);
    // pid (comm) state ppid ...
    size_t open = line.find('(');
    size_t close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == app && state != 'Z' &&
        line.substr(open + 1, close - open - 1) == "ncp-zygote") {
      found.push_back(static_cast<pid_t>(pid));
    }
  }
  closedir(dir);
  return found;
}

std::string StackRange(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() >= 7 && line.compare(line.size() - 7, 7, "[stack]") == 0) {
      return line.substr(0, line.find(' '));
    }
  }
  return "";
}

}  // namespace ncp::testing
