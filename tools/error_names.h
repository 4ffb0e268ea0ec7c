// Names of the public error codes, for the tools' messages.
#ifndef NCP_TOOLS_ERROR_NAMES_H_
#define NCP_TOOLS_ERROR_NAMES_H_

namespace ncp::tools {

// "NCP_ERR_INVALID_PARAM" etc.; "unknown" for other values.
const char* NcpErrorName(int code);

// "OH_IPC_DEAD_REMOTE_OBJECT" etc.; "OH_IPC_USER_ERROR" for the handler's
// own range; "unknown" for other values.
const char* IpcErrorName(int code);

}  // namespace ncp::tools

#endif  // NCP_TOOLS_ERROR_NAMES_H_
