/*
 * IPCKit C API: error codes (Linux re-implementation of OpenHarmony's
 * <IPCKit/ipc_error_code.h>, library libipc_capi.so).
 *
 * Every IPCKit function that reports success or failure through an `int`
 * returns either OH_IPC_SUCCESS (0) or one of the values below. Values are
 * identical to OpenHarmony's, so code written against the OpenHarmony NDK
 * compiles and behaves the same.
 *
 * Two ranges matter to stub implementers (see OH_OnRemoteRequestCallback in
 * ipc_cremote_object.h):
 *   - the system range [OH_IPC_CHECK_PARAM_ERROR, OH_IPC_INNER_ERROR], that is
 *     [1901000, 1901007];
 *   - the user range [OH_IPC_USER_ERROR_CODE_MIN, OH_IPC_USER_ERROR_CODE_MAX],
 *     that is [1909000, 1909999], both ends included.
 * A request handler may return 0 or any value from either range and the
 * caller of OH_IPCRemoteProxy_SendRequest receives exactly that value. Any
 * other non-zero value is replaced by OH_IPC_INVALID_USER_ERROR_CODE.
 */

#ifndef CAPI_INCLUDE_IPC_ERROR_CODE_H
#define CAPI_INCLUDE_IPC_ERROR_CODE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// OH_IPC_ErrorCode
//
// Result codes of the IPCKit C API. The type is int-sized; functions return
// these values as plain `int`.
typedef enum {
  // The call succeeded.
  OH_IPC_SUCCESS = 0,
  // First value of the system range (not an error by itself).
  OH_IPC_ERROR_CODE_BASE = 1901000,
  // An argument was NULL, empty, out of its documented range, or an object
  // handle did not wrap a live object.
  OH_IPC_CHECK_PARAM_ERROR = OH_IPC_ERROR_CODE_BASE,
  // Data could not be written to a parcel (capacity exceeded, bad fd, ...).
  OH_IPC_PARCEL_WRITE_ERROR = OH_IPC_ERROR_CODE_BASE + 1,
  // Data could not be read from a parcel (not enough data, wrong kind, ...).
  OH_IPC_PARCEL_READ_ERROR = OH_IPC_ERROR_CODE_BASE + 2,
  // A caller-supplied OH_IPC_MemAllocator returned NULL.
  OH_IPC_MEM_ALLOCATOR_ERROR = OH_IPC_ERROR_CODE_BASE + 3,
  // A request code was outside [1, 0x00FFFFFF].
  OH_IPC_CODE_OUT_OF_RANGE = OH_IPC_ERROR_CODE_BASE + 4,
  // The process hosting the remote object has died.
  OH_IPC_DEAD_REMOTE_OBJECT = OH_IPC_ERROR_CODE_BASE + 5,
  // A request handler returned a non-zero value outside both the system and
  // the user range.
  OH_IPC_INVALID_USER_ERROR_CODE = OH_IPC_ERROR_CODE_BASE + 6,
  // Any other failure inside the IPC runtime.
  OH_IPC_INNER_ERROR = OH_IPC_ERROR_CODE_BASE + 7,
  // Upper bound of the block reserved for system codes (1902000).
  OH_IPC_ERROR_CODE_MAX = OH_IPC_ERROR_CODE_BASE + 1000,
  // Smallest code a request handler may use for its own errors.
  OH_IPC_USER_ERROR_CODE_MIN = 1909000,
  // Largest code a request handler may use for its own errors.
  OH_IPC_USER_ERROR_CODE_MAX = 1909999,
} OH_IPC_ErrorCode;

#ifdef __cplusplus
}
#endif

#endif  // CAPI_INCLUDE_IPC_ERROR_CODE_H
