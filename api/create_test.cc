// End-to-end tests of the Create* flavour (spec §1.4-1.5.1, §1.13) through
// the shipped libraries, with real children running //testdata fixtures.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_kit.h"
#include "api/testing/child_test_util.h"
#include "base/notification.h"
#include "base/testing/epoll_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ncp/trace.h"

namespace {

using ::ncp::testing::Eventually;
using ::ncp::testing::FixturePath;

// ---- start callbacks: a plain C function, so results go to a global queue.
struct Started {
  int code;
  OHIPCRemoteProxy* proxy;
  std::string thread;
};
std::mutex g_mu;
std::condition_variable g_cv;
std::deque<Started>* g_started = new std::deque<Started>();

void OnStarted(int code, OHIPCRemoteProxy* proxy) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_started->push_back({code, proxy, ncp::testing::CurrentThreadName()});
  g_cv.notify_all();
}

// The next start callback (code -1 if none came within 15 s).
Started NextStarted() {
  std::unique_lock<std::mutex> lock(g_mu);
  if (!g_cv.wait_for(lock, std::chrono::seconds(15),
                     [] { return !g_started->empty(); })) {
    return {-1, nullptr, ""};
  }
  Started s = g_started->front();
  g_started->pop_front();
  return s;
}

// No further start callback arrives within `ms`.
bool NoMoreStarted(int ms) {
  std::unique_lock<std::mutex> lock(g_mu);
  return !g_cv.wait_for(lock, std::chrono::milliseconds(ms),
                        [] { return !g_started->empty(); });
}

// SendRequest with int32 arguments; returns the rc and fills `reply`.
int Call(OHIPCRemoteProxy* proxy, uint32_t code, std::vector<int32_t> args,
         OHIPCParcel* reply) {
  OHIPCParcel* data = OH_IPCParcel_Create();
  for (int32_t a : args) OH_IPCParcel_WriteInt32(data, a);
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  int rc = OH_IPCRemoteProxy_SendRequest(proxy, code, data, reply, &sync);
  OH_IPCParcel_Destroy(data);
  return rc;
}

int32_t CallInt(OHIPCRemoteProxy* proxy, uint32_t code,
                std::vector<int32_t> args, int* rc = nullptr) {
  OHIPCParcel* reply = OH_IPCParcel_Create();
  int r = Call(proxy, code, std::move(args), reply);
  if (rc != nullptr) *rc = r;
  int32_t value = -1;
  OH_IPCParcel_ReadInt32(reply, &value);
  OH_IPCParcel_Destroy(reply);
  return value;
}

// Death recipient that notifies once.
struct Death {
  ncp::Notification fired;
  int count = 0;
  OHIPCDeathRecipient* recipient = nullptr;
  Death() {
    recipient = OH_IPCDeathRecipient_Create(
        +[](void* self) {
          auto* d = static_cast<Death*>(self);
          ++d->count;
          d->fired.Notify();
        },
        nullptr, this);
  }
  ~Death() { OH_IPCDeathRecipient_Destroy(recipient); }
};

std::string Lib(const char* name) { return FixturePath(name); }

// The sockets registered in this process's epoll sets, as the kernel shows
// them: (fd, inode) -> the registration's event mask.
std::map<std::pair<int, uint64_t>, unsigned> SocketRegistrations() {
  std::map<std::pair<int, uint64_t>, unsigned> out;
  for (const auto& r : ncp::testing::EpollRegistrations()) {
    if (r.socket) out[{r.target_fd, r.inode}] = r.events;
  }
  return out;
}

class CreateTest : public ::testing::Test {
 protected:
  // Creates a child of `lib` and returns its start result.
  Started CreateOk(const std::string& lib) {
    EXPECT_EQ(OH_Ability_CreateNativeChildProcess(lib.c_str(), &OnStarted),
              NCP_NO_ERROR);
    return NextStarted();
  }
  // Asks an Add-service child to finish, and waits until it has gone.
  void Finish(OHIPCRemoteProxy* proxy) {
    Death death;
    ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(proxy, death.recipient), 0);
    EXPECT_EQ(CallInt(proxy, 2, {}), 1);  // "the exit request returns 1"
    EXPECT_TRUE(death.fired.WaitFor(std::chrono::seconds(10)));
    OH_IPCRemoteProxy_RemoveDeathRecipient(proxy, death.recipient);
    OH_IPCRemoteProxy_Destroy(proxy);
  }
};

