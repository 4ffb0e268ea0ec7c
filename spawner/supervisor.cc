#include "spawner/supervisor.h"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "base/errno_status.h"
#include "base/per_process.h"
#include "base/unique_fd.h"

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

namespace ncp::spawner {

namespace {

// How `pid` ended, from waitid's `info`; `unknown`: someone else reaped it.
ChildExit ExitOf(pid_t pid, const siginfo_t& info, bool unknown) {
  ChildExit exit;
  exit.pid = pid;
  exit.signaled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  exit.core_dumped = info.si_code == CLD_DUMPED;
  exit.status = info.si_status;
  exit.status_unknown = unknown;
  return exit;
}

constexpr uint64_t kWakeTag = ~0ULL;
constexpr uint64_t kTimerTag = ~0ULL - 1;

// Starts a detached thread with every signal blocked, so that
// process-directed signals are delivered to the app's threads, never to
// ours. pthread_create, not std::thread: a refusal (e.g. a seccomp filter
// that answers clone3 with EPERM) must be an error, not an exception.
bool StartQuietThread(const char* name, std::function<void()> body) {
  struct Start {
    const char* name;
    std::function<void()> body;
  };
  auto* start = new Start{name, std::move(body)};
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int rc = pthread_create(
      &thread, &attr,
      [](void* arg) -> void* {
        std::unique_ptr<Start> self(static_cast<Start*>(arg));
        prctl(PR_SET_NAME, self->name);
        self->body();
        return nullptr;
      },
      start);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (rc != 0) {
    delete start;
    errno = rc;
    return false;
  }
  return true;
}

}  // namespace

class Supervisor::Impl {
 public:
  Impl() {
    epoll_fd_.Reset(epoll_create1(EPOLL_CLOEXEC));
    wake_fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev);
    // Timers are due on a timerfd (absl::Time is wall-clock time): the
    // thread that adds one sets it, and the supervisor sleeps on.
    timer_fd_.Reset(timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK));
    ev.data.u64 = kTimerTag;
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, timer_fd_.get(), &ev);
    // Both threads live as long as the process (see supervisor.h).
    if (!StartQuietThread("ncp-supervisor", [this] { Loop(); })) {
      threads_error_ = LastErrnoError("pthread_create", "ncp-supervisor");
      return;
    }
    if (!StartQuietThread("ncp-callbacks", [this] { CallbackLoop(); })) {
      threads_error_ = LastErrnoError("pthread_create", "ncp-callbacks");
    }
  }

  absl::StatusOr<SpawnedChild> Spawn(SpawnPlan& plan) {
    // Without its threads the library can neither clone nor watch.
    if (!threads_error_.ok()) return threads_error_;
    if (OnSupervisorThread()) return spawner::Spawn(plan);
    SpawnRequest request{&plan};
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(&request);
    }
    Wake();
    std::unique_lock<std::mutex> lock(mu_);
    spawned_.wait(lock, [&request] { return request.done; });
    return std::move(request.result);
  }

  bool Watch(pid_t pid, int pidfd,
             std::function<void(const ChildExit&)> on_exit) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      watched_[pidfd] = Watched{pid, std::move(on_exit)};
    }
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<uint64_t>(pidfd);
    if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, pidfd, &ev) == 0) return true;
    // Not registered, so no event can have found the entry: drop it.
    std::lock_guard<std::mutex> lock(mu_);
    watched_.erase(pidfd);
    return false;
  }

  uint64_t AddTimer(absl::Time deadline, std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = ++next_timer_id_;
    timers_.emplace(std::make_pair(deadline, id), std::move(fn));
    timer_deadline_[id] = deadline;
    // No thread wakes for it (a Create*'s start timer would otherwise cost
    // every Create a switch to the supervisor and back, mid-spawn): the
    // timerfd is set if this timer is due before what it is set for.
    if (deadline < armed_) ArmLocked(deadline);
    return id;
  }

  bool CancelTimer(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = timer_deadline_.find(id);
    if (it == timer_deadline_.end()) return false;
    timers_.erase(std::make_pair(it->second, id));
    timer_deadline_.erase(it);
    return true;
  }

  void Post(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(callbacks_mu_);
    callbacks_.push_back(std::move(fn));
    callbacks_ready_.notify_one();
  }

  pid_t ThreadId() const {
    return supervisor_tid_.load(std::memory_order_relaxed);
  }
  bool OnSupervisorThread() const {
    return supervisor_tid_.load(std::memory_order_relaxed) == gettid();
  }
  bool OnCallbackThread() const {
    return callback_tid_.load(std::memory_order_relaxed) == gettid();
  }

  int WatchedCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(watched_.size());
  }

 private:
  struct SpawnRequest {
    SpawnPlan* plan;
    absl::StatusOr<SpawnedChild> result = absl::UnknownError("not run");
    bool done = false;
  };
  struct Watched {
    pid_t pid;
    std::function<void(const ChildExit&)> on_exit;
  };
  using TimerKey = std::pair<absl::Time, uint64_t>;

  void Wake() {
    uint64_t one = 1;
    ssize_t r = write(wake_fd_.get(), &one, sizeof(one));
    (void)r;  // EAGAIN: the counter is already non-zero, a wake is pending.
  }

  // Sets the timerfd to expire at `when` (InfiniteFuture: never), with mu_
  // held. A time already past expires at once.
  void ArmLocked(absl::Time when) {
    itimerspec spec = {};
    if (when != absl::InfiniteFuture()) {
      // Rounded up: expiring before `when` would find nothing due.
      spec.it_value = absl::ToTimespec(when + absl::Nanoseconds(1));
      // All zeros would disarm it.
      if (spec.it_value.tv_sec <= 0 && spec.it_value.tv_nsec <= 0) {
        spec.it_value = {0, 1};
      }
    }
    timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
    armed_ = when;
  }

  // After running the due timers: the timerfd for the earliest left.
  void RearmTimer() {
    std::lock_guard<std::mutex> lock(mu_);
    ArmLocked(timers_.empty() ? absl::InfiniteFuture()
                              : timers_.begin()->first.first);
  }

  void RunDueTimers() {
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (timers_.empty() || timers_.begin()->first.first > absl::Now())
          return;
        auto it = timers_.begin();
        fn = std::move(it->second);
        timer_deadline_.erase(it->first.second);
        timers_.erase(it);
      }
      fn();
    }
  }

  void RunRequests() {
    uint64_t count;
    ssize_t r = read(wake_fd_.get(), &count, sizeof(count));
    (void)r;
    for (;;) {
      SpawnRequest* request;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (requests_.empty()) return;
        request = requests_.front();
        requests_.pop_front();
      }
      absl::StatusOr<SpawnedChild> result = spawner::Spawn(*request->plan);
      std::lock_guard<std::mutex> lock(mu_);
      request->result = std::move(result);
      request->done = true;
      spawned_.notify_all();
    }
  }

  void Reap(int pidfd) {
    siginfo_t info = {};
    int r = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd),
                   &info, WEXITED | WNOHANG | __WALL);
    if (r == 0 && info.si_pid == 0) return;  // Not exited yet.
    // r != 0 (ECHILD): someone else reaped it (a waitpid(-1, __WALL) in the
    // app); it is gone all the same, with an unknown status.
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, pidfd, nullptr);
    Watched watched;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = watched_.find(pidfd);
      if (it == watched_.end()) return;
      watched = std::move(it->second);
      watched_.erase(it);
    }
    watched.on_exit(ExitOf(watched.pid, info, r != 0));
  }

  void Loop() {
    supervisor_tid_.store(gettid(), std::memory_order_relaxed);
    epoll_event events[32];
    for (;;) {
      int n = epoll_wait(epoll_fd_.get(), events, 32, -1);
      bool timer = false;
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kWakeTag) {
          RunRequests();
        } else if (events[i].data.u64 == kTimerTag) {
          uint64_t expirations;
          ssize_t r = read(timer_fd_.get(), &expirations, sizeof(expirations));
          (void)r;
          timer = true;
        } else {
          Reap(static_cast<int>(events[i].data.u64));
        }
      }
      if (timer) {
        RunDueTimers();
        RearmTimer();
      }
    }
  }

  void CallbackLoop() {
    callback_tid_.store(gettid(), std::memory_order_relaxed);
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(callbacks_mu_);
        callbacks_ready_.wait(lock, [this] { return !callbacks_.empty(); });
        fn = std::move(callbacks_.front());
        callbacks_.pop_front();
      }
      fn();
    }
  }

  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  UniqueFd timer_fd_;
  absl::Status threads_error_;  // set once, by the constructor
  std::atomic<pid_t> supervisor_tid_{0};
  std::atomic<pid_t> callback_tid_{0};

  // std::mutex rather than absl::Mutex: Debian's abseil is not built for
  // ThreadSanitizer, which would not see its synchronisation.
  std::mutex mu_;  // guards the members up to callbacks_mu_
  std::condition_variable spawned_;
  std::deque<SpawnRequest*> requests_;
  absl::flat_hash_map<int, Watched> watched_;
  std::map<TimerKey, std::function<void()>> timers_;
  // What timer_fd_ is set to expire at (InfiniteFuture: disarmed). A
  // cancelled timer's time may stay set: the supervisor then wakes for
  // nothing, and sets the next.
  absl::Time armed_ = absl::InfiniteFuture();
  absl::flat_hash_map<uint64_t, absl::Time> timer_deadline_;
  uint64_t next_timer_id_ = 0;

  std::mutex callbacks_mu_;
  std::condition_variable callbacks_ready_;
  std::deque<std::function<void()>> callbacks_;
};

