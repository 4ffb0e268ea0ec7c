// A recorder of child ends for tests (ncp/child_exit.h).
#ifndef NCP_API_TESTING_CHILD_EXITS_H_
#define NCP_API_TESTING_CHILD_EXITS_H_

#include <stdint.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "ncp/child_exit.h"

namespace ncp::testing {

// Records the end of every child the ncp extension reports
// (ncp/child_exit.h), by pid. Register() adds Listener with this object as
// its user data. Make registered ones with `new` and never destroy them:
// the library's callback thread may still call them at exit.
class ChildExits {
 public:
  static void Listener(const NCP_ChildExitInfo* info, void* self);
  int Register();
  int Unregister();
  // The end of `pid`, waiting up to 10 s for it; all zero if none came.
  NCP_ChildExitInfo Of(int32_t pid);
  // The end with the lowest pid, removed; waits up to 10 s for one; all
  // zero if none came (for children whose pid the test does not know).
  NCP_ChildExitInfo TakeAny();
  // The pids whose end came so far, in increasing order (no wait).
  std::vector<int32_t> Pids();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int32_t, NCP_ChildExitInfo> ends_;  // guarded by mu_
};

}  // namespace ncp::testing

#endif  // NCP_API_TESTING_CHILD_EXITS_H_