TEST_F(CreateTest, AddServiceAnswersAndExits) {
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  ASSERT_NE(s.proxy, nullptr);
  // A library thread: the IPC worker that took the child's report, once the
  // child has its reply.
  EXPECT_EQ(s.thread, "ncp-ipc");
  int rc = -1;
  EXPECT_EQ(CallInt(s.proxy, 1, {123, 456}, &rc), 579);
  EXPECT_EQ(rc, 0);

  Death death;
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(s.proxy, death.recipient), 0);
  EXPECT_EQ(CallInt(s.proxy, 2, {}), 1);
  ASSERT_TRUE(death.fired.WaitFor(std::chrono::seconds(10)));
  EXPECT_EQ(death.count, 1);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(s.proxy), 1);
  EXPECT_EQ(CallInt(s.proxy, 1, {1, 2}, &rc), -1);
  EXPECT_EQ(rc, OH_IPC_DEAD_REMOTE_OBJECT);
  OH_IPCRemoteProxy_RemoveDeathRecipient(s.proxy, death.recipient);
  OH_IPCRemoteProxy_Destroy(s.proxy);

  // And again after it exited.
  Started again = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(again.code, NCP_NO_ERROR);
  EXPECT_EQ(CallInt(again.proxy, 1, {2, 3}), 5);
  Finish(again.proxy);
  EXPECT_TRUE(NoMoreStarted(50));  // each call fired exactly once
}

TEST_F(CreateTest, InvalidArgumentsAre401) {
  EXPECT_EQ(OH_Ability_CreateNativeChildProcess("", &OnStarted),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_CreateNativeChildProcess("../libentry.so", &OnStarted),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_CreateNativeChildProcess(nullptr, &OnStarted),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_CreateNativeChildProcess("libentry.so", nullptr),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_CreateNativeChildProcess(nullptr, nullptr),
            NCP_ERR_INVALID_PARAM);
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  EXPECT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(configs, "abc_123"),
            0);
  for (const char* lib :
       {static_cast<const char*>(nullptr), "", "../libentry.so"}) {
    EXPECT_EQ(OH_Ability_CreateNativeChildProcessWithConfigs(lib, configs,
                                                             &OnStarted),
              NCP_ERR_INVALID_PARAM);
  }
  EXPECT_EQ(OH_Ability_CreateNativeChildProcessWithConfigs("libentry.so",
                                                           configs, nullptr),
            NCP_ERR_INVALID_PARAM);
  EXPECT_EQ(OH_Ability_CreateNativeChildProcessWithConfigs("libentry.so",
                                                           nullptr, &OnStarted),
            NCP_ERR_INVALID_PARAM);
  OH_Ability_DestroyChildProcessConfigs(configs);
  EXPECT_TRUE(NoMoreStarted(50));
}

TEST_F(CreateTest, MissingLibraryOrSymbolsIsLibLoadingFailed) {
  for (const std::string& lib :
       {std::string("fake.so"),
        std::string("/data/storage/el1/bundle/libs/arm64/libentry.so"),
        Lib("libncp_no_mainproc.so")}) {
    Started s = CreateOk(lib);
    EXPECT_EQ(s.code, NCP_ERR_LIB_LOADING_FAILED) << lib;
    EXPECT_EQ(s.proxy, nullptr);
  }
}

TEST_F(CreateTest, NullStubIsConnectionFailedAndMainProcNeverRuns) {
  const char* marker = getenv("NCP_TEST_MAINPROC_MARKER");
  ASSERT_NE(marker, nullptr);
  unlink(marker);
  Started s = CreateOk(Lib("libncp_null_stub.so"));
  EXPECT_EQ(s.code, NCP_ERR_CONNECTION_FAILED);
  EXPECT_EQ(s.proxy, nullptr);
  EXPECT_NE(access(marker, F_OK), 0);
  // Prove the marker works: an Add service's MainProc makes it, and has
  // made it by the time the child is gone.
  Started ok = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(ok.code, NCP_NO_ERROR);
  Finish(ok.proxy);
  EXPECT_EQ(access(marker, F_OK), 0);
  unlink(marker);
}

