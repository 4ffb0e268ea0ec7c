#include "isolation/isolation.h"

#include "absl/status/status.h"

namespace ncp::isolation {

absl::StatusOr<std::unique_ptr<IsolationPlan>> BuildIsolationPlan(
    const IsolationOptions& /*options*/) {
  return absl::UnimplementedError(
      "ISOLATED mode is not available in this build");
}

}  // namespace ncp::isolation
