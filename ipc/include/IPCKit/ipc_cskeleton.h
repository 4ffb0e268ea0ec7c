/*
 * IPCKit C API: skeleton (Linux re-implementation of OpenHarmony's
 * <IPCKit/ipc_cskeleton.h>, library libipc_capi.so).
 *
 * Process-wide IPC facilities: the worker thread pool that runs request
 * handlers, and the identity of the caller of the request being handled.
 *
 * "IPC context" below means: the current thread is running a request handler
 * (OH_OnRemoteRequestCallback) for a request that came from another process.
 *
 * Identity on Linux
 *   - The calling pid and uid are those of the real peer process, taken from
 *     the kernel's credentials for the connection, never from data the peer
 *     sends.
 *   - Linux has no access tokens: every "token id" is a uid.
 *
 * Threading
 *   All functions may be called from any thread. The identity functions
 *   describe the request being handled on the CALLING thread only.
 */

#ifndef CAPI_INCLUDE_IPC_CSKELETON_H
#define CAPI_INCLUDE_IPC_CSKELETON_H

#include <stdint.h>

#include "ipc_cparcel.h"
#include "ipc_error_code.h"

#ifdef __cplusplus
extern "C" {
#endif

// OH_IPCSkeleton_JoinWorkThread()
//
// Turns the calling thread into an extra IPC worker: it serves incoming
// requests and does not return until OH_IPCSkeleton_StopWorkThread is called
// on this same thread (that is, from a handler running on it). Commonly
// called from a dedicated, detached thread.
void OH_IPCSkeleton_JoinWorkThread(void);

// OH_IPCSkeleton_StopWorkThread()
//
// Asks the IPC loop running on the calling thread to stop after the current
// handler returns. Harmless (does nothing) on a thread that runs no IPC loop,
// and on the library's own pool threads, which keep serving.
void OH_IPCSkeleton_StopWorkThread(void);

// OH_IPCSkeleton_GetCallingTokenId()
//
// In IPC context, returns the caller's token id (its uid); otherwise this
// process's own token id (its uid).
uint64_t OH_IPCSkeleton_GetCallingTokenId(void);

// OH_IPCSkeleton_GetFirstTokenId()
//
// In IPC context, returns the token id (uid) of the process that started the
// current chain of nested requests; otherwise 0. Never fails.
uint64_t OH_IPCSkeleton_GetFirstTokenId(void);

// OH_IPCSkeleton_GetSelfTokenId()
//
// Returns this process's token id: its uid. Never fails.
uint64_t OH_IPCSkeleton_GetSelfTokenId(void);

// OH_IPCSkeleton_GetCallingPid()
//
// In IPC context, returns the caller's pid; otherwise getpid(). The value is
// widened to 64 bits.
uint64_t OH_IPCSkeleton_GetCallingPid(void);

// OH_IPCSkeleton_GetCallingUid()
//
// In IPC context, returns the caller's uid; otherwise getuid(). The value is
// widened to 64 bits.
uint64_t OH_IPCSkeleton_GetCallingUid(void);

// OH_IPCSkeleton_IsLocalCalling()
//
// Returns 1 if the current caller runs on this device, which is always the
// case for IPC (and outside IPC context); 0 is never returned on Linux.
int OH_IPCSkeleton_IsLocalCalling(void);

// OH_IPCSkeleton_SetMaxWorkThreadNum()
//
// Sets the maximum number of IPC worker threads of this process (default 16).
// The pool grows on demand up to the limit; a lower limit retires surplus
// idle workers, and any worker beyond the first retires after
// NCP_IPC_IDLE_MS milliseconds (default 5000) without work. Threads that called
// OH_IPCSkeleton_JoinWorkThread are not counted. Nested calls never need extra
// threads (see OH_IPCRemoteProxy_SendRequest), so 1 is a valid setting.
// Returns:
//   OH_IPC_SUCCESS            the limit was set;
//   OH_IPC_CHECK_PARAM_ERROR  `maxThreadNum` is outside [1, 32];
//   OH_IPC_INNER_ERROR        the runtime could not apply the limit.
int OH_IPCSkeleton_SetMaxWorkThreadNum(const int maxThreadNum);

// OH_IPCSkeleton_ResetCallingIdentity()
//
// Returns, through `allocator` (see "Allocator convention" in
// ipc_cparcel.h), an opaque string describing the current caller's identity:
// `*identity` receives a caller-owned block and `*len` its size, terminator
// included. In IPC context it then makes the thread act as this process
// itself (calling pid, uid and token id become the process's own) until
// OH_IPCSkeleton_SetCallingIdentity restores the saved identity. Outside IPC
// context the string is "" (`*len` == 1) and nothing changes.
// Returns:
//   OH_IPC_SUCCESS              `*identity` and `*len` were set;
//   OH_IPC_CHECK_PARAM_ERROR    `identity`, `len` or `allocator` is NULL;
//   OH_IPC_MEM_ALLOCATOR_ERROR  `allocator` returned NULL (`*identity` is
//                               NULL, identity unchanged);
//   OH_IPC_INNER_ERROR          the identity could not be copied out.
int OH_IPCSkeleton_ResetCallingIdentity(char** identity, int32_t* len,
                                        OH_IPC_MemAllocator allocator);

// OH_IPCSkeleton_SetCallingIdentity()
//
// Restores a caller identity saved by OH_IPCSkeleton_ResetCallingIdentity on
// the same thread. `identity` stays owned by the caller.
// Returns:
//   OH_IPC_SUCCESS            the identity was restored, or the thread is not
//                             in IPC context (then any string is accepted and
//                             nothing changes);
//   OH_IPC_CHECK_PARAM_ERROR  `identity` is NULL;
//   OH_IPC_INNER_ERROR        in IPC context, `identity` is not a string
//                             produced by OH_IPCSkeleton_ResetCallingIdentity.
int OH_IPCSkeleton_SetCallingIdentity(const char* identity);

// OH_IPCSkeleton_IsHandlingTransaction()
//
// Returns 1 while the calling thread is in IPC context, 0 otherwise.
int OH_IPCSkeleton_IsHandlingTransaction(void);

#ifdef __cplusplus
}
#endif

#endif  // CAPI_INCLUDE_IPC_CSKELETON_H
