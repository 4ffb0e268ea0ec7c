// C++17 check of the public headers <AbilityKit/native_child_process.h> and
// <IPCKit/ipc_kit.h>.
//
// Everything that matters is a static_assert: struct layouts, every enum
// value, the exact type of every callback typedef, and the exact signature of
// every function of both APIs, read with decltype (unevaluated, so the test
// needs no implementation to link). The header_tests/*.cc files compiled into
// this test include each public header alone, first in their translation
// unit, to prove each header is self-contained.

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "gtest/gtest.h"

namespace {

// True when T is a complete type.
template <typename T, typename = void>
struct IsComplete : std::false_type {};
template <typename T>
struct IsComplete<T, decltype(void(sizeof(T)))> : std::true_type {};

// Exact-signature check: the declared type of `fn` must be `type`.
#define NCP_EXPECT_SIGNATURE(fn, type)                        \
  static_assert(std::is_same<decltype(&fn), type>::value, #fn \
                " is not declared with the expected type "    \
                "`" #type "`")

// Exact-type check for typedefs.
#define NCP_EXPECT_TYPEDEF(name, type) \
  static_assert(std::is_same<name, type>::value, #name " is not `" #type "`")

// ---------------------------------------------------------------------------
// Opaque handles stay opaque.
// ---------------------------------------------------------------------------
static_assert(!IsComplete<Ability_ChildProcessConfigs>::value,
              "Ability_ChildProcessConfigs must be opaque");
static_assert(!IsComplete<OHIPCParcel>::value, "OHIPCParcel must be opaque");
static_assert(!IsComplete<OHIPCRemoteProxy>::value,
              "OHIPCRemoteProxy must be opaque");
static_assert(!IsComplete<OHIPCRemoteStub>::value,
              "OHIPCRemoteStub must be opaque");
static_assert(!IsComplete<OHIPCDeathRecipient>::value,
              "OHIPCDeathRecipient must be opaque");

// ---------------------------------------------------------------------------
// Layouts (LP64).
// ---------------------------------------------------------------------------
static_assert(sizeof(void*) == 8 && sizeof(long) == 8,
              "layout checks below assume LP64");

static_assert(std::is_standard_layout<NativeChildProcess_Fd>::value, "");
static_assert(sizeof(NativeChildProcess_Fd) == 24, "");
static_assert(offsetof(NativeChildProcess_Fd, fdName) == 0, "");
static_assert(offsetof(NativeChildProcess_Fd, fd) == 8, "");
static_assert(offsetof(NativeChildProcess_Fd, next) == 16, "");
static_assert(std::is_same<decltype(NativeChildProcess_Fd::fdName), char*>(),
              "");
static_assert(std::is_same<decltype(NativeChildProcess_Fd::fd), int32_t>(), "");
static_assert(std::is_same<decltype(NativeChildProcess_Fd::next),
                           NativeChildProcess_Fd*>(),
              "");

static_assert(sizeof(NativeChildProcess_FdList) == 8, "");
static_assert(offsetof(NativeChildProcess_FdList, head) == 0, "");
static_assert(std::is_same<decltype(NativeChildProcess_FdList::head),
                           NativeChildProcess_Fd*>(),
              "");

static_assert(sizeof(NativeChildProcess_Options) == 16, "");
static_assert(offsetof(NativeChildProcess_Options, isolationMode) == 0, "");
static_assert(offsetof(NativeChildProcess_Options, reserved) == 8, "");
static_assert(std::is_same<decltype(NativeChildProcess_Options::isolationMode),
                           NativeChildProcess_IsolationMode>(),
              "");
static_assert(
    std::is_same<decltype(NativeChildProcess_Options::reserved), int64_t>(),
    "");

static_assert(sizeof(NativeChildProcess_Args) == 16, "");
static_assert(offsetof(NativeChildProcess_Args, entryParams) == 0, "");
static_assert(offsetof(NativeChildProcess_Args, fdList) == 8, "");
static_assert(
    std::is_same<decltype(NativeChildProcess_Args::entryParams), char*>(), "");
static_assert(std::is_same<decltype(NativeChildProcess_Args::fdList),
                           NativeChildProcess_FdList>(),
              "");

static_assert(sizeof(OH_IPC_MessageOption) == 16, "");
static_assert(alignof(OH_IPC_MessageOption) == 4, "#pragma pack(4) missing");
static_assert(offsetof(OH_IPC_MessageOption, mode) == 0, "");
static_assert(offsetof(OH_IPC_MessageOption, timeout) == 4, "");
static_assert(offsetof(OH_IPC_MessageOption, reserved) == 8, "");
static_assert(
    std::is_same<decltype(OH_IPC_MessageOption::mode), OH_IPC_RequestMode>(),
    "");
static_assert(std::is_same<decltype(OH_IPC_MessageOption::timeout), uint32_t>(),
              "");
static_assert(std::is_same<decltype(OH_IPC_MessageOption::reserved), void*>(),
              "");

// The headers must restore the default packing.
struct PackRestoredProbe {
  int32_t i;
  void* p;
};
static_assert(offsetof(PackRestoredProbe, p) == 8, "#pragma pack() missing");
static_assert(alignof(PackRestoredProbe) == 8, "#pragma pack() missing");

// Enums are int-sized.
static_assert(std::is_enum<Ability_NativeChildProcess_ErrCode>::value, "");
static_assert(sizeof(Ability_NativeChildProcess_ErrCode) == sizeof(int), "");
static_assert(std::is_enum<NativeChildProcess_IsolationMode>::value, "");
static_assert(sizeof(NativeChildProcess_IsolationMode) == sizeof(int), "");
static_assert(std::is_enum<OH_IPC_ErrorCode>::value, "");
static_assert(sizeof(OH_IPC_ErrorCode) == sizeof(int), "");
static_assert(std::is_enum<OH_IPC_RequestMode>::value, "");
static_assert(sizeof(OH_IPC_RequestMode) == sizeof(int), "");

// ---------------------------------------------------------------------------
// Enum values.
// ---------------------------------------------------------------------------
static_assert(NCP_NO_ERROR == 0, "");
static_assert(NCP_ERR_INVALID_PARAM == 401, "");
static_assert(NCP_ERR_NOT_SUPPORTED == 801, "");
static_assert(NCP_ERR_INTERNAL == 16000050, "");
static_assert(NCP_ERR_BUSY == 16010001, "");
static_assert(NCP_ERR_TIMEOUT == 16010002, "");
static_assert(NCP_ERR_SERVICE_ERROR == 16010003, "");
static_assert(NCP_ERR_MULTI_PROCESS_DISABLED == 16010004, "");
static_assert(NCP_ERR_ALREADY_IN_CHILD == 16010005, "");
static_assert(NCP_ERR_MAX_CHILD_PROCESSES_REACHED == 16010006, "");
static_assert(NCP_ERR_LIB_LOADING_FAILED == 16010007, "");
static_assert(NCP_ERR_CONNECTION_FAILED == 16010008, "");
static_assert(NCP_ERR_CALLBACK_NOT_EXIST == 16010009, "");
static_assert(NCP_ERR_INVALID_PID == 16010010, "");
static_assert(NCP_ISOLATION_MODE_NORMAL == 0, "");
static_assert(NCP_ISOLATION_MODE_ISOLATED == 1, "");

static_assert(OH_IPC_SUCCESS == 0, "");
static_assert(OH_IPC_ERROR_CODE_BASE == 1901000, "");
static_assert(OH_IPC_CHECK_PARAM_ERROR == 1901000, "");
static_assert(OH_IPC_PARCEL_WRITE_ERROR == 1901001, "");
static_assert(OH_IPC_PARCEL_READ_ERROR == 1901002, "");
static_assert(OH_IPC_MEM_ALLOCATOR_ERROR == 1901003, "");
static_assert(OH_IPC_CODE_OUT_OF_RANGE == 1901004, "");
static_assert(OH_IPC_DEAD_REMOTE_OBJECT == 1901005, "");
static_assert(OH_IPC_INVALID_USER_ERROR_CODE == 1901006, "");
static_assert(OH_IPC_INNER_ERROR == 1901007, "");
static_assert(OH_IPC_ERROR_CODE_MAX == 1902000, "");
static_assert(OH_IPC_USER_ERROR_CODE_MIN == 1909000, "");
static_assert(OH_IPC_USER_ERROR_CODE_MAX == 1909999, "");
static_assert(OH_IPC_REQUEST_MODE_SYNC == 0, "");
static_assert(OH_IPC_REQUEST_MODE_ASYNC == 1, "");

// ---------------------------------------------------------------------------
// Callback typedefs.
// ---------------------------------------------------------------------------
NCP_EXPECT_TYPEDEF(OH_Ability_OnNativeChildProcessStarted,
                   void (*)(int, OHIPCRemoteProxy*));
NCP_EXPECT_TYPEDEF(OH_Ability_OnNativeChildProcessExit,
                   void (*)(int32_t, int32_t));
NCP_EXPECT_TYPEDEF(OH_IPC_MemAllocator, void* (*)(int32_t));
NCP_EXPECT_TYPEDEF(OH_OnRemoteRequestCallback,
                   int (*)(uint32_t, const OHIPCParcel*, OHIPCParcel*, void*));
NCP_EXPECT_TYPEDEF(OH_OnRemoteDestroyCallback, void (*)(void*));
NCP_EXPECT_TYPEDEF(OH_OnDeathRecipientCallback, void (*)(void*));
NCP_EXPECT_TYPEDEF(OH_OnDeathRecipientDestroyCallback, void (*)(void*));

// ---------------------------------------------------------------------------
// AbilityKit functions (spec §1.4).
// ---------------------------------------------------------------------------
using ErrCode = Ability_NativeChildProcess_ErrCode;
using Configs = Ability_ChildProcessConfigs;

NCP_EXPECT_SIGNATURE(OH_Ability_CreateChildProcessConfigs, Configs* (*)());
NCP_EXPECT_SIGNATURE(OH_Ability_DestroyChildProcessConfigs,
                     ErrCode (*)(Configs*));
NCP_EXPECT_SIGNATURE(OH_Ability_ChildProcessConfigs_SetIsolationMode,
                     ErrCode (*)(Configs*, NativeChildProcess_IsolationMode));
NCP_EXPECT_SIGNATURE(OH_Ability_ChildProcessConfigs_SetIsolationUid,
                     ErrCode (*)(Configs*, bool));
NCP_EXPECT_SIGNATURE(OH_Ability_ChildProcessConfigs_SetProcessName,
                     ErrCode (*)(Configs*, const char*));
NCP_EXPECT_SIGNATURE(OH_Ability_CreateNativeChildProcess,
                     int (*)(const char*,
                             OH_Ability_OnNativeChildProcessStarted));
NCP_EXPECT_SIGNATURE(OH_Ability_CreateNativeChildProcessWithConfigs,
                     ErrCode (*)(const char*, Configs*,
                                 OH_Ability_OnNativeChildProcessStarted));
NCP_EXPECT_SIGNATURE(OH_Ability_StartNativeChildProcess,
                     ErrCode (*)(const char*, NativeChildProcess_Args,
                                 NativeChildProcess_Options, int32_t*));
NCP_EXPECT_SIGNATURE(OH_Ability_StartNativeChildProcessWithConfigs,
                     ErrCode (*)(const char*, NativeChildProcess_Args, Configs*,
                                 int32_t*));
NCP_EXPECT_SIGNATURE(OH_Ability_GetCurrentChildProcessArgs,
                     NativeChildProcess_Args* (*)());
NCP_EXPECT_SIGNATURE(OH_Ability_RegisterNativeChildProcessExitCallback,
                     ErrCode (*)(OH_Ability_OnNativeChildProcessExit));
NCP_EXPECT_SIGNATURE(OH_Ability_UnregisterNativeChildProcessExitCallback,
                     ErrCode (*)(OH_Ability_OnNativeChildProcessExit));
NCP_EXPECT_SIGNATURE(OH_Ability_KillChildProcess, ErrCode (*)(int32_t));
NCP_EXPECT_SIGNATURE(OH_Ability_IsNativeChildProcessSupported, bool (*)());

// ---------------------------------------------------------------------------
// IPCKit: parcel.
// ---------------------------------------------------------------------------
NCP_EXPECT_SIGNATURE(OH_IPCParcel_Create, OHIPCParcel* (*)());
NCP_EXPECT_SIGNATURE(OH_IPCParcel_Destroy, void (*)(OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_GetDataSize, int (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_GetWritableBytes,
                     int (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_GetReadableBytes,
                     int (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_GetReadPosition, int (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_GetWritePosition,
                     int (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_RewindReadPosition,
                     int (*)(OHIPCParcel*, uint32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_RewindWritePosition,
                     int (*)(OHIPCParcel*, uint32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteInt8, int (*)(OHIPCParcel*, int8_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadInt8,
                     int (*)(const OHIPCParcel*, int8_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteInt16, int (*)(OHIPCParcel*, int16_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadInt16,
                     int (*)(const OHIPCParcel*, int16_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteInt32, int (*)(OHIPCParcel*, int32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadInt32,
                     int (*)(const OHIPCParcel*, int32_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteInt64, int (*)(OHIPCParcel*, int64_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadInt64,
                     int (*)(const OHIPCParcel*, int64_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteUint8, int (*)(OHIPCParcel*, uint8_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadUint8,
                     int (*)(const OHIPCParcel*, uint8_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteUint16, int (*)(OHIPCParcel*, uint16_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadUint16,
                     int (*)(const OHIPCParcel*, uint16_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteUint32, int (*)(OHIPCParcel*, uint32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadUint32,
                     int (*)(const OHIPCParcel*, uint32_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteUint64, int (*)(OHIPCParcel*, uint64_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadUint64,
                     int (*)(const OHIPCParcel*, uint64_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteFloat, int (*)(OHIPCParcel*, float));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadFloat,
                     int (*)(const OHIPCParcel*, float*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteDouble, int (*)(OHIPCParcel*, double));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadDouble,
                     int (*)(const OHIPCParcel*, double*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteString,
                     int (*)(OHIPCParcel*, const char*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadString,
                     const char* (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteBuffer,
                     int (*)(OHIPCParcel*, const uint8_t*, int32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadBuffer,
                     const uint8_t* (*)(const OHIPCParcel*, int32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteRemoteStub,
                     int (*)(OHIPCParcel*, const OHIPCRemoteStub*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadRemoteStub,
                     OHIPCRemoteStub* (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteRemoteProxy,
                     int (*)(OHIPCParcel*, const OHIPCRemoteProxy*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadRemoteProxy,
                     OHIPCRemoteProxy* (*)(const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteFileDescriptor,
                     int (*)(OHIPCParcel*, int32_t));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadFileDescriptor,
                     int (*)(const OHIPCParcel*, int32_t*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_Append,
                     int (*)(OHIPCParcel*, const OHIPCParcel*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_WriteInterfaceToken,
                     int (*)(OHIPCParcel*, const char*));
NCP_EXPECT_SIGNATURE(OH_IPCParcel_ReadInterfaceToken,
                     int (*)(const OHIPCParcel*, char**, int32_t*,
                             OH_IPC_MemAllocator));

// ---------------------------------------------------------------------------
// IPCKit: remote objects.
// ---------------------------------------------------------------------------
NCP_EXPECT_SIGNATURE(OH_IPCRemoteStub_Create,
                     OHIPCRemoteStub* (*)(const char*,
                                          OH_OnRemoteRequestCallback,
                                          OH_OnRemoteDestroyCallback, void*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteStub_Destroy, void (*)(OHIPCRemoteStub*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteProxy_Destroy, void (*)(OHIPCRemoteProxy*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteProxy_SendRequest,
                     int (*)(const OHIPCRemoteProxy*, uint32_t,
                             const OHIPCParcel*, OHIPCParcel*,
                             const OH_IPC_MessageOption*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteProxy_GetInterfaceDescriptor,
                     int (*)(OHIPCRemoteProxy*, char**, int32_t*,
                             OH_IPC_MemAllocator));
NCP_EXPECT_SIGNATURE(
    OH_IPCDeathRecipient_Create,
    OHIPCDeathRecipient* (*)(OH_OnDeathRecipientCallback,
                             OH_OnDeathRecipientDestroyCallback, void*));
NCP_EXPECT_SIGNATURE(OH_IPCDeathRecipient_Destroy,
                     void (*)(OHIPCDeathRecipient*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteProxy_AddDeathRecipient,
                     int (*)(OHIPCRemoteProxy*, OHIPCDeathRecipient*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteProxy_RemoveDeathRecipient,
                     int (*)(OHIPCRemoteProxy*, OHIPCDeathRecipient*));
NCP_EXPECT_SIGNATURE(OH_IPCRemoteProxy_IsRemoteDead,
                     int (*)(const OHIPCRemoteProxy*));

// ---------------------------------------------------------------------------
// IPCKit: skeleton.
// ---------------------------------------------------------------------------
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_JoinWorkThread, void (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_StopWorkThread, void (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_GetCallingTokenId, uint64_t (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_GetFirstTokenId, uint64_t (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_GetSelfTokenId, uint64_t (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_GetCallingPid, uint64_t (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_GetCallingUid, uint64_t (*)());
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_IsLocalCalling, int (*)());
// The top-level const of `const int maxThreadNum` is not part of the type.
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_SetMaxWorkThreadNum, int (*)(int));
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_ResetCallingIdentity,
                     int (*)(char**, int32_t*, OH_IPC_MemAllocator));
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_SetCallingIdentity, int (*)(const char*));
NCP_EXPECT_SIGNATURE(OH_IPCSkeleton_IsHandlingTransaction, int (*)());

// ---------------------------------------------------------------------------
// Run-time checks of the initialisation idioms C++ clients use.
// ---------------------------------------------------------------------------
TEST(CxxHeaderTest, ValueInitialisedStructsAreZero) {
  NativeChildProcess_Options options{};
  NativeChildProcess_Args args{};
  OH_IPC_MessageOption message_option = {OH_IPC_REQUEST_MODE_SYNC, 0};

  EXPECT_EQ(options.isolationMode, NCP_ISOLATION_MODE_NORMAL);
  EXPECT_EQ(options.reserved, 0);
  EXPECT_EQ(args.entryParams, nullptr);
  EXPECT_EQ(args.fdList.head, nullptr);
  EXPECT_EQ(message_option.mode, OH_IPC_REQUEST_MODE_SYNC);
  EXPECT_EQ(message_option.timeout, 0u);
  EXPECT_EQ(message_option.reserved, nullptr);
}

TEST(CxxHeaderTest, FdListLinksNodes) {
  char name1[] = "fd1";
  char name2[] = "fd2";
  NativeChildProcess_Fd second = {name2, 4, nullptr};
  NativeChildProcess_Fd first = {name1, 3, &second};
  NativeChildProcess_Args args = {nullptr, {&first}};

  int count = 0;
  for (NativeChildProcess_Fd* node = args.fdList.head; node != nullptr;
       node = node->next) {
    ++count;
  }
  EXPECT_EQ(count, 2);
  EXPECT_EQ(args.fdList.head->next->fd, 4);
}

}  // namespace
