// <IPCKit/ipc_error_code.h> must compile on its own, included first, as C++17.
#include <IPCKit/ipc_error_code.h>

// Uses a type the header declares, so the translation unit is not empty.
int ncp_ipc_error_code_alone_cc();
int ncp_ipc_error_code_alone_cc() { return (int)sizeof(OH_IPC_ErrorCode); }
