// A one-shot event (like absl::Notification) on std::mutex.
//
// Debian's abseil is not built for ThreadSanitizer, so synchronisation
// through absl::Mutex is invisible to it; std::mutex is intercepted.
#ifndef NCP_BASE_NOTIFICATION_H_
#define NCP_BASE_NOTIFICATION_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ncp {

class Notification {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }
  bool HasBeenNotified() {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }
  // True if notified within `timeout`.
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return notified_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace ncp

#endif  // NCP_BASE_NOTIFICATION_H_
