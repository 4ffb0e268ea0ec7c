// OH_IPCSkeleton_*: worker threads and the identity of the current caller.
//
// Identity strings (ResetCallingIdentity/SetCallingIdentity) are opaque to
// callers: "ncpid1:<pid>:<uid>:<first uid>:<chain>:<check>", where <check>
// is a keyed hash of the fields with a per-process random key, so that a
// string that was not produced by Reset in this process is refused.
#include <sys/random.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "IPCKit/ipc_cskeleton.h"
#include "ipc/export.h"
#include "ipc/runtime.h"

using ncp::ipc::CallContext;
using ncp::ipc::CurrentContext;
using ncp::ipc::Runtime;
using ncp::ipc::ThreadState;

namespace {

uint64_t IdentityKey() {
  static uint64_t key = [] {
    uint64_t k = 0;
    if (getrandom(&k, sizeof(k), GRND_NONBLOCK) != sizeof(k)) {
      k = 0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(getpid());
    }
    return k;
  }();
  return key;
}

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 29;
  return h;
}

uint64_t Check(const CallContext& c) {
  uint64_t h = IdentityKey();
  h = Mix(h, c.pid);
  h = Mix(h, c.uid);
  h = Mix(h, c.first_uid);
  h = Mix(h, c.chain);
  return h;
}

}  // namespace

NCP_IPC_EXPORT void OH_IPCSkeleton_JoinWorkThread(void) {
  Runtime* rt = Runtime::Get();
  if (rt == nullptr) return;
  ThreadState* ts = ThreadState::Current();
  if (ts->in_worker_loop) return;  // already serving on this thread
  rt->WorkerLoop(ts);
}

NCP_IPC_EXPORT void OH_IPCSkeleton_StopWorkThread(void) {
  ThreadState* ts = ThreadState::Current();
  // Pool threads belong to the runtime and keep serving; a thread that
  // joined with JoinWorkThread leaves its loop after the current handler.
  if (ts->in_worker_loop && !ts->is_pool_worker) ts->stop_requested = true;
}

NCP_IPC_EXPORT uint64_t OH_IPCSkeleton_GetCallingTokenId(void) {
  const CallContext& c = CurrentContext();
  return c.in_ipc ? c.uid : static_cast<uint64_t>(getuid());
}

NCP_IPC_EXPORT uint64_t OH_IPCSkeleton_GetFirstTokenId(void) {
  const CallContext& c = CurrentContext();
  return c.in_ipc ? c.first_uid : 0;
}

NCP_IPC_EXPORT uint64_t OH_IPCSkeleton_GetSelfTokenId(void) {
  return static_cast<uint64_t>(getuid());
}

NCP_IPC_EXPORT uint64_t OH_IPCSkeleton_GetCallingPid(void) {
  const CallContext& c = CurrentContext();
  return c.in_ipc ? c.pid : static_cast<uint64_t>(getpid());
}

NCP_IPC_EXPORT uint64_t OH_IPCSkeleton_GetCallingUid(void) {
  const CallContext& c = CurrentContext();
  return c.in_ipc ? c.uid : static_cast<uint64_t>(getuid());
}

NCP_IPC_EXPORT int OH_IPCSkeleton_IsLocalCalling(void) { return 1; }

NCP_IPC_EXPORT int OH_IPCSkeleton_SetMaxWorkThreadNum(const int maxThreadNum) {
  if (maxThreadNum < 1 || maxThreadNum > 32) return OH_IPC_CHECK_PARAM_ERROR;
  Runtime::SetMaxThreads(maxThreadNum);
  return OH_IPC_SUCCESS;
}

NCP_IPC_EXPORT int OH_IPCSkeleton_ResetCallingIdentity(
    char** identity, int32_t* len, OH_IPC_MemAllocator allocator) {
  if (identity == nullptr || len == nullptr || allocator == nullptr) {
    return OH_IPC_CHECK_PARAM_ERROR;
  }
  CallContext& c = CurrentContext();
  char text[160] = "";
  if (c.in_ipc) {
    int n = snprintf(text, sizeof(text),
                     "ncpid1:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64
                     ":%016" PRIx64,
                     c.pid, c.uid, c.first_uid, c.chain, Check(c));
    if (n <= 0 || static_cast<size_t>(n) >= sizeof(text)) {
      return OH_IPC_INNER_ERROR;
    }
  }
  const int32_t size = static_cast<int32_t>(std::strlen(text) + 1);
  void* block = allocator(size);
  if (block == nullptr) {
    *identity = nullptr;
    return OH_IPC_MEM_ALLOCATOR_ERROR;
  }
  *identity = static_cast<char*>(block);
  std::memcpy(block, text, size);
  *len = size;
  if (c.in_ipc) {
    // Act as this process itself until SetCallingIdentity.
    c.pid = static_cast<uint64_t>(getpid());
    c.uid = static_cast<uint64_t>(getuid());
  }
  return OH_IPC_SUCCESS;
}

NCP_IPC_EXPORT int OH_IPCSkeleton_SetCallingIdentity(const char* identity) {
  if (identity == nullptr) return OH_IPC_CHECK_PARAM_ERROR;
  CallContext& c = CurrentContext();
  if (!c.in_ipc) return OH_IPC_SUCCESS;
  CallContext parsed = c;
  uint64_t check = 0;
  int consumed = 0;
  if (sscanf(identity,
             "ncpid1:%" SCNu64 ":%" SCNu64 ":%" SCNu64 ":%" SCNu64 ":%16" SCNx64
             "%n",
             &parsed.pid, &parsed.uid, &parsed.first_uid, &parsed.chain, &check,
             &consumed) != 5 ||
      identity[consumed] != '\0' || Check(parsed) != check) {
    return OH_IPC_INNER_ERROR;
  }
  c = parsed;
  return OH_IPC_SUCCESS;
}

NCP_IPC_EXPORT int OH_IPCSkeleton_IsHandlingTransaction(void) {
  return CurrentContext().in_ipc ? 1 : 0;
}
