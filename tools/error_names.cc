#include "tools/error_names.h"

#include "AbilityKit/native_child_process.h"
#include "IPCKit/ipc_error_code.h"

namespace ncp::tools {

const char* NcpErrorName(int code) {
  switch (code) {
    case NCP_NO_ERROR:
      return "NCP_NO_ERROR";
    case NCP_ERR_INVALID_PARAM:
      return "NCP_ERR_INVALID_PARAM";
    case NCP_ERR_NOT_SUPPORTED:
      return "NCP_ERR_NOT_SUPPORTED";
    case NCP_ERR_INTERNAL:
      return "NCP_ERR_INTERNAL";
    case NCP_ERR_BUSY:
      return "NCP_ERR_BUSY";
    case NCP_ERR_TIMEOUT:
      return "NCP_ERR_TIMEOUT";
    case NCP_ERR_SERVICE_ERROR:
      return "NCP_ERR_SERVICE_ERROR";
    case NCP_ERR_MULTI_PROCESS_DISABLED:
      return "NCP_ERR_MULTI_PROCESS_DISABLED";
    case NCP_ERR_ALREADY_IN_CHILD:
      return "NCP_ERR_ALREADY_IN_CHILD";
    case NCP_ERR_MAX_CHILD_PROCESSES_REACHED:
      return "NCP_ERR_MAX_CHILD_PROCESSES_REACHED";
    case NCP_ERR_LIB_LOADING_FAILED:
      return "NCP_ERR_LIB_LOADING_FAILED";
    case NCP_ERR_CONNECTION_FAILED:
      return "NCP_ERR_CONNECTION_FAILED";
    case NCP_ERR_CALLBACK_NOT_EXIST:
      return "NCP_ERR_CALLBACK_NOT_EXIST";
    case NCP_ERR_INVALID_PID:
      return "NCP_ERR_INVALID_PID";
    default:
      return "unknown";
  }
}

const char* IpcErrorName(int code) {
  switch (code) {
    case OH_IPC_SUCCESS:
      return "OH_IPC_SUCCESS";
    case OH_IPC_CHECK_PARAM_ERROR:
      return "OH_IPC_CHECK_PARAM_ERROR";
    case OH_IPC_PARCEL_WRITE_ERROR:
      return "OH_IPC_PARCEL_WRITE_ERROR";
    case OH_IPC_PARCEL_READ_ERROR:
      return "OH_IPC_PARCEL_READ_ERROR";
    case OH_IPC_MEM_ALLOCATOR_ERROR:
      return "OH_IPC_MEM_ALLOCATOR_ERROR";
    case OH_IPC_CODE_OUT_OF_RANGE:
      return "OH_IPC_CODE_OUT_OF_RANGE";
    case OH_IPC_DEAD_REMOTE_OBJECT:
      return "OH_IPC_DEAD_REMOTE_OBJECT";
    case OH_IPC_INVALID_USER_ERROR_CODE:
      return "OH_IPC_INVALID_USER_ERROR_CODE";
    case OH_IPC_INNER_ERROR:
      return "OH_IPC_INNER_ERROR";
    default:
      return code >= OH_IPC_USER_ERROR_CODE_MIN &&
                     code <= OH_IPC_USER_ERROR_CODE_MAX
                 ? "OH_IPC_USER_ERROR"
                 : "unknown";
  }
}

}  // namespace ncp::tools
