// absl::Status from errno values, with the failing call named in the message.
#ifndef NCP_BASE_ERRNO_STATUS_H_
#define NCP_BASE_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ncp {

// Status for `err` (an errno value) from `call` (e.g. "clone3"), with an
// optional detail (e.g. a path): "clone3(/usr): Operation not permitted".
absl::Status ErrnoError(int err, absl::string_view call,
                        absl::string_view detail = "");

// Same with the current errno.
absl::Status LastErrnoError(absl::string_view call,
                            absl::string_view detail = "");

// True for statuses made by the two functions above.
bool IsErrnoStatus(const absl::Status& status);

}  // namespace ncp

#endif  // NCP_BASE_ERRNO_STATUS_H_
