// How the kernel has file descriptors registered in this process's epoll
// sets, read from /proc/self/fdinfo of its eventpoll fds: for tests that
// prove what a runtime watches by what the kernel shows.
#ifndef NCP_BASE_TESTING_EPOLL_VIEW_H_
#define NCP_BASE_TESTING_EPOLL_VIEW_H_

#include <cstdint>
#include <vector>

namespace ncp::testing {

struct EpollRegistration {
  int epoll_fd;     // the eventpoll fd holding the registration
  int target_fd;    // "tfd:": the registered fd's number
  uint64_t inode;   // "ino:": the registered file's inode
  unsigned events;  // "events:": the registration's mask (EPOLLHUP and
                    // EPOLLERR included while it is enabled)
  bool socket;      // target_fd is (still) that file, and it is a socket
};

// Every registration of every epoll set of this process. Files are looked
// at through /proc/self/fd paths, never through the fds themselves: other
// threads own them and may close them meanwhile.
std::vector<EpollRegistration> EpollRegistrations();

// The mask `fd` is registered with (matched by fd number and inode, so a
// reused number cannot match); -1 if no epoll set holds it, -2 if several
// do.
int64_t EpollEventsOf(int fd);

}  // namespace ncp::testing

#endif  // NCP_BASE_TESTING_EPOLL_VIEW_H_
