// <IPCKit/ipc_cskeleton.h> must compile on its own, included first, as C99.
#include <IPCKit/ipc_cskeleton.h>

// Uses a type the header declares, so the translation unit is not empty.
int ncp_ipc_cskeleton_alone_c(void);
int ncp_ipc_cskeleton_alone_c(void) { return (int)sizeof(OH_IPC_MemAllocator); }
