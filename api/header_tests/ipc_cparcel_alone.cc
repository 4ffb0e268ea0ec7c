// <IPCKit/ipc_cparcel.h> must compile on its own, included first, as C++17.
#include <IPCKit/ipc_cparcel.h>

// Uses a type the header declares, so the translation unit is not empty.
int ncp_ipc_cparcel_alone_cc();
int ncp_ipc_cparcel_alone_cc() { return (int)sizeof(OHIPCParcel*); }
