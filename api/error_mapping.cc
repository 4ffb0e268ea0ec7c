#include "api/error_mapping.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/errno_status.h"

namespace ncp::api {
namespace {

constexpr char kPayloadUrl[] = "type.ncp/ncp.ErrCode";

Ability_NativeChildProcess_ErrCode Translate(const absl::Status& status) {
  if (auto payload = status.GetPayload(kPayloadUrl); payload.has_value()) {
    int code;
    if (absl::SimpleAtoi(std::string(*payload), &code)) {
      return static_cast<Ability_NativeChildProcess_ErrCode>(code);
    }
  }
  // A failed system call is ours to deal with, whatever errno it had (an
  // EINVAL is not the caller's invalid argument, an EMFILE not a child
  // limit).
  if (IsErrnoStatus(status)) return NCP_ERR_INTERNAL;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return NCP_ERR_INVALID_PARAM;
    case absl::StatusCode::kUnimplemented:
      return NCP_ERR_NOT_SUPPORTED;
    default:
      return NCP_ERR_INTERNAL;
  }
}

absl::StatusCode CanonicalFor(Ability_NativeChildProcess_ErrCode code) {
  switch (code) {
    case NCP_ERR_INVALID_PARAM:
      return absl::StatusCode::kInvalidArgument;
    case NCP_ERR_NOT_SUPPORTED:
      return absl::StatusCode::kUnimplemented;
    case NCP_ERR_MAX_CHILD_PROCESSES_REACHED:
      return absl::StatusCode::kResourceExhausted;
    case NCP_ERR_ALREADY_IN_CHILD:
    case NCP_ERR_MULTI_PROCESS_DISABLED:
      return absl::StatusCode::kFailedPrecondition;
    case NCP_ERR_INVALID_PID:
    case NCP_ERR_CALLBACK_NOT_EXIST:
      return absl::StatusCode::kNotFound;
    case NCP_ERR_TIMEOUT:
      return absl::StatusCode::kDeadlineExceeded;
    case NCP_ERR_SERVICE_ERROR:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status NcpError(Ability_NativeChildProcess_ErrCode code,
                      absl::string_view message) {
  absl::Status status(CanonicalFor(code), message);
  status.SetPayload(kPayloadUrl,
                    absl::Cord(absl::StrCat(static_cast<int>(code))));
  return status;
}

Ability_NativeChildProcess_ErrCode ToNcpErrCode(const absl::Status& status) {
  if (status.ok()) return NCP_NO_ERROR;
  Ability_NativeChildProcess_ErrCode code = Translate(status);
  // NCP_DEBUG=1: say why, since a code alone often does not.
  if (const char* debug = getenv("NCP_DEBUG");
      debug != nullptr && debug[0] == '1') {
    fprintf(stderr, "ncp: error %d: %s\n", static_cast<int>(code),
            std::string(status.message()).c_str());
  }
  return code;
}

}  // namespace ncp::api
