// NCP_RETURN_IF_ERROR / NCP_ASSIGN_OR_RETURN.
//
// Debian's abseil (20220623) has no status macros; these mirror the ones
// abseil gained later so that one sed can switch to them.
#ifndef NCP_BASE_STATUS_MACROS_H_
#define NCP_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NCP_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status ncp_status_ = (expr);       \
    if (!ncp_status_.ok()) return ncp_status_; \
  } while (0)

#define NCP_STATUS_CONCAT_INNER_(a, b) a##b
#define NCP_STATUS_CONCAT_(a, b) NCP_STATUS_CONCAT_INNER_(a, b)

#define NCP_ASSIGN_OR_RETURN(lhs, expr)                                        \
  NCP_ASSIGN_OR_RETURN_IMPL_(NCP_STATUS_CONCAT_(ncp_statusor_, __LINE__), lhs, \
                             expr)

#define NCP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)    \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // NCP_BASE_STATUS_MACROS_H_
