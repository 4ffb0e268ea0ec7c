/*
 * IPCKit C API: parcels (Linux re-implementation of OpenHarmony's
 * <IPCKit/ipc_cparcel.h>, library libipc_capi.so).
 *
 * A parcel (OHIPCParcel) is the unit of data exchanged by
 * OH_IPCRemoteProxy_SendRequest: the caller fills a `data` parcel, the remote
 * handler reads it and fills a `reply` parcel. This header also declares the
 * opaque handles OHIPCRemoteProxy and OHIPCRemoteStub, because parcels can
 * carry them, and the allocator type used by the string-returning functions.
 *
 * Model
 * -----
 * A parcel is a growable byte buffer with a data size, a capacity, a write
 * position and a read position, plus a side table of carried objects (file
 * descriptors and remote objects).
 *   - A new parcel has data size 0, capacity 0 and both positions at 0.
 *   - Writes append at the write position; data size and write position
 *     advance together. Reads consume from the read position.
 *   - Capacity never exceeds 204,800 bytes. A write that would need more
 *     fails with OH_IPC_PARCEL_WRITE_ERROR and leaves the parcel unchanged.
 *     When a write needs `n = writePos + bytes` and n exceeds the capacity,
 *     the capacity grows to: the smallest power-of-two multiple of 64 that is
 *     >= n when n < 4096; 4096 when n == 4096; floor(n / 4096) * 4096 + 4096
 *     (capped at 204,800) when n > 4096. It never shrinks.
 *   - A failed read returns an error (or NULL) and does not move the read
 *     position.
 *
 * Wire layout (host byte order; visible through sizes and positions)
 *   - Int8, Int16, Uint8, Uint16: 4 bytes (the value widened to 32 bits:
 *     sign-extended for signed types, zero-extended for unsigned ones).
 *   - Int32, Uint32, Float: 4 bytes. Int64, Uint64, Double: 8 bytes, with no
 *     alignment padding before them.
 *   - String s: strlen(s) + 1 bytes (terminator included), zero-padded to a
 *     multiple of 4; no length prefix. "" takes 4 bytes.
 *   - Buffer (p, len): len bytes, zero-padded to a multiple of 4. Reading it
 *     back advances by exactly len (the padding is NOT skipped), so a read
 *     that follows a buffer whose length is not a multiple of 4 is misaligned
 *     unless the reader skips the padding itself. Kept for compatibility.
 *   - Interface token t: int32 0x100, int32 0, then t as UTF-16: an int32 count
 *     of UTF-16 code units followed by (count + 1) * 2 bytes (a 16-bit
 *     terminator included), padded to a multiple of 4.
 *   - File descriptor, remote stub, remote proxy: one fixed-size object record
 *     plus an entry in the object table.
 *
 * Ownership
 *   - Every parcel from OH_IPCParcel_Create is owned by the caller and freed
 *     with OH_IPCParcel_Destroy.
 *   - Pointers returned by OH_IPCParcel_ReadString and OH_IPCParcel_ReadBuffer
 *     point into the parcel. They stay valid until the parcel is destroyed or
 *     a later write to it reallocates its buffer. Never free them.
 *   - Handles returned by OH_IPCParcel_ReadRemoteStub/ReadRemoteProxy and fds
 *     returned by OH_IPCParcel_ReadFileDescriptor are new and owned by the
 *     caller.
 *   - Writing a stub, a proxy or an fd never takes the caller's reference: the
 *     parcel holds its own (an fd is duplicated) until it is destroyed.
 *
 * Allocator convention (OH_IPC_MemAllocator)
 *   OH_IPCParcel_ReadInterfaceToken, OH_IPCRemoteProxy_GetInterfaceDescriptor
 *   and OH_IPCSkeleton_ResetCallingIdentity return a string through a
 *   caller-supplied allocator. Each of them:
 *   - calls allocator(len) exactly once, with len = string length + 1 (so 1
 *     for an empty string);
 *   - stores the block in *out before copying the NUL-terminated string into
 *     it, then sets *len;
 *   - never frees the block: the caller owns it and releases it with whatever
 *     matches its allocator (free, delete[], ...). If the function fails after
 *     the allocation, *out may still hold a block that the caller must free;
 *     initialise *out to NULL and check it on every return;
 *   - returns OH_IPC_MEM_ALLOCATOR_ERROR, leaving *out NULL, when the allocator
 *     returns NULL. An allocator may refuse sizes it considers too large.
 *
 * Threading
 *   A parcel is not thread-safe: never use one parcel from two threads at the
 *   same time. Different parcels are independent. The functions that take a
 *   `const OHIPCParcel*` still move the read position.
 *
 * NULL handling
 *   Unless stated otherwise, a NULL parcel gives OH_IPC_CHECK_PARAM_ERROR from
 *   functions returning an error code, -1 from the size/position getters, and
 *   NULL from functions returning a pointer. No function crashes on NULL.
 *
 * Example
 *   OHIPCParcel* data = OH_IPCParcel_Create();
 *   OH_IPCParcel_WriteInt32(data, 123);
 *   OH_IPCParcel_WriteString(data, "hello");
 *   int32_t n = 0;
 *   OH_IPCParcel_ReadInt32(data, &n);               // n == 123
 *   const char* s = OH_IPCParcel_ReadString(data);  // "hello", not owned
 *   OH_IPCParcel_Destroy(data);                     // s is now invalid
 */

