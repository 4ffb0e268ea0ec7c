/*
 * IPCKit C API: remote objects (Linux re-implementation of OpenHarmony's
 * <IPCKit/ipc_cremote_object.h>, library libipc_capi.so).
 *
 * A stub (OHIPCRemoteStub) is a service object living in one process: it
 * answers requests with a user callback. A proxy (OHIPCRemoteProxy) is a
 * handle through which another party sends requests to a stub. A death
 * recipient (OHIPCDeathRecipient) is notified when the process hosting the
 * stub behind a proxy dies.
 *
 * Usage
 *   Service side: create a stub with OH_IPCRemoteStub_Create and hand it out
 *   (for example by returning it from NativeChildProcess_OnConnect, see
 *   <AbilityKit/native_child_process.h>, or by writing it into a parcel).
 *   Client side: obtain a proxy (for example from the native child process
 *   start callback, or with OH_IPCParcel_ReadRemoteProxy), fill a data parcel,
 *   call OH_IPCRemoteProxy_SendRequest, read the reply, and finally destroy
 *   the proxy with OH_IPCRemoteProxy_Destroy.
 *
 * Example (client)
 *   OHIPCParcel* data = OH_IPCParcel_Create();
 *   OHIPCParcel* reply = OH_IPCParcel_Create();
 *   OH_IPC_MessageOption option = {OH_IPC_REQUEST_MODE_SYNC, 0};
 *   OH_IPCParcel_WriteInt32(data, 123);
 *   OH_IPCParcel_WriteInt32(data, 456);
 *   int rc = OH_IPCRemoteProxy_SendRequest(proxy, 1, data, reply, &option);
 *   int32_t sum = 0;
 *   if (rc == OH_IPC_SUCCESS) OH_IPCParcel_ReadInt32(reply, &sum);
 *   OH_IPCParcel_Destroy(reply);
 *   OH_IPCParcel_Destroy(data);
 *
 * Lifetime
 *   Stubs, proxies and death recipients are reference counted. Every handle
 *   the library gives out must be destroyed exactly once by its owner;
 *   destroying a handle drops one reference. Parcels, proxies in other
 *   processes and requests in flight may hold further references, so an
 *   object can outlive the handle it was created with. Its destroy callback
 *   runs when the last reference goes.
 *
 * Threading
 *   Proxies, stubs and death recipients may be used from any thread.
 *   - A request from another process runs the stub's OH_OnRemoteRequestCallback
 *     on one of the hosting process's IPC worker threads, which the library
 *     owns (a pool of up to 16 by default, see
 *     OH_IPCSkeleton_SetMaxWorkThreadNum). Several requests may run in
 *     parallel, so handlers must be thread-safe.
 *   - A request sent through a proxy that wraps a stub of the SAME process
 *     runs the handler directly on the sending thread, in both modes.
 *   - Death notifications run on an IPC worker thread of the observing
 *     process.
 *   - Handlers may themselves send requests, including back to their caller.
 */

#ifndef CAPI_INCLUDE_IPC_CREMOTE_OBJECT_H
#define CAPI_INCLUDE_IPC_CREMOTE_OBJECT_H

#include <stdint.h>

#include "ipc_cparcel.h"
#include "ipc_error_code.h"