TEST_F(CreateTest, ChildDyingBeforeItConnectsIsInternal) {
  Started s = CreateOk(Lib("libncp_crash_connect.so"));
  EXPECT_EQ(s.code, NCP_ERR_INTERNAL);
  EXPECT_EQ(s.proxy, nullptr);
}

// The same, while a process the child started still holds its end of the
// channel (so no EOF comes from it): when the child exits, the app ends
// that connection itself, after reading whatever the child sent, and the
// callback says NCP_ERR_INTERNAL at once rather than NCP_ERR_TIMEOUT when
// the start timeout (10 s) fires.
TEST_F(CreateTest,
       ChildDyingBeforeItConnectsIsInternalWhileADescendantHoldsItsSocket) {
  // Named after this process (testdata/add_service.c): not another test's.
  const std::string holder = "hold-" + std::to_string(getpid());
  auto kill_holders = [&holder] {
    int killed = 0;
    DIR* dir = opendir("/proc");
    if (dir == nullptr) return killed;
    while (struct dirent* e = readdir(dir)) {
      const pid_t pid = atoi(e->d_name);
      if (pid > 0 && ncp::testing::ReadComm(pid) == holder) {
        killed += kill(pid, SIGKILL) == 0 ? 1 : 0;
      }
    }
    closedir(dir);
    return killed;
  };
  Started s = CreateOk(Lib("libncp_crash_connect_holder.so"));
  EXPECT_EQ(s.code, NCP_ERR_INTERNAL);
  EXPECT_EQ(s.proxy, nullptr);
  // The holder was there all along (it sleeps for 60 s; it may not have
  // run far enough yet to have its name).
  EXPECT_TRUE(Eventually([&] { return kill_holders() == 1; }));
}

TEST_F(CreateTest, SecondCreateWhileTheFirstIsStillConnecting) {
  ASSERT_EQ(OH_Ability_CreateNativeChildProcess(
                Lib("libncp_slow_connect.so").c_str(), &OnStarted),
            NCP_NO_ERROR);
  ASSERT_EQ(OH_Ability_CreateNativeChildProcess(
                Lib("libncp_add_service.so").c_str(), &OnStarted),
            NCP_NO_ERROR);
  Started a = NextStarted(), b = NextStarted();
  ASSERT_EQ(a.code, NCP_NO_ERROR);
  ASSERT_EQ(b.code, NCP_NO_ERROR);
  Finish(a.proxy);
  Finish(b.proxy);
}

TEST_F(CreateTest, ChildCannotCreateOrStartChildren) {
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  OHIPCParcel* reply = OH_IPCParcel_Create();
  ASSERT_EQ(Call(s.proxy, 3, {}, reply), 0);
  int32_t create = 0, start = 0;
  OH_IPCParcel_ReadInt32(reply, &create);
  OH_IPCParcel_ReadInt32(reply, &start);
  OH_IPCParcel_Destroy(reply);
  EXPECT_EQ(create, NCP_ERR_ALREADY_IN_CHILD);
  EXPECT_EQ(start, NCP_ERR_ALREADY_IN_CHILD);
  Finish(s.proxy);
}

TEST_F(CreateTest, CallerIdentityIsTheKernels) {
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  OHIPCParcel* reply = OH_IPCParcel_Create();
  ASSERT_EQ(Call(s.proxy, 5, {}, reply), 0);
  int32_t child_pid = 0;
  int64_t calling_pid = 0, calling_uid = 0;
  OH_IPCParcel_ReadInt32(reply, &child_pid);
  OH_IPCParcel_ReadInt64(reply, &calling_pid);
  OH_IPCParcel_ReadInt64(reply, &calling_uid);
  OH_IPCParcel_Destroy(reply);
  EXPECT_GT(child_pid, 0);
  EXPECT_NE(child_pid, getpid());
  EXPECT_EQ(calling_pid, getpid());
  EXPECT_EQ(calling_uid, static_cast<int64_t>(getuid()));
  Finish(s.proxy);
}

