#include "api/spawn_trace.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <utility>

#include "spawner/spawn_plan.h"

namespace ncp::api {
namespace {

// The child stamps by offset (spawner/spawn_plan.h, child_main.cc): the
// layout is fixed.
static_assert(offsetof(NCP_SpawnStages, ns) == 0);
static_assert(spawner::kTraceStageCloned == NCP_STAGE_CLONED);
static_assert(spawner::kTraceStageMounted == NCP_STAGE_MOUNTED);
static_assert(spawner::kTraceStageSandboxed == NCP_STAGE_SANDBOXED);

constexpr size_t kKept = 256;

struct Registry {
  std::mutex mu;
  std::deque<std::pair<pid_t, std::shared_ptr<SpawnTrace>>> traces;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

int64_t NowNs() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace

std::shared_ptr<SpawnTrace> SpawnTrace::MaybeStart() {
  const char* on = getenv("NCP_TRACE_STAGES");
  if (on == nullptr || strcmp(on, "1") != 0) return nullptr;
  UniqueFd fd(
      static_cast<int>(syscall(SYS_memfd_create, "ncp-trace", MFD_CLOEXEC)));
  if (!fd.valid() || ftruncate(fd.get(), sizeof(NCP_SpawnStages)) != 0)
    return nullptr;
  void* page = mmap(nullptr, sizeof(NCP_SpawnStages), PROT_READ | PROT_WRITE,
                    MAP_SHARED, fd.get(), 0);
  if (page == MAP_FAILED) return nullptr;
  std::shared_ptr<SpawnTrace> trace(
      new SpawnTrace(std::move(fd), static_cast<NCP_SpawnStages*>(page)));
  trace->Stamp(NCP_STAGE_CALLED);
  return trace;
}

SpawnTrace::~SpawnTrace() { munmap(stages_, sizeof(NCP_SpawnStages)); }

void SpawnTrace::Stamp(NCP_SpawnStage stage) {
  // The child writes other slots of the same page concurrently.
  __atomic_store_n(&stages_->ns[stage], NowNs(), __ATOMIC_RELAXED);
}

void SpawnTrace::SetViaZygote(int how, pid_t zygote) {
  __atomic_store_n(&stages_->via_zygote, how, __ATOMIC_RELAXED);
  __atomic_store_n(&stages_->zygote_pid, static_cast<int32_t>(zygote),
                   __ATOMIC_RELAXED);
}

void SpawnTrace::Register(pid_t pid, std::shared_ptr<SpawnTrace> trace) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.traces.emplace_back(pid, std::move(trace));
  if (r.traces.size() > kKept) r.traces.pop_front();
}

bool SpawnTrace::Lookup(pid_t pid, NCP_SpawnStages* out) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  // Newest first: a pid may have been reused.
  for (auto it = r.traces.rbegin(); it != r.traces.rend(); ++it) {
    if (it->first != pid) continue;
    const NCP_SpawnStages* stages = it->second->stages_;
    for (int i = 0; i < NCP_STAGE_COUNT; ++i) {
      out->ns[i] = __atomic_load_n(&stages->ns[i], __ATOMIC_RELAXED);
    }
    out->via_zygote = __atomic_load_n(&stages->via_zygote, __ATOMIC_RELAXED);
    out->zygote_pid = __atomic_load_n(&stages->zygote_pid, __ATOMIC_RELAXED);
    return true;
  }
  return false;
}

}  // namespace ncp::api
