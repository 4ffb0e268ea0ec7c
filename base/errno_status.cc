#include "base/errno_status.h"

#include <errno.h>
#include <string.h>

#include "absl/strings/str_cat.h"

namespace ncp {
namespace {

constexpr char kErrnoPayloadUrl[] = "type.ncp/ncp.Errno";

}  // namespace

absl::Status ErrnoError(int err, absl::string_view call,
                        absl::string_view detail) {
  std::string message(call);
  if (!detail.empty()) absl::StrAppend(&message, "(", detail, ")");
  char buf[128];
  // GNU strerror_r returns a pointer that may or may not be `buf`.
  const char* text = strerror_r(err, buf, sizeof(buf));
  absl::StrAppend(&message, ": ", text);
  absl::Status status = absl::ErrnoToStatus(err, message);
  status.SetPayload(kErrnoPayloadUrl, absl::Cord(absl::StrCat(err)));
  return status;
}

bool IsErrnoStatus(const absl::Status& status) {
  return status.GetPayload(kErrnoPayloadUrl).has_value();
}

absl::Status LastErrnoError(absl::string_view call, absl::string_view detail) {
  return ErrnoError(errno, call, detail);
}

}  // namespace ncp