// The child's IPC runtime, however it came (made by a zygote's spare before
// the request, its fds moved by the fd table, or made by the child): one
// epoll set, watching its work queue and its socket to the parent, as the
// kernel shows them (/proc/<pid>/fd, /proc/<pid>/fdinfo).
TEST_F(CreateTest, TheChildHasOneIpcRuntimeWatchingItsQueueAndSocket) {
  setenv("NCP_TRACE_STAGES", "1", 1);
  int from_spares = 0;
  for (int i = 0; i < 3; ++i) {
    Started s = CreateOk(Lib("libncp_add_service.so"));
    ASSERT_EQ(s.code, NCP_NO_ERROR);
    const int32_t pid = CallInt(s.proxy, 5, {});  // the child's pid first
    ASSERT_GT(pid, 0);
    NCP_SpawnStages stages = {};
    if (ncp_GetSpawnStages(pid, &stages) == 0 && stages.via_zygote == 2) {
      ++from_spares;
    }
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    std::vector<std::string> epoll_sets;
    std::map<std::string, int> eventfds;  // fd -> 1
    for (int fd = 0; fd < 1024; ++fd) {
      char target[256] = {};
      const std::string link = dir + "/" + std::to_string(fd);
      if (readlink(link.c_str(), target, sizeof(target) - 1) < 0) continue;
      const std::string t = target;
      if (t == "anon_inode:[eventpoll]") {
        epoll_sets.push_back(std::to_string(fd));
      }
      if (t == "anon_inode:[eventfd]") eventfds[std::to_string(fd)] = 1;
    }
    ASSERT_EQ(epoll_sets.size(), 1u);
    // Its registrations: the work queue (an eventfd of the child's) and the
    // socket to this process, both by the numbers they have now.
    std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" +
                       epoll_sets[0]);
    std::string line;
    int queue = 0, others = 0;
    while (std::getline(info, line)) {
      if (line.rfind("tfd:", 0) != 0) continue;
      std::string fd = line.substr(4);
      fd = fd.substr(fd.find_first_not_of(' '));
      fd = fd.substr(0, fd.find(' '));
      if (eventfds.count(fd) != 0) {
        ++queue;
      } else {
        ++others;
      }
    }
    EXPECT_EQ(queue, 1);
    EXPECT_GE(others, 1);  // its socket to this process
    EXPECT_EQ(CallInt(s.proxy, 1, {4, 5}), 9);
    Finish(s.proxy);
  }
  unsetenv("NCP_TRACE_STAGES");
  // Through the zygote, Create* children after the first come from its
  // Create* spares, which made the runtime before the request.
  const char* zygote = getenv("NCP_ZYGOTE");
  if (zygote == nullptr || strcmp(zygote, "0") != 0) {
    EXPECT_GE(from_spares, 1);
  }
}

// Once the child has reported, the registrar is retired and the child lets
// its proxy of it go: the connection then offers the child nothing, so the
// app's IPC pool watches the child's socket only for its end (EOF, errors),
// and the app's calls read their own replies. Seen in the kernel's view of
// the epoll registration.
TEST_F(CreateTest, AReportedChildsSocketIsWatchedOnlyForItsEnd) {
  const auto before = SocketRegistrations();
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  EXPECT_EQ(CallInt(s.proxy, 1, {20, 22}), 42);
  std::pair<int, uint64_t> channel{-1, 0};
  for (const auto& [key, events] : SocketRegistrations()) {
    if (before.count(key) == 0) {
      EXPECT_EQ(channel.first, -1) << "more than one new socket registered";
      channel = key;
    }
  }
  ASSERT_NE(channel.first, -1);
  unsigned events = 0;
  // The child's release of the registrar may still be on its way.
  EXPECT_TRUE(Eventually([&] {
    auto now = SocketRegistrations();
    auto it = now.find(channel);
    if (it == now.end()) return false;
    events = it->second;
    return (events & EPOLLIN) == 0;
  })) << std::hex
      << events;
  EXPECT_NE(events & EPOLLHUP, 0u) << std::hex << events;
  EXPECT_EQ(CallInt(s.proxy, 1, {1, 2}), 3);  // still served, still unwatched
  EXPECT_EQ(SocketRegistrations()[channel] & EPOLLIN, 0u);
  Finish(s.proxy);  // its death is seen through that registration
  EXPECT_TRUE(
      Eventually([&] { return SocketRegistrations().count(channel) == 0; }));
}