#ifdef __cplusplus
extern "C" {
#endif

// OHIPCDeathRecipient: opaque handle on an object notified when a remote
// object dies. Freed with OH_IPCDeathRecipient_Destroy.
struct OHIPCDeathRecipient;
typedef struct OHIPCDeathRecipient OHIPCDeathRecipient;

// OH_OnRemoteRequestCallback
//
// Handles one request sent to a stub.
//   code      the request code chosen by the sender, in [1, 0x00FFFFFF];
//   data      the request parcel, positioned at 0; read-only, owned by the
//             runtime, valid only during the call, never destroyed by the
//             handler;
//   reply     an empty parcel for the answer; owned by the runtime, never
//             destroyed by the handler;
//   userData  the pointer given to OH_IPCRemoteStub_Create (may be NULL).
// Return 0 on success, or an error code from the system range [1901000,
// 1901007] or the user range [1909000, 1909999]: the sender receives exactly
// that value, whether or not the handler wrote to `reply`. Any other non-zero
// value reaches the sender as OH_IPC_INVALID_USER_ERROR_CODE (1901006). When a
// handler fails, the sender must not rely on the contents of its reply.
typedef int (*OH_OnRemoteRequestCallback)(uint32_t code,
                                          const OHIPCParcel* data,
                                          OHIPCParcel* reply, void* userData);

// OH_OnRemoteDestroyCallback
//
// Called once with the stub's `userData` when the stub's last reference is
// dropped, on the thread that drops it. Typically frees `userData`.
typedef void (*OH_OnRemoteDestroyCallback)(void* userData);

// OH_IPCRemoteStub_Create()
//
// Creates a reference-counted service object whose requests are handled by
// `requestCallback`. `descriptor` (an interface name, returned to clients by
// OH_IPCRemoteProxy_GetInterfaceDescriptor) is copied; the caller keeps
// ownership of it. `destroyCallback` and `userData` may be NULL; `userData`
// stays owned by the caller, who typically frees it in `destroyCallback`.
// The caller owns the returned handle and frees it with
// OH_IPCRemoteStub_Destroy.
// Returns the new stub, or NULL if `descriptor` or `requestCallback` is NULL,
// `descriptor` is empty, longer than 204,800 bytes or not valid UTF-8, or
// memory is exhausted.
OHIPCRemoteStub* OH_IPCRemoteStub_Create(
    const char* descriptor, OH_OnRemoteRequestCallback requestCallback,
    OH_OnRemoteDestroyCallback destroyCallback, void* userData);

// OH_IPCRemoteStub_Destroy()
//
// Frees the handle `stub` and drops its reference. When no other reference
// remains (no parcel, proxy or request in flight holds one), the service
// object is destroyed and its destroy callback has run by the time this
// function returns; otherwise that happens later, when the last reference is
// dropped. NULL is ignored.
void OH_IPCRemoteStub_Destroy(OHIPCRemoteStub* stub);

// OH_IPCRemoteProxy_Destroy()
//
// Frees the handle `proxy` and drops its reference. Every proxy handle the
// library hands out (the native child process start callback's `remoteProxy`,
// results of OH_IPCParcel_ReadRemoteProxy, ...) must be destroyed exactly once.
// NULL is ignored.
void OH_IPCRemoteProxy_Destroy(OHIPCRemoteProxy* proxy);

// OH_IPC_RequestMode
//
// How OH_IPCRemoteProxy_SendRequest waits.
typedef enum {
  // Block until the handler has returned; receive its reply and result.
  OH_IPC_REQUEST_MODE_SYNC = 0,
  // One-way: return once the request is queued; result and reply discarded.
  OH_IPC_REQUEST_MODE_ASYNC = 1,
} OH_IPC_RequestMode;

// OH_IPC_MessageOption
//
// Options of one request. Packed to 4 bytes as in OpenHarmony: on LP64 the
// members sit at offsets 0, 4 and 8, the size is 16 and the alignment 4.
// Initialise it fully, e.g. `OH_IPC_MessageOption o = {mode, 0};` leaves
// `reserved` NULL.
#pragma pack(4)
typedef struct {
  // Synchronous or one-way.
  OH_IPC_RequestMode mode;
  // SYNC requests to another process: seconds to wait for the reply; 0
  // means the process default (NCP_IPC_TIMEOUT_MS, see
  // OH_IPCRemoteProxy_SendRequest). OpenHarmony reserves it for cross-device
  // calls; this implementation uses it so that no call waits forever.
  uint32_t timeout;
  // Must be NULL, otherwise the request is refused.
  void* reserved;
} OH_IPC_MessageOption;
#pragma pack()

// OH_IPCRemoteProxy_SendRequest()
//
// Sends request `code` with the contents of `data` to the object behind
// `proxy`. `data` is neither consumed nor modified and may be reused or
// destroyed after the call; all arguments stay owned by the caller. `option`
// may be NULL, meaning synchronous.
//   SYNC:  blocks until the handler returns, the remote dies, or the
//          timeout expires. `reply` must not be NULL. On success `reply` holds
//          the handler's answer, read position 0; pass an empty parcel (an
//          empty answer leaves `reply` as it was). When a non-zero code is
//          returned, do not rely on the contents of `reply`.
//          Timeout (requests to another process): `option->timeout` seconds
//          if non-zero, else the environment variable NCP_IPC_TIMEOUT_MS
//          (milliseconds, read once per process; default 30000; 0 waits
//          forever). On expiry the call returns OH_IPC_INNER_ERROR, the
//          connection stays usable, and the late reply is discarded. A
//          request that arrives meanwhile from the same call chain (the
//          remote handler calling back into this process) is handled on this
//          thread, so nested calls work with a single worker thread.
//   ASYNC: returns as soon as the request is queued; the handler's result and
//          reply are discarded and `reply` may be NULL. Ordering relative to
//          later requests is not guaranteed. To a stub of the same process
//          the handler still runs inline on the calling thread.
// Checks are made in the order listed. Returns:
//   OH_IPC_SUCCESS             the handler returned 0 (SYNC), or the request
//                              was queued (ASYNC);
//   OH_IPC_CHECK_PARAM_ERROR   `proxy` is NULL or invalid, `data` is NULL, or
//                              `option` is non-NULL with a non-NULL
//                              `reserved`;
//   OH_IPC_CODE_OUT_OF_RANGE   `code` is 0 or greater than 0x00FFFFFF (values
//                              above are reserved for the runtime);
//   OH_IPC_CHECK_PARAM_ERROR   the mode is SYNC and `reply` is NULL;
//   OH_IPC_DEAD_REMOTE_OBJECT  the process hosting the stub has died;
//   the handler's own code     any value of the system range [1901000,
//                              1901007] or the user range [1909000, 1909999]
//                              that the handler returned (SYNC only);
//   OH_IPC_INVALID_USER_ERROR_CODE  the handler returned any other non-zero
//                              value (SYNC only);
//   OH_IPC_PARCEL_WRITE_ERROR  the reply could not be transferred back;
//   OH_IPC_INNER_ERROR         the SYNC timeout expired, or any other
//                              transport failure.
int OH_IPCRemoteProxy_SendRequest(const OHIPCRemoteProxy* proxy, uint32_t code,
                                  const OHIPCParcel* data, OHIPCParcel* reply,
                                  const OH_IPC_MessageOption* option);

// OH_IPCRemoteProxy_GetInterfaceDescriptor()
//
// Returns the descriptor the remote stub was created with, through
// `allocator` (see "Allocator convention" in ipc_cparcel.h): `*descriptor`
// receives a caller-owned block and `*len` its size, terminator included. The
// first successful query is cached in the proxy.
// Returns:
//   OH_IPC_SUCCESS              `*descriptor` and `*len` were set;
//   OH_IPC_CHECK_PARAM_ERROR    `proxy` is NULL or invalid, or `descriptor`,
//                               `len` or `allocator` is NULL;
//   OH_IPC_DEAD_REMOTE_OBJECT   the process hosting the stub has died (nothing
//                               is allocated; OpenHarmony's code returns an
//                               empty string here, its documentation this
//                               code);
//   OH_IPC_MEM_ALLOCATOR_ERROR  `allocator` returned NULL (`*descriptor` is
//                               NULL);
//   OH_IPC_PARCEL_READ_ERROR    the descriptor received could not be decoded;
//   OH_IPC_INNER_ERROR          any other failure of the query.
int OH_IPCRemoteProxy_GetInterfaceDescriptor(OHIPCRemoteProxy* proxy,
                                             char** descriptor, int32_t* len,
                                             OH_IPC_MemAllocator allocator);

// OH_OnDeathRecipientCallback
//
// Called once, on an IPC worker thread of the observing process, with the
// recipient's `userData` when the process hosting the observed stub dies.
typedef void (*OH_OnDeathRecipientCallback)(void* userData);

// OH_OnDeathRecipientDestroyCallback
//
// Called once with the recipient's `userData` when the recipient's last
// reference is dropped. Typically frees `userData`.
typedef void (*OH_OnDeathRecipientDestroyCallback)(void* userData);

// OH_IPCDeathRecipient_Create()
//
// Creates a reference-counted death recipient. `destroyCallback` and
// `userData` may be NULL; `userData` stays owned by the caller. The caller
// owns the returned handle and frees it with OH_IPCDeathRecipient_Destroy.
// Returns the new recipient, or NULL if `deathRecipientCallback` is NULL or
// memory is exhausted.
OHIPCDeathRecipient* OH_IPCDeathRecipient_Create(
    OH_OnDeathRecipientCallback deathRecipientCallback,
    OH_OnDeathRecipientDestroyCallback destroyCallback, void* userData);

// OH_IPCDeathRecipient_Destroy()
//
// Frees the handle `recipient` and drops its reference. A proxy the recipient
// is added to holds its own reference until the recipient is removed. When no
// other reference remains, the destroy callback has run by the time this
// function returns. NULL is ignored.
void OH_IPCDeathRecipient_Destroy(OHIPCDeathRecipient* recipient);

// OH_IPCRemoteProxy_AddDeathRecipient()
//
// Asks for `recipient` to be notified when the process hosting the stub
// behind `proxy` dies. The proxy takes its own reference on `recipient`; the
// caller keeps its handle. After the death, OH_IPCRemoteProxy_IsRemoteDead
// returns 1 and requests fail with OH_IPC_DEAD_REMOTE_OBJECT.
// Returns:
//   OH_IPC_SUCCESS            the recipient was added;
//   OH_IPC_CHECK_PARAM_ERROR  `proxy` is NULL or invalid, or `recipient` is
//                             NULL;
//   OH_IPC_INNER_ERROR        the recipient could not be added, in particular
//                             when `proxy` wraps a stub of the calling process
//                             or the remote is already dead.
int OH_IPCRemoteProxy_AddDeathRecipient(OHIPCRemoteProxy* proxy,
                                        OHIPCDeathRecipient* recipient);

// OH_IPCRemoteProxy_RemoveDeathRecipient()
//
// Stops notifying `recipient` about `proxy`'s remote and drops the proxy's
// reference on it.
// Returns:
//   OH_IPC_SUCCESS            the recipient was removed;
//   OH_IPC_CHECK_PARAM_ERROR  `proxy` is NULL or invalid, or `recipient` is
//                             NULL;
//   OH_IPC_INNER_ERROR        the recipient could not be removed (for example
//                             it was not added to this proxy).
int OH_IPCRemoteProxy_RemoveDeathRecipient(OHIPCRemoteProxy* proxy,
                                           OHIPCDeathRecipient* recipient);

// OH_IPCRemoteProxy_IsRemoteDead()
//
// Returns 1 if the process hosting the stub behind `proxy` has died, or if
// `proxy` is NULL or invalid; 0 otherwise.
int OH_IPCRemoteProxy_IsRemoteDead(const OHIPCRemoteProxy* proxy);

#ifdef __cplusplus
}
#endif

#endif  // CAPI_INCLUDE_IPC_CREMOTE_OBJECT_H