Supervisor::Supervisor() : impl_(new Impl()) {}

Supervisor& Supervisor::Get() { return PerProcess<Supervisor>::Get(); }

absl::StatusOr<SpawnedChild> Supervisor::Spawn(SpawnPlan& plan) {
  return impl_->Spawn(plan);
}
bool Supervisor::Watch(pid_t pid, int pidfd,
                       std::function<void(const ChildExit&)> on_exit) {
  return impl_->Watch(pid, pidfd, std::move(on_exit));
}

ChildExit KillAndReap(pid_t pid, int pidfd) {
  syscall(__NR_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  siginfo_t info = {};
  int r;
  do {
    r = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
               WEXITED | __WALL);
  } while (r != 0 && errno == EINTR);
  return ExitOf(pid, info, r != 0);  // r != 0: ECHILD, reaped by someone else
}
uint64_t Supervisor::AddTimer(absl::Time deadline, std::function<void()> fn) {
  return impl_->AddTimer(deadline, std::move(fn));
}
bool Supervisor::CancelTimer(uint64_t id) { return impl_->CancelTimer(id); }
void Supervisor::Post(std::function<void()> fn) { impl_->Post(std::move(fn)); }
bool Supervisor::OnSupervisorThread() const {
  return impl_->OnSupervisorThread();
}
pid_t Supervisor::ThreadId() const { return impl_->ThreadId(); }
bool Supervisor::OnCallbackThread() const { return impl_->OnCallbackThread(); }
int Supervisor::WatchedCount() { return impl_->WatchedCount(); }

}  // namespace ncp::spawner
