// A lazily created, never destroyed object that belongs to one process.
//
// After fork(), the child's first PerProcess<T>::Get() creates a new T: the
// parent's instance is abandoned untouched, because the threads it owns
// (and any lock they held) do not exist in the child. Get() is safe to call
// from any thread, and in a child forked while another thread was inside
// Get() (pthread_atfork holds the lock across the fork).
#ifndef NCP_BASE_PER_PROCESS_H_
#define NCP_BASE_PER_PROCESS_H_

#include <pthread.h>
#include <unistd.h>

#include <mutex>

namespace ncp {

template <typename T>
class PerProcess {
 public:
  static T& Get() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mu);
    pid_t pid = getpid();
    if (s.instance == nullptr || s.owner != pid) {
      s.instance = new T();  // leaked on purpose (see above)
      s.owner = pid;
    }
    return *s.instance;
  }

 private:
  struct State {
    State() {
      pthread_atfork([] { state().mu.lock(); }, [] { state().mu.unlock(); },
                     [] { state().mu.unlock(); });
    }
    std::mutex mu;
    T* instance = nullptr;
    pid_t owner = 0;
  };
  static State& state() {
    static State* s = new State();
    return *s;
  }
};

}  // namespace ncp

#endif  // NCP_BASE_PER_PROCESS_H_
