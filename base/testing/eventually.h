// Polling for state that changes on its own time, for tests.
#ifndef NCP_BASE_TESTING_EVENTUALLY_H_
#define NCP_BASE_TESTING_EVENTUALLY_H_

#include <time.h>

namespace ncp::testing {

// Blocks until `done()` holds, up to 10 s, looking every millisecond: for
// state the library or the kernel changes on its own time (a reaped child,
// a zygote's spare, an epoll registration, a thread's system call).
template <typename Done>
bool Eventually(Done done) {
  for (int i = 0; i < 10000; ++i) {
    if (done()) return true;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, nullptr);
  }
  return false;
}

}  // namespace ncp::testing

#endif  // NCP_BASE_TESTING_EVENTUALLY_H_
