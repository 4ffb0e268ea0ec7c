// Concurrency: limits exact under races, every callback exactly once,
// mixed operations from 8 threads. Run it under --config=tsan too.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "api/testing/child_test_util.h"
#include "gtest/gtest.h"

namespace {

using ::ncp::testing::FixturePath;

// ---- start callbacks: every one recorded.
std::mutex g_mu;
std::condition_variable g_cv;
std::vector<std::pair<int, OHIPCRemoteProxy*>>* g_started =
    new std::vector<std::pair<int, OHIPCRemoteProxy*>>();

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_started->emplace_back(code, proxy);
  g_cv.notify_all();
}

// Waits for `n` start callbacks in total, then takes them.
std::vector<std::pair<int, OHIPCRemoteProxy*>> TakeStarted(size_t n) {
  std::unique_lock<std::mutex> lock(g_mu);
  g_cv.wait_for(lock, std::chrono::seconds(60),
                [n] { return g_started->size() >= n; });
  std::vector<std::pair<int, OHIPCRemoteProxy*>> taken;
  taken.swap(*g_started);
  return taken;
}

// ---- exit callbacks: counted per pid.
std::map<int32_t, int>* g_exits = new std::map<int32_t, int>();

void CountExit(int32_t pid, int32_t /*signal*/) {
  std::lock_guard<std::mutex> lock(g_mu);
  ++(*g_exits)[pid];
  g_cv.notify_all();
}

template <int kN>
void ChurnCallback(int32_t, int32_t) {}

int Send(OHIPCRemoteProxy* proxy, uint32_t code, std::vector<int32_t> args,
         int32_t* out = nullptr) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  for (int32_t a : args) OH_IPCParcel_WriteInt32(data, a);
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int rc = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, &sync);
  if (out != nullptr) OH_IPCParcel_ReadInt32(reply, out);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  return rc;
}

// Ends an Add-service child and waits until it is gone for the library too.
void Finish(OHIPCRemoteProxy* proxy) {
  int32_t pid = -1;
  Send(proxy, 5, {}, &pid);
  Send(proxy, 2, {});
  OH_IPCRemoteProxy_Destroy(proxy);
  if (pid > 0) ncp::testing::WaitForExit(pid);
}

TEST(ConcurrencyTest, SixtyRacingCreatesGiveExactlyFiftyChildren) {
  const std::string lib = FixturePath("libncp_add_service.so");
  std::atomic<int> ok{0}, full{0}, other{0};
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < 60; ++i) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      int code = OH_Ability_CreateNativeChildProcess(lib.c_str(), &OnStarted);
      if (code == NCP_NO_ERROR) {
        ++ok;
      } else if (code == NCP_ERR_MAX_CHILD_PROCESSES_REACHED) {
        ++full;
      } else {
        ++other;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(full.load(), 10);
  EXPECT_EQ(other.load(), 0);
  std::vector<std::pair<int, OHIPCRemoteProxy*>> started = TakeStarted(50);
  ASSERT_EQ(started.size(), 50u);  // exactly one callback per successful call
  for (auto& [code, proxy] : started) {
    EXPECT_EQ(code, NCP_NO_ERROR);
    int32_t sum = 0;
    EXPECT_EQ(Send(proxy, 1, {40, 2}, &sum), 0);
    EXPECT_EQ(sum, 42);
  }
  for (auto& [code, proxy] : started) Finish(proxy);
}

TEST(ConcurrencyTest, MixedOperationsFromEightThreads) {
  ASSERT_EQ(OH_Ability_RegisterNativeChildProcessExitCallback(&CountExit), 0);
  const std::string returns =
      FixturePath("libncp_reporter.so") + ":ReturnNormally";
  const std::string sleeps = FixturePath("libncp_sleeper.so") + ":Sleep";
  const std::string service = FixturePath("libncp_add_service.so");
  std::mutex pids_mu;
  std::vector<int32_t> started_pids;
  std::atomic<int> creates{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 12; ++i) {
        NativeChildProcess_Args args = {};
        NativeChildProcess_Options options = {};
        options.isolationMode = (i % 3 == 0) ? NCP_ISOLATION_MODE_ISOLATED
                                             : NCP_ISOLATION_MODE_NORMAL;
        int32_t pid = -1;
        switch ((t + i) % 4) {
          case 0:  // a child that returns
            if (OH_Ability_StartNativeChildProcess(returns.c_str(), args,
                                                   options, &pid) == 0) {
              std::lock_guard<std::mutex> lock(pids_mu);
              started_pids.push_back(pid);
            } else {
              ++failures;
            }
            break;
          case 1:  // a child that is killed
            if (OH_Ability_StartNativeChildProcess(sleeps.c_str(), args,
                                                   options, &pid) == 0) {
              {
                std::lock_guard<std::mutex> lock(pids_mu);
                started_pids.push_back(pid);
              }
              if (OH_Ability_KillChildProcess(pid) != 0) ++failures;
            } else {
              ++failures;
            }
            break;
          case 2:  // an IPC child, used and ended from the callback's proxy
            if (OH_Ability_CreateNativeChildProcess(service.c_str(),
                                                    &OnStarted) == 0) {
              ++creates;
            } else {
              ++failures;
            }
            break;
          case 3:  // callback registration churn, and a kill of a non-child
            OH_Ability_RegisterNativeChildProcessExitCallback(
                &ChurnCallback<0>);
            OH_Ability_RegisterNativeChildProcessExitCallback(
                &ChurnCallback<1>);
            OH_Ability_UnregisterNativeChildProcessExitCallback(
                &ChurnCallback<0>);
            OH_Ability_UnregisterNativeChildProcessExitCallback(
                &ChurnCallback<1>);
            if (OH_Ability_KillChildProcess(getpid()) != NCP_ERR_INVALID_PID)
              ++failures;
            break;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  std::vector<std::pair<int, OHIPCRemoteProxy*>> started =
      TakeStarted(creates.load());
  EXPECT_EQ(started.size(), static_cast<size_t>(creates.load()));
  for (auto& [code, proxy] : started) {
    EXPECT_EQ(code, NCP_NO_ERROR);
    int32_t sum = 0;
    EXPECT_EQ(Send(proxy, 1, {1, 2}, &sum), 0);
    EXPECT_EQ(sum, 3);
    Finish(proxy);
  }
  // Every Start*-type child's exit reported exactly once.
  std::unique_lock<std::mutex> lock(g_mu);
  g_cv.wait_for(lock, std::chrono::seconds(30), [&] {
    for (int32_t pid : started_pids) {
      if (g_exits->count(pid) == 0) return false;
    }
    return true;
  });
  for (int32_t pid : started_pids) EXPECT_EQ((*g_exits)[pid], 1) << pid;
  lock.unlock();
  OH_Ability_UnregisterNativeChildProcessExitCallback(&CountExit);
}

}  // namespace
