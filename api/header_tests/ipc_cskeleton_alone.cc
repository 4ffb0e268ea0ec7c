// <IPCKit/ipc_cskeleton.h> must compile on its own, included first, as C++17.
#include <IPCKit/ipc_cskeleton.h>

// Uses a type the header declares, so the translation unit is not empty.
int ncp_ipc_cskeleton_alone_cc();
int ncp_ipc_cskeleton_alone_cc() { return (int)sizeof(OH_IPC_MemAllocator); }
