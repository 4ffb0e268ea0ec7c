// Internal absl::Status <-> public Ability_NativeChildProcess_ErrCode.
//
// ToNcpErrCode() is the only place a Status becomes a public code. Where a
// canonical status code cannot say which OpenHarmony code is meant, the
// Status carries the exact one as a payload (NcpError).
#ifndef NCP_API_ERROR_MAPPING_H_
#define NCP_API_ERROR_MAPPING_H_

#include "AbilityKit/native_child_process.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ncp::api {

// A Status that translates to exactly `code`.
absl::Status NcpError(Ability_NativeChildProcess_ErrCode code,
                      absl::string_view message);

// The translator. OK -> NCP_NO_ERROR; a status from NcpError -> its code; a
// failed system call (base/errno_status.h) -> 16000050 whatever its errno;
// otherwise by canonical code: INVALID_ARGUMENT -> 401, UNIMPLEMENTED ->
// 801, anything else -> 16000050. With NCP_DEBUG=1 in the environment, each
// error is also described on stderr.
Ability_NativeChildProcess_ErrCode ToNcpErrCode(const absl::Status& status);

}  // namespace ncp::api

#endif  // NCP_API_ERROR_MAPPING_H_
