// The wire format between two IPC runtimes (one AF_UNIX SOCK_SEQPACKET
// connection, one message per datagram).
//
// Why SOCK_SEQPACKET: each sendmsg() is one message with its boundaries kept
// by the kernel, so a reader never reassembles or resynchronises a stream;
// SCM_RIGHTS fds travel attached to exactly the message that names them
// (announced by a kFdsNext datagram just before it); a
// message is delivered whole or not at all, so several threads may send on
// one socket without a send lock; and EOF/ECONNRESET tells a reader that the
// peer process is gone (the death signal of the whole design). Its limit is
// the socket buffer (~208 KiB by default), so a message never carries more
// than kMaxInlineBody bytes inline: larger bodies go into a sealed memfd
// attached as the last fd (see below), which also avoids a second copy
// through the socket buffer for the 200 KB case.
//
// Message = WireHeader, then (inline case) the body:
//   body = object table (object_count WireObject records) ++ parcel data.
// Large bodies (above kMaxInlineBody) travel out of band, in one of two ways:
//   - kFlagBodyInRing: in the SENDER's ring, a shared memfd the sender set up
//     with kRingSetup (sealed against growing and shrinking, so a mapping of
//     it can never fault with SIGBUS). The datagram is the header plus the
//     8-byte ring position of the body. Bodies are placed in send order,
//     contiguously, except that a body starts at the next multiple of the
//     ring size (the start of the ring) when it would cross the end or when
//     the receiver has consumed everything sent before; the receiver copies
//     each one out as it reads it and publishes how far it has consumed in
//     the ring's header page, which tells the sender what it may reuse.
//     Steady-state large messages thus cost one copy on each side and no
//     page allocation, and request/reply traffic keeps reusing the same,
//     cache-warm, start of the ring.
//     With kFlagBodyPending the datagram goes out BEFORE the body is in the
//     ring: the sender copies it while the receiver wakes up, publishing
//     as it goes how far it has written (kRingPublishedOffset, and a futex
//     word to wake a receiver that waits), and the receiver copies out
//     what is published as it comes. A sender does so only when the receiver
//     last read on another CPU (kRingReaderCpuOffset), where waking it takes
//     longer than the copy; on one CPU it would only add two context switches.
//   - kFlagBodyInMemfd (when the ring is full or cannot be set up): the
//     datagram is the header alone and the body is the whole content of the
//     last attached fd, a memfd sealed against writes, growth and shrinking:
//     the seals prove to the receiver that it is a memfd (no pipe or FUSE
//     file that could block a read) whose size and content cannot change
//     while it is read.
// The receiver copies every out-of-band body before validating it, so a
// peer that rewrites its ring meanwhile only corrupts its own message.
//
// Every field is checked by ValidateMessage() before anything acts on it; a
// message that fails is a protocol violation and the receiver closes the
// connection. Host byte order: both ends are on the same machine.
#ifndef NCP_IPC_WIRE_H_
#define NCP_IPC_WIRE_H_

#include <cstddef>
#include <cstdint>

