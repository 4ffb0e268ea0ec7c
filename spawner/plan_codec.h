// A SpawnPlan as bytes, for a zygote: everything a child's setup needs
// except the fd table, the exec target and the report channels (the zygote
// fills those in from what it receives).
//
// No abseil: the child trampoline (which also serves as the zygote) links
// it. Decode checks every length and count.
#ifndef NCP_SPAWNER_PLAN_CODEC_H_
#define NCP_SPAWNER_PLAN_CODEC_H_

#include <linux/filter.h>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "spawner/spawn_plan.h"

namespace ncp::spawner {

std::string EncodePlan(const SpawnPlan& plan);

// A decoded plan and the storage its pointers refer to.
class DecodedPlan {
 public:
  // False if `data` is not a complete, well-formed encoding.
  bool Decode(const void* data, size_t size);
  SpawnPlan& plan() { return plan_; }
  const SpawnPlan& plan() const { return plan_; }

 private:
  const char* Keep(std::string s, bool present);

  SpawnPlan plan_;
  std::deque<std::string> strings_;
  std::vector<MountOp> mounts_;
  std::vector<sock_filter> filter_;
};

}  // namespace ncp::spawner

#endif  // NCP_SPAWNER_PLAN_CODEC_H_
