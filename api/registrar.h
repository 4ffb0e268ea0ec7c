// The registrar: how a Create*-type child reports to its parent.
//
// The parent offers a "registrar" stub as the root object of the IPC
// connection it hands the child (ipc/bridge.h). The child calls it once,
// with one of these codes, through the public IPCKit API:
//   kRegistrarReady   sync; data: the stub NativeChildProcess_OnConnect
//                     returned (OH_IPCParcel_WriteRemoteStub). The reply
//                     (empty) means the parent has taken it.
//   kRegistrarFailed  data: int32 NCP_ERR_LIB_LOADING_FAILED or
//                     NCP_ERR_CONNECTION_FAILED
// Shared by both sides (no abseil).
#ifndef NCP_API_REGISTRAR_H_
#define NCP_API_REGISTRAR_H_

#include <cstdint>

namespace ncp::api {

inline constexpr char kRegistrarDescriptor[] = "ncp.registrar";
inline constexpr uint32_t kRegistrarReady = 1;
inline constexpr uint32_t kRegistrarFailed = 2;

}  // namespace ncp::api

#endif  // NCP_API_REGISTRAR_H_