TEST_F(CreateTest, StubPassedBackToTheParentIsCalled) {
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  // A parent-side stub doubling its argument, handed to the child.
  OHIPCRemoteStub* doubler = OH_IPCRemoteStub_Create(
      "ncp.test.Doubler",
      +[](uint32_t, const OHIPCParcel* data, OHIPCParcel* reply, void*) {
        int32_t v = 0;
        OH_IPCParcel_ReadInt32(data, &v);
        return OH_IPCParcel_WriteInt32(reply, v * 2);
      },
      nullptr, nullptr);
  ASSERT_NE(doubler, nullptr);
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  ASSERT_EQ(OH_IPCParcel_WriteRemoteStub(data, doubler), 0);
  ASSERT_EQ(OH_IPCParcel_WriteInt32(data, 21), 0);
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(s.proxy, 4, data, reply, &sync), 0);
  int32_t result = 0;
  OH_IPCParcel_ReadInt32(reply, &result);
  EXPECT_EQ(result, 42);
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  OH_IPCRemoteStub_Destroy(doubler);
  Finish(s.proxy);
}

TEST_F(CreateTest, FdsInParcelsShareTheOpenFileDescription) {
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  char path[] = "/tmp/ncp_parcel_fd_XXXXXX";
  int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  ASSERT_EQ(write(file, "PARENT:", 7), 7);
  OHIPCParcel* data = OH_IPCParcel_Create();
  OHIPCParcel* reply = OH_IPCParcel_Create();
  ASSERT_EQ(OH_IPCParcel_WriteFileDescriptor(data, file), 0);
  OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ASSERT_EQ(OH_IPCRemoteProxy_SendRequest(s.proxy, 6, data, reply, &sync), 0);
  EXPECT_EQ(lseek(file, 0, SEEK_CUR),
            12);  // the child's write moved our offset
  char buf[16] = {};
  ASSERT_EQ(pread(file, buf, sizeof(buf), 0), 12);
  EXPECT_STREQ(buf, "PARENT:CHILD");
  OH_IPCParcel_Destroy(data);
  OH_IPCParcel_Destroy(reply);
  close(file);
  Finish(s.proxy);
}

TEST_F(CreateTest, KilledChildsProxyDies) {
  Started s = CreateOk(Lib("libncp_add_service.so"));
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  const int32_t pid = CallInt(s.proxy, 5, {});  // the child's pid first
  ASSERT_GT(pid, 0);
  Death death;
  ASSERT_EQ(OH_IPCRemoteProxy_AddDeathRecipient(s.proxy, death.recipient), 0);
  EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_NO_ERROR);
  ASSERT_TRUE(death.fired.WaitFor(std::chrono::seconds(10)));
  EXPECT_EQ(death.count, 1);
  int rc = 0;
  CallInt(s.proxy, 1, {1, 2}, &rc);
  EXPECT_EQ(rc, OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ(OH_IPCRemoteProxy_IsRemoteDead(s.proxy), 1);
  OH_IPCRemoteProxy_RemoveDeathRecipient(s.proxy, death.recipient);
  OH_IPCRemoteProxy_Destroy(s.proxy);
  EXPECT_EQ(OH_Ability_KillChildProcess(pid), NCP_ERR_INVALID_PID);
}

