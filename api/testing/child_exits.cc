#include "api/testing/child_exits.h"

#include <chrono>

namespace ncp::testing {

void ChildExits::Listener(const NCP_ChildExitInfo* info, void* self) {
  ChildExits* exits = static_cast<ChildExits*>(self);
  std::lock_guard<std::mutex> lock(exits->mu_);
  exits->ends_[info->pid] = *info;
  exits->cv_.notify_all();
}

int ChildExits::Register() {
  return ncp_RegisterChildExitListener(&Listener, this);
}

int ChildExits::Unregister() {
  return ncp_UnregisterChildExitListener(&Listener, this);
}

NCP_ChildExitInfo ChildExits::Of(int32_t pid) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(10),
               [&] { return ends_.count(pid) > 0; });
  auto it = ends_.find(pid);
  NCP_ChildExitInfo none = {};
  return it == ends_.end() ? none : it->second;
}

NCP_ChildExitInfo ChildExits::TakeAny() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !ends_.empty(); });
  NCP_ChildExitInfo none = {};
  if (ends_.empty()) return none;
  NCP_ChildExitInfo info = ends_.begin()->second;
  ends_.erase(ends_.begin());
  return info;
}

std::vector<int32_t> ChildExits::Pids() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int32_t> pids;
  for (const auto& [pid, info] : ends_) pids.push_back(pid);
  return pids;
}

}  // namespace ncp::testing
