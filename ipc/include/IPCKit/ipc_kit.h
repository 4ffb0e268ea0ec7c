/*
 * IPCKit C API: umbrella header (Linux re-implementation of OpenHarmony's
 * <IPCKit/ipc_kit.h>, library libipc_capi.so).
 *
 * Includes the whole IPCKit C API: error codes, parcels, remote objects and
 * the skeleton. Link with libipc_capi.so. Each header documents its own
 * contracts; the most important shared rules are in ipc_cparcel.h (parcel
 * model, ownership, allocator convention) and ipc_cremote_object.h
 * (threading, request dispatch).
 */

#ifndef CAPI_INCLUDE_IPC_KIT_H
#define CAPI_INCLUDE_IPC_KIT_H

// This order is part of the contract (it is OpenHarmony's); keep it.
// clang-format off
#include "ipc_error_code.h"
#include "ipc_cparcel.h"
#include "ipc_cremote_object.h"
#include "ipc_cskeleton.h"
// clang-format on

#endif  // CAPI_INCLUDE_IPC_KIT_H