namespace ncp::ipc::wire {

inline constexpr uint32_t kMagic = 0x5750434e;  // "NCPW"
inline constexpr uint8_t kVersion = 6;

enum MessageType : uint8_t {
  // First message on a connection, sent by each side right after adopting
  // it (or with its first message: kFlagMessageFollows), with the sender's
  // SCM_CREDENTIALS (kernel-verified pid/uid/gid).
  kHello = 1,
  // A transaction to `handle` in the receiver's export table.
  kRequest = 2,
  // The answer to the sync request `txn_id`; `code` is the status.
  kReply = 3,
  // The sender dropped references it had received: the body is an array of
  // WireRelease records (handles in the receiver's export table).
  kRelease = 4,
  // The object the receiver imported as `handle` is dead (a relayed proxy
  // whose own remote died).
  kDeadNotice = 5,
  // The sender's ring for large bodies: exactly one fd, the ring memfd of
  // kRingFileSize bytes. At most once per connection and direction.
  kRingSetup = 6,
  // The sender's next datagram with fds attached is on its way (header
  // only). Fds are the exception: a receiver reads with a control buffer
  // only before the HELLO and while such announced fds have not arrived,
  // as recvmsg()'s control handling costs ~3 % of a small round trip. Fds
  // sent unannounced are closed by the kernel (a read without a control
  // buffer drops them), and the message naming them then fails validation.
  kFdsNext = 7,
};

// Flags.
inline constexpr uint16_t kFlagOneWay = 1 << 0;       // kRequest: no reply
inline constexpr uint16_t kFlagBodyInMemfd = 1 << 1;  // body is the last fd
inline constexpr uint16_t kFlagHasRoot = 1 << 2;      // kHello: root offered
inline constexpr uint16_t kFlagBodyInRing = 1 << 3;   // body in sender's ring
// With kFlagBodyInRing: the body may still be being written; the receiver
// waits until the ring's published position reaches its end.
inline constexpr uint16_t kFlagBodyPending = 1 << 4;
// kHello: the sender's first message follows the HELLO's 48 bytes in the
// same datagram, and the fds attached are that message's. A HELLO deferred
// to the first message goes out so: two datagrams in one sendmmsg() woke
// the receiver twice on one CPU, as the first one's wake-up preempts the
// sender before it queues the second.
inline constexpr uint16_t kFlagMessageFollows = 1 << 5;
inline constexpr uint16_t kKnownFlags = kFlagOneWay | kFlagBodyInMemfd |
                                        kFlagHasRoot | kFlagBodyInRing |
                                        kFlagBodyPending | kFlagMessageFollows;

struct WireHeader {
  uint32_t magic;         // kMagic
  uint8_t version;        // kVersion
  uint8_t type;           // MessageType
  uint16_t flags;         // kFlag*
  uint32_t code;          // kRequest: request code; kReply: status
  uint32_t handle;        // kRequest/kDeadNotice: object handle
  uint64_t txn_id;        // kRequest (sync) and kReply: transaction id
  uint64_t chain_id;      // kRequest: call chain (0: none)
  uint32_t body_size;     // object table + data
  uint32_t data_size;     // parcel data bytes at the end of the body
  uint16_t object_count;  // WireObject records at the start of the body
  uint16_t fd_count;      // fds attached (SCM_RIGHTS), memfd included
  uint32_t first_uid;     // kRequest: uid that started the call chain
};
static_assert(sizeof(WireHeader) == 48, "wire header layout");

// Object kinds in a WireObject record.
enum ObjectKind : uint16_t {
  // A file descriptor: the next attached fd (records take fds in order).
  kObjectFd = 1,
  // An object exported by the SENDER: `handle` is in the sender's export
  // table; the receiver imports it as a proxy.
  kObjectSenderHandle = 2,
  // An object exported by the RECEIVER (a proxy sent back to its owner):
  // `handle` is in the receiver's export table; it resolves to the local
  // object.
  kObjectReceiverHandle = 3,
};

// WireObject flags.
// kObjectSenderHandle only: the sender's object is itself a proxy of another
// connection (a relay). Its death reaches the receiver as a kDeadNotice, so
// the receiver must keep reading the connection while it holds one.
inline constexpr uint16_t kObjectFlagRelay = 1;

struct WireObject {
  uint32_t offset;  // of the object's record in the parcel data
  uint16_t kind;    // ObjectKind
  uint16_t flags;   // kObjectFlag*
  uint32_t handle;  // kObjectSender/ReceiverHandle; 0 for fds
  uint32_t reserved2;
};
static_assert(sizeof(WireObject) == 16, "wire object layout");

struct WireRelease {
  uint32_t handle;
  uint32_t reserved;
  uint64_t count;  // how many times the releaser had received the handle
};
static_assert(sizeof(WireRelease) == 16, "wire release layout");

// Size of an object's record inside the parcel data (a "flat object" of 24
// bytes, as on LP64 OpenHarmony; visible through sizes and positions).
inline constexpr uint32_t kObjectRecordSize = 24;

// Limits. The parcel data limit is the OpenHarmony parcel capacity.
inline constexpr uint32_t kMaxDataSize = 204800;
inline constexpr uint32_t kMaxObjects = kMaxDataSize / kObjectRecordSize;
// SCM_MAX_FD is 253: one is kept for the body memfd.
inline constexpr uint32_t kMaxFdsPerMessage = 252;
inline constexpr uint32_t kMaxBodySize =
    kMaxObjects * sizeof(WireObject) + kMaxDataSize;
// Bodies above this go into a memfd (performance.md: SEQPACKET messages are
// bounded by the socket buffer and large ones are slow to copy through it).
inline constexpr uint32_t kMaxInlineBody = 32 * 1024;
inline constexpr uint32_t kMaxReleasesPerMessage = kMaxInlineBody / 16;
// Largest datagram a receiver accepts.
inline constexpr size_t kMaxDatagram = sizeof(WireHeader) + kMaxInlineBody;

// The ring: a header page followed by kRingSize bytes of bodies. The header
// page holds, each word on its own cache line:
//   - kRingConsumedOffset (uint64_t, written by the receiver): how far it
//     has copied bodies out; the sender may reuse the space before it.
//   - kRingPublishedOffset (uint64_t, written by the sender): how far it
//     has written the bodies (for kFlagBodyPending);
//   - kRingPublishSeqOffset (uint32_t, sender): bumped on every publish, the
//     futex word a receiver waits on;
//   - kRingWaitingOffset (uint32_t, receiver): 1 while it waits there, so
//     the sender knows to wake it;
//   - kRingReaderCpuOffset (uint32_t, receiver): 1 + the CPU on which it
//     last copied a body out (0: not known yet).
// Everything in it is advisory to the other side: a peer that writes
// nonsense there only delays or corrupts its own messages.
inline constexpr uint64_t kRingSize = 1 << 20;
inline constexpr uint64_t kRingHeaderSize = 4096;
inline constexpr size_t kRingConsumedOffset = 0;
inline constexpr size_t kRingPublishedOffset = 64;
inline constexpr size_t kRingPublishSeqOffset = 128;
inline constexpr size_t kRingWaitingOffset = 192;
inline constexpr size_t kRingReaderCpuOffset = 256;
inline constexpr uint64_t kRingFileSize = kRingHeaderSize + kRingSize;
static_assert(kMaxBodySize <= kRingSize, "a body must fit in the ring");

// Request codes above the user range [1, 0x00FFFFFF] are the runtime's.
inline constexpr uint32_t kMaxUserCode = 0x00FFFFFF;
inline constexpr uint32_t kCodeGetDescriptor = 0x01000001;

// What ValidateMessage found out about a well-formed message.
struct MessageLayout {
  const WireObject* objects = nullptr;  // object_count records (aligned copy
                                        // not needed: memcpy before use)
  const uint8_t* data = nullptr;        // data_size bytes
  uint32_t fd_objects = 0;              // records of kind kObjectFd
  bool body_in_memfd = false;
  bool body_in_ring = false;
  uint64_t ring_pos = 0;  // kFlagBodyInRing: absolute position of the body
};

// Where a ring body may lie: it starts at `expected` (the end of the
// previous body) or at the next multiple of kRingSize after it (the sender
// skips there when the body would not fit before the end, or when the ring
// is empty); it never crosses the end.
bool ValidRingPosition(uint64_t expected, uint64_t pos, uint32_t size);

// Checks the header `datagram[0, datagram_len)` received with `fd_count`
// attached fds. On success fills `out` with the layout of an inline body
// (for a memfd body, `out->objects`/`data` are NULL and ValidateBody() must
// be called on the memfd's content). Returns false for anything malformed:
// wrong magic/version/type/flags, sizes that disagree with each other or
// with the datagram, counts above the limits, fds where none are allowed.
bool ValidateMessage(const uint8_t* datagram, size_t datagram_len,
                     uint32_t fd_count, WireHeader* header, MessageLayout* out);

// Checks a connection's first datagram, which must be a HELLO: alone (48
// bytes, no fds), or with kFlagMessageFollows followed by the sender's
// first message, to which the attached fds belong. Fills `hello` and
// `message_offset`: 0 if nothing follows, else where the message starts
// (for ValidateMessage). False if malformed.
bool ValidateFirstDatagram(const uint8_t* datagram, size_t datagram_len,
                           uint32_t fd_count, WireHeader* hello,
                           size_t* message_offset);

// Checks a body (inline or read from the memfd) against `header`: object
// records in range, strictly increasing and non-overlapping, kinds known,
// fd records consistent with the attached fds. Fills `out`.
bool ValidateBody(const WireHeader& header, const uint8_t* body,
                  size_t body_len, MessageLayout* out);

// The same for a body whose object table and data are in separate buffers
// (`table` holds object_count records, `data` data_size bytes).
bool ValidateBodyParts(const WireHeader& header, const uint8_t* table,
                       size_t table_len, const uint8_t* data, size_t data_len,
                       MessageLayout* out);

// Reads object record `i` of a validated body (unaligned-safe).
WireObject ObjectAt(const MessageLayout& layout, uint32_t i);

}  // namespace ncp::ipc::wire

#endif  // NCP_IPC_WIRE_H_