TEST_F(CreateTest, FiftyLiveCreateChildrenAtMost) {
  std::vector<OHIPCRemoteProxy*> proxies;
  const std::string lib = Lib("libncp_add_service.so");
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(OH_Ability_CreateNativeChildProcess(lib.c_str(), &OnStarted),
              NCP_NO_ERROR)
        << i;
  }
  EXPECT_EQ(OH_Ability_CreateNativeChildProcess(lib.c_str(), &OnStarted),
            NCP_ERR_MAX_CHILD_PROCESSES_REACHED);
  // Start*-type children do not count toward the 50.
  NativeChildProcess_Args args = {};
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  std::string entry = FixturePath("libncp_reporter.so") + ":ReturnNormally";
  EXPECT_EQ(
      OH_Ability_StartNativeChildProcess(entry.c_str(), args, options, &pid),
      NCP_NO_ERROR);
  for (int i = 0; i < 50; ++i) {
    Started s = NextStarted();
    ASSERT_EQ(s.code, NCP_NO_ERROR) << i;
    proxies.push_back(s.proxy);
  }
  // After one exits, the next Create succeeds.
  Finish(proxies.back());
  proxies.pop_back();
  Started next = CreateOk(lib);
  ASSERT_EQ(next.code, NCP_NO_ERROR);
  proxies.push_back(next.proxy);
  for (OHIPCRemoteProxy* proxy : proxies) Finish(proxy);
}

TEST_F(CreateTest, WithConfigsNameAndIsolation) {
  Ability_ChildProcessConfigs* configs = OH_Ability_CreateChildProcessConfigs();
  ASSERT_EQ(OH_Ability_ChildProcessConfigs_SetProcessName(configs, "abc_123"),
            0);
  ASSERT_EQ(OH_Ability_ChildProcessConfigs_SetIsolationMode(
                configs, NCP_ISOLATION_MODE_ISOLATED),
            0);
  ASSERT_EQ(OH_Ability_CreateNativeChildProcessWithConfigs(
                Lib("libncp_add_service.so").c_str(), configs, &OnStarted),
            NCP_NO_ERROR);
  OH_Ability_DestroyChildProcessConfigs(configs);
  Started s = NextStarted();
  ASSERT_EQ(s.code, NCP_NO_ERROR);
  EXPECT_EQ(CallInt(s.proxy, 1, {123, 456}), 579);
  OHIPCParcel* reply = OH_IPCParcel_Create();
  ASSERT_EQ(Call(s.proxy, 7, {}, reply), 0);
  const char* netns = OH_IPCParcel_ReadString(reply);
  ASSERT_NE(netns, nullptr);
  struct stat st;
  ASSERT_EQ(stat("/proc/self/ns/net", &st), 0);
  EXPECT_NE(std::string(netns), std::to_string(st.st_ino));  // its own network
  OH_IPCParcel_Destroy(reply);
  Finish(s.proxy);
}

int TimesOutAndIsKilled() {
  setenv("NCP_START_TIMEOUT_MS", "300", 1);
  int rc = OH_Ability_CreateNativeChildProcess(
      FixturePath("libncp_hang_connect.so").c_str(), &OnStarted);
  if (rc != 0) return 10;
  Started s = NextStarted();
  if (s.code != NCP_ERR_TIMEOUT) return 11;
  if (s.proxy != nullptr) return 12;
  if (!NoMoreStarted(300)) return 13;  // exactly once, even after the kill
  return 0;
}

// In a fresh process (a "threadsafe" death test re-executes the test
// binary), so that the environment variable is read by no other thread.
TEST(CreateTimeoutTest, ChildThatNeverConnectsTimesOutAndIsKilled) {
  EXPECT_EXIT(_exit(TimesOutAndIsKilled()), ::testing::ExitedWithCode(0), "");
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists: the environment the tests (and children) see.
  static std::string marker =
      std::string(getenv("TEST_TMPDIR") != nullptr ? getenv("TEST_TMPDIR")
                                                   : "/tmp") +
      "/mainproc_marker";
  setenv("NCP_TEST_MAINPROC_MARKER", marker.c_str(), 1);
  ::testing::InitGoogleMock(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  return RUN_ALL_TESTS();
}
