#include "spawner/supervisor.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "absl/time/clock.h"
#include "base/notification.h"
#include "gtest/gtest.h"

namespace ncp::spawner {
namespace {

absl::StatusOr<SpawnedChild> SpawnShell(const char* script) {
  static char arg0[] = "sh";
  static char arg1[] = "-c";
  char* argv[] = {arg0, arg1, const_cast<char*>(script), nullptr};
  char* envp[] = {nullptr};
  int fds[] = {0, 1, 2};
  SpawnPlan plan;
  plan.exec_path = "/bin/sh";
  plan.argv = argv;
  plan.envp = envp;
  plan.source_fds = fds;
  plan.n_fds = 3;
  plan.pdeath_signal = SIGKILL;
  return Supervisor::Get().Spawn(plan);
}

TEST(SupervisorTest, ReportsExitCodeOnSupervisorThread) {
  absl::StatusOr<SpawnedChild> child = SpawnShell("exit 3");
  ASSERT_TRUE(child.ok()) << child.status();
  ncp::Notification done;
  ChildExit seen;
  bool on_thread = false;
  ASSERT_TRUE(Supervisor::Get().Watch(
      child->pid, child->pidfd.get(), [&](const ChildExit& e) {
        seen = e;
        on_thread = Supervisor::Get().OnSupervisorThread();
        done.Notify();
      }));
  done.Wait();
  EXPECT_TRUE(on_thread);
  EXPECT_EQ(seen.pid, child->pid);
  EXPECT_FALSE(seen.signaled);
  EXPECT_EQ(seen.status, 3);
}

TEST(SupervisorTest, ReportsSignal) {
  absl::StatusOr<SpawnedChild> child = SpawnShell("kill -SEGV $$");
  ASSERT_TRUE(child.ok()) << child.status();
  ncp::Notification done;
  ChildExit seen;
  ASSERT_TRUE(Supervisor::Get().Watch(child->pid, child->pidfd.get(),
                                      [&](const ChildExit& e) {
                                        seen = e;
                                        done.Notify();
                                      }));
  done.Wait();
  EXPECT_TRUE(seen.signaled);
  EXPECT_EQ(seen.status, SIGSEGV);
}

TEST(SupervisorTest, SpawnFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> exits{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<SpawnedChild> child = SpawnShell("exit 0");
        ASSERT_TRUE(child.ok()) << child.status();
        ncp::Notification done;
        int fd = child->pidfd.get();
        ASSERT_TRUE(
            Supervisor::Get().Watch(child->pid, fd, [&](const ChildExit& e) {
              if (!e.signaled && e.status == 0) exits.fetch_add(1);
              done.Notify();
            }));
        done.Wait();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(exits.load(), 40);
  EXPECT_EQ(Supervisor::Get().WatchedCount(), 0);
}

TEST(SupervisorTest, TimersRunInOrderAndCancel) {
  ncp::Notification done;
  std::vector<int> order;
  std::mutex mu;
  absl::Time now = absl::Now();
  uint64_t cancelled =
      Supervisor::Get().AddTimer(now + absl::Milliseconds(5), [&] {
        std::lock_guard<std::mutex> l(mu);
        order.push_back(99);
      });
  Supervisor::Get().AddTimer(now + absl::Milliseconds(20), [&] {
    std::lock_guard<std::mutex> l(mu);
    order.push_back(2);
    done.Notify();
  });
  Supervisor::Get().AddTimer(now + absl::Milliseconds(10), [&] {
    std::lock_guard<std::mutex> l(mu);
    order.push_back(1);
  });
  EXPECT_TRUE(Supervisor::Get().CancelTimer(cancelled));
  EXPECT_FALSE(Supervisor::Get().CancelTimer(cancelled));
  done.Wait();
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

// The supervisor sleeps on a timerfd set for its earliest timer; a new
// timer resets it only if it is due before that. Either way, every timer
// fires on time.
TEST(SupervisorTest, TimersAddedWhileItSleepsFireOnTime) {
  Supervisor& supervisor = Supervisor::Get();
  const uint64_t far = supervisor.AddTimer(absl::Now() + absl::Hours(1), [] {});
  // The supervisor has been awake since (a timer already due has fired):
  // it goes to sleep until `far` next.
  ncp::Notification settled;
  supervisor.AddTimer(absl::Now(), [&] { settled.Notify(); });
  ASSERT_TRUE(settled.WaitFor(std::chrono::seconds(10)));
  // Earlier than the sleep: resets the timerfd.
  ncp::Notification early;
  supervisor.AddTimer(absl::Now() + absl::Milliseconds(10),
                      [&] { early.Notify(); });
  EXPECT_TRUE(early.WaitFor(std::chrono::seconds(10)));
  // Cancelled, then a later one: the supervisor wakes for the cancelled
  // one's time (the timerfd stays set for it) and sleeps again until the
  // later one.
  const uint64_t cancelled =
      supervisor.AddTimer(absl::Now() + absl::Milliseconds(20), [] {});
  ncp::Notification later;
  supervisor.AddTimer(absl::Now() + absl::Milliseconds(40),
                      [&] { later.Notify(); });
  EXPECT_TRUE(supervisor.CancelTimer(cancelled));
  EXPECT_TRUE(later.WaitFor(std::chrono::seconds(10)));
  EXPECT_TRUE(supervisor.CancelTimer(far));
}

TEST(SupervisorTest, PostRunsOnCallbackThread) {
  ncp::Notification done;
  bool on_thread = false;
  Supervisor::Get().Post([&] {
    on_thread = Supervisor::Get().OnCallbackThread();
    done.Notify();
  });
  done.Wait();
  EXPECT_TRUE(on_thread);
}

}  // namespace
}  // namespace ncp::spawner

namespace ncp::spawner {
namespace {

// A pidfd that epoll refuses (here: not an fd at all) is not watched, and
// says so; KillAndReap then ends the child on the calling thread, leaving
// no zombie behind (the kernel no longer knows the pid as our child).
TEST(SupervisorTest, AnUnwatchableChildIsKilledAndReapedByTheCaller) {
  bool called = false;
  EXPECT_FALSE(Supervisor::Get().Watch(
      12345, -1, [&](const ChildExit&) { called = true; }));
  absl::StatusOr<SpawnedChild> child = SpawnShell("sleep 100");
  ASSERT_TRUE(child.ok()) << child.status();
  const ChildExit end = KillAndReap(child->pid, child->pidfd.get());
  EXPECT_EQ(end.pid, child->pid);
  EXPECT_TRUE(end.signaled);
  EXPECT_EQ(end.status, SIGKILL);
  EXPECT_FALSE(end.status_unknown);
  siginfo_t info = {};
  EXPECT_EQ(waitid(P_PID, static_cast<id_t>(child->pid), &info,
                   WEXITED | WNOHANG | __WALL),
            -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_FALSE(called);
}

TEST(SupervisorTest, NeverReapsTheAppsOwnChildren) {
  pid_t own = fork();  // the app's own child, exiting with 42
  if (own == 0) _exit(42);
  ASSERT_GT(own, 0);
  // Our children come and go meanwhile; the supervisor reaps only them.
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<SpawnedChild> child = SpawnShell("exit 0");
    ASSERT_TRUE(child.ok()) << child.status();
    ncp::Notification done;
    ASSERT_TRUE(
        Supervisor::Get().Watch(child->pid, child->pidfd.get(),
                                [&](const ChildExit&) { done.Notify(); }));
    done.Wait();
  }
  int status = 0;
  ASSERT_EQ(waitpid(own, &status, 0), own);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
}

}  // namespace
}  // namespace ncp::spawner