#ifndef CAPI_INCLUDE_IPC_CPARCEL_H
#define CAPI_INCLUDE_IPC_CPARCEL_H

#include <stdint.h>

#include "ipc_error_code.h"

#ifdef __cplusplus
extern "C" {
#endif

// OHIPCParcel: opaque parcel handle. See the file comment.
struct OHIPCParcel;
typedef struct OHIPCParcel OHIPCParcel;

// OHIPCRemoteProxy: opaque handle on a remote object, used to send requests
// to it (ipc_cremote_object.h). Each handle is freed exactly once with
// OH_IPCRemoteProxy_Destroy.
struct OHIPCRemoteProxy;
typedef struct OHIPCRemoteProxy OHIPCRemoteProxy;

// OHIPCRemoteStub: opaque handle on a local service object that answers
// requests (ipc_cremote_object.h). Freed with OH_IPCRemoteStub_Destroy.
struct OHIPCRemoteStub;
typedef struct OHIPCRemoteStub OHIPCRemoteStub;

// OH_IPC_MemAllocator
//
// Caller-supplied allocator for strings returned by the library (see
// "Allocator convention" above). Receives the number of bytes needed,
// terminator included (always >= 1), and returns a block of at least that
// size, or NULL to refuse.
typedef void* (*OH_IPC_MemAllocator)(int32_t len);

// OH_IPCParcel_Create()
//
// Creates an empty parcel (size 0, capacity 0, positions 0). The caller owns
// it and frees it with OH_IPCParcel_Destroy.
// Returns the new parcel, or NULL only if memory is exhausted.
OHIPCParcel* OH_IPCParcel_Create(void);

// OH_IPCParcel_Destroy()
//
// Frees `parcel`, closes the fds it still carries and drops its references to
// remote objects. NULL is ignored. A parcel received by a request handler
// (`data` or `reply`) belongs to the runtime and must not be destroyed.
void OH_IPCParcel_Destroy(OHIPCParcel* parcel);

// OH_IPCParcel_GetDataSize()
//
// Returns the number of bytes of data in `parcel`, or -1 if it is NULL.
int OH_IPCParcel_GetDataSize(const OHIPCParcel* parcel);

// OH_IPCParcel_GetWritableBytes()
//
// Returns capacity minus write position (0 if that is negative): how much can
// be written before the buffer has to grow. A new parcel returns 0. Returns -1
// if `parcel` is NULL.
int OH_IPCParcel_GetWritableBytes(const OHIPCParcel* parcel);

// OH_IPCParcel_GetReadableBytes()
//
// Returns data size minus read position, or -1 if `parcel` is NULL.
int OH_IPCParcel_GetReadableBytes(const OHIPCParcel* parcel);

// OH_IPCParcel_GetReadPosition()
//
// Returns the read position in bytes, or -1 if `parcel` is NULL.
int OH_IPCParcel_GetReadPosition(const OHIPCParcel* parcel);

// OH_IPCParcel_GetWritePosition()
//
// Returns the write position in bytes, or -1 if `parcel` is NULL.
int OH_IPCParcel_GetWritePosition(const OHIPCParcel* parcel);

// OH_IPCParcel_RewindReadPosition()
//
// Moves the read position to `newReadPos` so data can be read again.
// Returns:
//   OH_IPC_SUCCESS            the position was set;
//   OH_IPC_CHECK_PARAM_ERROR  `parcel` is NULL;
//   OH_IPC_INNER_ERROR        `newReadPos` is greater than the data size
//                             (OpenHarmony's code and tests report this code,
//                             not OH_IPC_CHECK_PARAM_ERROR).
int OH_IPCParcel_RewindReadPosition(OHIPCParcel* parcel, uint32_t newReadPos);

// OH_IPCParcel_RewindWritePosition()
//
// Moves the write position to `newWritePos` AND sets the data size to it,
// which truncates the data: RewindWritePosition(p, 0) empties `p` (size 0,
// readable 0). If the read position was beyond the new size, reads fail until
// it is rewound.
// Returns:
//   OH_IPC_SUCCESS            the position was set;
//   OH_IPC_CHECK_PARAM_ERROR  `parcel` is NULL;
//   OH_IPC_INNER_ERROR        `newWritePos` is greater than the data size.
int OH_IPCParcel_RewindWritePosition(OHIPCParcel* parcel, uint32_t newWritePos);

// Fixed-size writes: OH_IPCParcel_Write{Int8,Int16,Int32,Int64,Uint8,Uint16,
// Uint32,Uint64,Float,Double}()
//
// Append `value` at the write position (4 bytes for every type up to 32 bits,
// 8 bytes for the 64-bit types; see the wire layout above).
// Returns:
//   OH_IPC_SUCCESS             the value was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` is NULL;
//   OH_IPC_PARCEL_WRITE_ERROR  the 204,800-byte capacity would be exceeded
//                              (the parcel is left unchanged).
//
// Fixed-size reads: OH_IPCParcel_Read{...}()
//
// Read the next value at the read position into `*value` and advance past it
// (4 bytes narrowed to the target type for types up to 32 bits, 8 bytes for
// the 64-bit types). `value` is owned by the caller.
// Returns:
//   OH_IPC_SUCCESS            `*value` was set;
//   OH_IPC_CHECK_PARAM_ERROR  `parcel` or `value` is NULL;
//   OH_IPC_PARCEL_READ_ERROR  fewer readable bytes than the value needs
//                             (`*value` and the read position are unchanged).
int OH_IPCParcel_WriteInt8(OHIPCParcel* parcel, int8_t value);
int OH_IPCParcel_ReadInt8(const OHIPCParcel* parcel, int8_t* value);
int OH_IPCParcel_WriteInt16(OHIPCParcel* parcel, int16_t value);
int OH_IPCParcel_ReadInt16(const OHIPCParcel* parcel, int16_t* value);
int OH_IPCParcel_WriteInt32(OHIPCParcel* parcel, int32_t value);
int OH_IPCParcel_ReadInt32(const OHIPCParcel* parcel, int32_t* value);
int OH_IPCParcel_WriteInt64(OHIPCParcel* parcel, int64_t value);
int OH_IPCParcel_ReadInt64(const OHIPCParcel* parcel, int64_t* value);
// The unsigned variants (OpenHarmony API level "26.0.0").
int OH_IPCParcel_WriteUint8(OHIPCParcel* parcel, uint8_t value);
int OH_IPCParcel_ReadUint8(const OHIPCParcel* parcel, uint8_t* value);
int OH_IPCParcel_WriteUint16(OHIPCParcel* parcel, uint16_t value);
int OH_IPCParcel_ReadUint16(const OHIPCParcel* parcel, uint16_t* value);
int OH_IPCParcel_WriteUint32(OHIPCParcel* parcel, uint32_t value);
int OH_IPCParcel_ReadUint32(const OHIPCParcel* parcel, uint32_t* value);
int OH_IPCParcel_WriteUint64(OHIPCParcel* parcel, uint64_t value);
int OH_IPCParcel_ReadUint64(const OHIPCParcel* parcel, uint64_t* value);
int OH_IPCParcel_WriteFloat(OHIPCParcel* parcel, float value);
int OH_IPCParcel_ReadFloat(const OHIPCParcel* parcel, float* value);
int OH_IPCParcel_WriteDouble(OHIPCParcel* parcel, double value);
int OH_IPCParcel_ReadDouble(const OHIPCParcel* parcel, double* value);

// OH_IPCParcel_WriteString()
//
// Appends the bytes of `str` up to and including its terminator, zero-padded
// to a multiple of 4. No encoding check is made. `str` stays owned by the
// caller (it is copied).
// Returns:
//   OH_IPC_SUCCESS             the string was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` or `str` is NULL;
//   OH_IPC_PARCEL_WRITE_ERROR  the capacity would be exceeded (parcel
//                              unchanged).
int OH_IPCParcel_WriteString(OHIPCParcel* parcel, const char* str);

// OH_IPCParcel_ReadString()
//
// Reads a NUL-terminated string at the read position and advances past it and
// its padding. Returns a pointer INTO the parcel (see "Ownership"): do not free
// it, and copy it if it must outlive the parcel or later writes. Use strlen()
// for its length. Reading back a written "" gives a non-NULL "".
// Returns NULL, leaving the read position unchanged, if `parcel` is NULL or no
// terminator occurs within the readable bytes.
const char* OH_IPCParcel_ReadString(const OHIPCParcel* parcel);

// OH_IPCParcel_WriteBuffer()
//
// Appends `len` bytes copied from `buffer`, zero-padded to a multiple of 4.
// `buffer` stays owned by the caller.
// Returns:
//   OH_IPC_SUCCESS             the bytes were appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` or `buffer` is NULL, or `len` <= 0
//                              (a zero length is rejected, as OpenHarmony
//                              does);
//   OH_IPC_PARCEL_WRITE_ERROR  the capacity would be exceeded (the write
//                              position is restored).
int OH_IPCParcel_WriteBuffer(OHIPCParcel* parcel, const uint8_t* buffer,
                             int32_t len);

// OH_IPCParcel_ReadBuffer()
//
// Returns a pointer INTO the parcel to the next `len` bytes and advances the
// read position by exactly `len` (padding is not skipped; see the wire
// layout). Do not free the result; it is valid as described in "Ownership".
// Returns NULL, leaving the read position unchanged, if `parcel` is NULL,
// `len` <= 0 or `len` exceeds the readable bytes.
const uint8_t* OH_IPCParcel_ReadBuffer(const OHIPCParcel* parcel, int32_t len);

// OH_IPCParcel_WriteRemoteStub()
//
// Appends a reference to the local service object `stub`. The parcel takes
// its own reference, held until the parcel is destroyed; the caller keeps
// (and must still destroy) its `stub` handle. A stub sent to another process
// arrives there as a proxy.
// Returns:
//   OH_IPC_SUCCESS             the object was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` or `stub` is NULL or invalid;
//   OH_IPC_PARCEL_WRITE_ERROR  the object could not be appended.
int OH_IPCParcel_WriteRemoteStub(OHIPCParcel* parcel,
                                 const OHIPCRemoteStub* stub);

// OH_IPCParcel_ReadRemoteStub()
//
// Reads the object record at the read position as a local stub. Reading back,
// in the same process, a stub that was written returns a handle on the same
// service object, even if the handle originally written was destroyed since.
// Returns a NEW handle that the caller frees with OH_IPCRemoteStub_Destroy, or
// NULL if `parcel` is NULL or no local object is at the read position.
OHIPCRemoteStub* OH_IPCParcel_ReadRemoteStub(const OHIPCParcel* parcel);

// OH_IPCParcel_WriteRemoteProxy()
//
// Appends a reference to the remote object behind `proxy`. The parcel takes
// its own reference; the caller keeps its `proxy` handle.
// Returns:
//   OH_IPC_SUCCESS             the object was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` or `proxy` is NULL or invalid;
//   OH_IPC_PARCEL_WRITE_ERROR  the object could not be appended.
int OH_IPCParcel_WriteRemoteProxy(OHIPCParcel* parcel,
                                  const OHIPCRemoteProxy* proxy);

// OH_IPCParcel_ReadRemoteProxy()
//
// Reads the object record at the read position as a proxy. This is how a
// receiver obtains an object (for example a callback stub) sent by the other
// side.
// Returns a NEW handle that the caller frees with OH_IPCRemoteProxy_Destroy,
// or NULL if `parcel` is NULL or no object is at the read position (for
// example, the parcel is empty).
OHIPCRemoteProxy* OH_IPCParcel_ReadRemoteProxy(const OHIPCParcel* parcel);

// OH_IPCParcel_WriteFileDescriptor()
//
// Appends a duplicate of `fd`. The caller keeps ownership of `fd` and may
// close it right after the call; the parcel closes its duplicate when it is
// destroyed. The receiver gets its own descriptor for the same open file
// description.
// Returns:
//   OH_IPC_SUCCESS             the descriptor was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` is NULL;
//   OH_IPC_PARCEL_WRITE_ERROR  `fd` is negative or cannot be duplicated (for
//                              example it is closed), or the capacity would be
//                              exceeded.
int OH_IPCParcel_WriteFileDescriptor(OHIPCParcel* parcel, int32_t fd);

// OH_IPCParcel_ReadFileDescriptor()
//
// Reads the descriptor record at the read position and stores in `*fd` a NEW
// descriptor (close-on-exec) owned by the caller, who must close it. Each call
// on the same record gives a fresh duplicate.
// Returns:
//   OH_IPC_SUCCESS            `*fd` was set (to a value > 0 in practice);
//   OH_IPC_CHECK_PARAM_ERROR  `parcel` or `fd` is NULL;
//   OH_IPC_PARCEL_READ_ERROR  no descriptor record at the read position, or it
//                             could not be duplicated.
int OH_IPCParcel_ReadFileDescriptor(const OHIPCParcel* parcel, int32_t* fd);

// OH_IPCParcel_Append()
//
// Appends ALL of `data` (bytes 0 to its data size, whatever its read
// position), padded to a multiple of 4, to the end of `parcel`, together with
// the objects it carries (the parcel takes its own references and fd
// duplicates). `data` is not modified and stays owned by the caller. When the
// size of `data` is a multiple of 4, the new size of `parcel` is the sum of
// both sizes. An empty `data` succeeds without changing `parcel`.
// Returns:
//   OH_IPC_SUCCESS             `data` was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` or `data` is NULL;
//   OH_IPC_PARCEL_WRITE_ERROR  the capacity would be exceeded or an object
//                              could not be copied.
int OH_IPCParcel_Append(OHIPCParcel* parcel, const OHIPCParcel* data);

// OH_IPCParcel_WriteInterfaceToken()
//
// Appends the interface token `token` (see the wire layout). Tokens are an
// application convention: the runtime never compares them with a stub's
// descriptor. `token` stays owned by the caller.
// Returns:
//   OH_IPC_SUCCESS             the token was appended;
//   OH_IPC_CHECK_PARAM_ERROR   `parcel` or `token` is NULL, `token` is empty,
//                              or strlen(token) > 204,800;
//   OH_IPC_PARCEL_WRITE_ERROR  `token` is not valid UTF-8, or the capacity
//                              would be exceeded (the write position is
//                              restored).
int OH_IPCParcel_WriteInterfaceToken(OHIPCParcel* parcel, const char* token);

// OH_IPCParcel_ReadInterfaceToken()
//
// Reads an interface token at the read position, converts it to UTF-8 and
// returns it through `allocator` (see "Allocator convention"): `*token`
// receives a caller-owned block and `*len` its size, terminator included. If
// no token is present at the read position (for example the parcel is
// empty), the result is "" with `*len` == 1.
// Returns:
//   OH_IPC_SUCCESS              `*token` and `*len` were set;
//   OH_IPC_CHECK_PARAM_ERROR    `parcel`, `token`, `len` or `allocator` is
//                               NULL;
//   OH_IPC_MEM_ALLOCATOR_ERROR  `allocator` returned NULL (`*token` is NULL
//                               and the read position is restored, so a retry
//                               with another allocator can succeed);
//   OH_IPC_PARCEL_READ_ERROR    the token could not be converted to UTF-8 (the
//                               read position is restored; `*token` may hold
//                               a block to free).
int OH_IPCParcel_ReadInterfaceToken(const OHIPCParcel* parcel, char** token,
                                    int32_t* len,
                                    OH_IPC_MemAllocator allocator);

#ifdef __cplusplus
}
#endif

#endif  // CAPI_INCLUDE_IPC_CPARCEL_H
