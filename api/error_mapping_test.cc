#include "api/error_mapping.h"

#include <errno.h>

#include "base/errno_status.h"
#include "gtest/gtest.h"

namespace ncp::api {
namespace {

TEST(ErrorMappingTest, OkIsNoError) {
  EXPECT_EQ(ToNcpErrCode(absl::OkStatus()), NCP_NO_ERROR);
}

TEST(ErrorMappingTest, ExplicitCodesRoundTrip) {
  for (Ability_NativeChildProcess_ErrCode code :
       {NCP_ERR_INVALID_PARAM, NCP_ERR_NOT_SUPPORTED, NCP_ERR_INTERNAL,
        NCP_ERR_TIMEOUT, NCP_ERR_SERVICE_ERROR, NCP_ERR_MULTI_PROCESS_DISABLED,
        NCP_ERR_ALREADY_IN_CHILD, NCP_ERR_MAX_CHILD_PROCESSES_REACHED,
        NCP_ERR_LIB_LOADING_FAILED, NCP_ERR_CONNECTION_FAILED,
        NCP_ERR_CALLBACK_NOT_EXIST, NCP_ERR_INVALID_PID}) {
    absl::Status status = NcpError(code, "x");
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(ToNcpErrCode(status), code);
  }
}

TEST(ErrorMappingTest, CanonicalCodesWithoutPayload) {
  EXPECT_EQ(ToNcpErrCode(absl::InvalidArgumentError("x")),
            NCP_ERR_INVALID_PARAM);
  // Only an explicit NcpError means "a child limit".
  EXPECT_EQ(ToNcpErrCode(absl::ResourceExhaustedError("x")), NCP_ERR_INTERNAL);
  EXPECT_EQ(ToNcpErrCode(absl::UnimplementedError("x")), NCP_ERR_NOT_SUPPORTED);
  EXPECT_EQ(ToNcpErrCode(absl::UnknownError("x")), NCP_ERR_INTERNAL);
  EXPECT_EQ(ToNcpErrCode(absl::PermissionDeniedError("x")), NCP_ERR_INTERNAL);
}

TEST(ErrorMappingTest, FailedSystemCallsAreInternalWhateverTheErrno) {
  for (int err : {EINVAL, EMFILE, ENOSYS, EPERM, ENOENT}) {
    EXPECT_EQ(ToNcpErrCode(ErrnoError(err, "call")), NCP_ERR_INTERNAL) << err;
  }
}

}  // namespace
}  // namespace ncp::api
