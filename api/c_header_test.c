// C99 check of the public headers <AbilityKit/native_child_process.h> and
// <IPCKit/ipc_kit.h>.
//
// Built with -std=c99 -pedantic -Werror, so any C++-ism or post-C99 construct
// in the headers fails the build. Checks, at compile time where C99 allows it
// (negative array size) and again at run time:
//   - struct sizes and member offsets (LP64);
//   - every enum value of both APIs;
//   - that every function is declared with exactly the expected prototype.
// The prototype checks compare a null pointer of the expected type with the
// function's address inside sizeof, which is never evaluated: a missing
// declaration is an error, a different prototype is a "distinct pointer
// types" diagnostic (an error under -Werror), and no symbol is needed at link
// time, so this test needs no implementation.

#ifdef __cplusplus
#error "c_header_test.c must be compiled as C"
#endif

#include <AbilityKit/native_child_process.h>
#include <IPCKit/ipc_kit.h>
#include <stddef.h>
#include <stdio.h>

#define NCP_STATIC_CHECK(name, cond) \
  typedef char ncp_static_check_##name[(cond) ? 1 : -1]

// `fn` must be declared with a type compatible with `type`.
#define NCP_CHECK_DECL(fn, type) \
  typedef char ncp_check_decl_##fn[sizeof((type)0 == &fn)]

// Typedef `name` must be the same function pointer type as `type`.
#define NCP_CHECK_TYPEDEF(name, type) \
  typedef char ncp_check_typedef_##name[sizeof((name)0 == (type)0)]

// Alignment probe that needs no C11 _Alignof.
struct ncp_message_option_align_probe {
  char c;
  OH_IPC_MessageOption option;
};

// The headers must restore the default packing after OH_IPC_MessageOption.
struct ncp_pack_restored_probe {
  int32_t i;
  void* p;
};

// ---------------------------------------------------------------------------
// Layouts (the numbers are for LP64, the only data model this project targets)
// ---------------------------------------------------------------------------
#if defined(__LP64__) || defined(_LP64)
NCP_STATIC_CHECK(fd_size, sizeof(NativeChildProcess_Fd) == 24);
NCP_STATIC_CHECK(fd_name_off, offsetof(NativeChildProcess_Fd, fdName) == 0);
NCP_STATIC_CHECK(fd_fd_off, offsetof(NativeChildProcess_Fd, fd) == 8);
NCP_STATIC_CHECK(fd_next_off, offsetof(NativeChildProcess_Fd, next) == 16);
NCP_STATIC_CHECK(fd_list_size, sizeof(NativeChildProcess_FdList) == 8);
NCP_STATIC_CHECK(fd_list_head_off,
                 offsetof(NativeChildProcess_FdList, head) == 0);
NCP_STATIC_CHECK(options_size, sizeof(NativeChildProcess_Options) == 16);
NCP_STATIC_CHECK(options_mode_off,
                 offsetof(NativeChildProcess_Options, isolationMode) == 0);
NCP_STATIC_CHECK(options_reserved_off,
                 offsetof(NativeChildProcess_Options, reserved) == 8);
NCP_STATIC_CHECK(args_size, sizeof(NativeChildProcess_Args) == 16);
NCP_STATIC_CHECK(args_params_off,
                 offsetof(NativeChildProcess_Args, entryParams) == 0);
NCP_STATIC_CHECK(args_list_off, offsetof(NativeChildProcess_Args, fdList) == 8);
NCP_STATIC_CHECK(msg_option_size, sizeof(OH_IPC_MessageOption) == 16);
NCP_STATIC_CHECK(msg_option_mode_off,
                 offsetof(OH_IPC_MessageOption, mode) == 0);
NCP_STATIC_CHECK(msg_option_timeout_off,
                 offsetof(OH_IPC_MessageOption, timeout) == 4);
NCP_STATIC_CHECK(msg_option_reserved_off,
                 offsetof(OH_IPC_MessageOption, reserved) == 8);
NCP_STATIC_CHECK(msg_option_align,
                 offsetof(struct ncp_message_option_align_probe, option) == 4);
NCP_STATIC_CHECK(pack_restored,
                 offsetof(struct ncp_pack_restored_probe, p) == 8);
#endif

NCP_STATIC_CHECK(errcode_is_int_sized,
                 sizeof(Ability_NativeChildProcess_ErrCode) == sizeof(int));
NCP_STATIC_CHECK(isolation_is_int_sized,
                 sizeof(NativeChildProcess_IsolationMode) == sizeof(int));
NCP_STATIC_CHECK(ipc_errcode_is_int_sized,
                 sizeof(OH_IPC_ErrorCode) == sizeof(int));
NCP_STATIC_CHECK(request_mode_is_int_sized,
                 sizeof(OH_IPC_RequestMode) == sizeof(int));

// ---------------------------------------------------------------------------
// Enum values
// ---------------------------------------------------------------------------
NCP_STATIC_CHECK(ncp_no_error, NCP_NO_ERROR == 0);
NCP_STATIC_CHECK(ncp_invalid_param, NCP_ERR_INVALID_PARAM == 401);
NCP_STATIC_CHECK(ncp_not_supported, NCP_ERR_NOT_SUPPORTED == 801);
NCP_STATIC_CHECK(ncp_internal, NCP_ERR_INTERNAL == 16000050);
NCP_STATIC_CHECK(ncp_busy, NCP_ERR_BUSY == 16010001);
NCP_STATIC_CHECK(ncp_timeout, NCP_ERR_TIMEOUT == 16010002);
NCP_STATIC_CHECK(ncp_service_error, NCP_ERR_SERVICE_ERROR == 16010003);
NCP_STATIC_CHECK(ncp_multi_process_disabled,
                 NCP_ERR_MULTI_PROCESS_DISABLED == 16010004);
NCP_STATIC_CHECK(ncp_already_in_child, NCP_ERR_ALREADY_IN_CHILD == 16010005);
NCP_STATIC_CHECK(ncp_max_children,
                 NCP_ERR_MAX_CHILD_PROCESSES_REACHED == 16010006);
NCP_STATIC_CHECK(ncp_lib_loading_failed,
                 NCP_ERR_LIB_LOADING_FAILED == 16010007);
NCP_STATIC_CHECK(ncp_connection_failed, NCP_ERR_CONNECTION_FAILED == 16010008);
NCP_STATIC_CHECK(ncp_callback_not_exist,
                 NCP_ERR_CALLBACK_NOT_EXIST == 16010009);
NCP_STATIC_CHECK(ncp_invalid_pid, NCP_ERR_INVALID_PID == 16010010);
NCP_STATIC_CHECK(ncp_mode_normal, NCP_ISOLATION_MODE_NORMAL == 0);
NCP_STATIC_CHECK(ncp_mode_isolated, NCP_ISOLATION_MODE_ISOLATED == 1);

NCP_STATIC_CHECK(ipc_success, OH_IPC_SUCCESS == 0);
NCP_STATIC_CHECK(ipc_base, OH_IPC_ERROR_CODE_BASE == 1901000);
NCP_STATIC_CHECK(ipc_check_param, OH_IPC_CHECK_PARAM_ERROR == 1901000);
NCP_STATIC_CHECK(ipc_write, OH_IPC_PARCEL_WRITE_ERROR == 1901001);
NCP_STATIC_CHECK(ipc_read, OH_IPC_PARCEL_READ_ERROR == 1901002);
NCP_STATIC_CHECK(ipc_alloc, OH_IPC_MEM_ALLOCATOR_ERROR == 1901003);
NCP_STATIC_CHECK(ipc_code_range, OH_IPC_CODE_OUT_OF_RANGE == 1901004);
NCP_STATIC_CHECK(ipc_dead, OH_IPC_DEAD_REMOTE_OBJECT == 1901005);
NCP_STATIC_CHECK(ipc_invalid_user, OH_IPC_INVALID_USER_ERROR_CODE == 1901006);
NCP_STATIC_CHECK(ipc_inner, OH_IPC_INNER_ERROR == 1901007);
NCP_STATIC_CHECK(ipc_code_max, OH_IPC_ERROR_CODE_MAX == 1902000);
NCP_STATIC_CHECK(ipc_user_min, OH_IPC_USER_ERROR_CODE_MIN == 1909000);
NCP_STATIC_CHECK(ipc_user_max, OH_IPC_USER_ERROR_CODE_MAX == 1909999);
NCP_STATIC_CHECK(ipc_sync, OH_IPC_REQUEST_MODE_SYNC == 0);
NCP_STATIC_CHECK(ipc_async, OH_IPC_REQUEST_MODE_ASYNC == 1);

// ---------------------------------------------------------------------------
// Callback typedefs
// ---------------------------------------------------------------------------
NCP_CHECK_TYPEDEF(OH_Ability_OnNativeChildProcessStarted,
                  void (*)(int, OHIPCRemoteProxy*));
NCP_CHECK_TYPEDEF(OH_Ability_OnNativeChildProcessExit,
                  void (*)(int32_t, int32_t));
NCP_CHECK_TYPEDEF(OH_IPC_MemAllocator, void* (*)(int32_t));
NCP_CHECK_TYPEDEF(OH_OnRemoteRequestCallback,
                  int (*)(uint32_t, const OHIPCParcel*, OHIPCParcel*, void*));
NCP_CHECK_TYPEDEF(OH_OnRemoteDestroyCallback, void (*)(void*));
NCP_CHECK_TYPEDEF(OH_OnDeathRecipientCallback, void (*)(void*));
NCP_CHECK_TYPEDEF(OH_OnDeathRecipientDestroyCallback, void (*)(void*));

// ---------------------------------------------------------------------------
// AbilityKit functions
// ---------------------------------------------------------------------------
NCP_CHECK_DECL(OH_Ability_CreateChildProcessConfigs,
               Ability_ChildProcessConfigs* (*)(void));
NCP_CHECK_DECL(
    OH_Ability_DestroyChildProcessConfigs,
    Ability_NativeChildProcess_ErrCode (*)(Ability_ChildProcessConfigs*));
NCP_CHECK_DECL(
    OH_Ability_ChildProcessConfigs_SetIsolationMode,
    Ability_NativeChildProcess_ErrCode (*)(Ability_ChildProcessConfigs*,
                                           NativeChildProcess_IsolationMode));
NCP_CHECK_DECL(
    OH_Ability_ChildProcessConfigs_SetIsolationUid,
    Ability_NativeChildProcess_ErrCode (*)(Ability_ChildProcessConfigs*, bool));
NCP_CHECK_DECL(OH_Ability_ChildProcessConfigs_SetProcessName,
               Ability_NativeChildProcess_ErrCode (*)(
                   Ability_ChildProcessConfigs*, const char*));
NCP_CHECK_DECL(OH_Ability_CreateNativeChildProcess,
               int (*)(const char*, OH_Ability_OnNativeChildProcessStarted));
NCP_CHECK_DECL(OH_Ability_CreateNativeChildProcessWithConfigs,
               Ability_NativeChildProcess_ErrCode (*)(
                   const char*, Ability_ChildProcessConfigs*,
                   OH_Ability_OnNativeChildProcessStarted));
NCP_CHECK_DECL(OH_Ability_StartNativeChildProcess,
               Ability_NativeChildProcess_ErrCode (*)(
                   const char*, NativeChildProcess_Args,
                   NativeChildProcess_Options, int32_t*));
NCP_CHECK_DECL(OH_Ability_StartNativeChildProcessWithConfigs,
               Ability_NativeChildProcess_ErrCode (*)(
                   const char*, NativeChildProcess_Args,
                   Ability_ChildProcessConfigs*, int32_t*));
NCP_CHECK_DECL(OH_Ability_GetCurrentChildProcessArgs,
               NativeChildProcess_Args* (*)(void));
NCP_CHECK_DECL(OH_Ability_RegisterNativeChildProcessExitCallback,
               Ability_NativeChildProcess_ErrCode (*)(
                   OH_Ability_OnNativeChildProcessExit));
NCP_CHECK_DECL(OH_Ability_UnregisterNativeChildProcessExitCallback,
               Ability_NativeChildProcess_ErrCode (*)(
                   OH_Ability_OnNativeChildProcessExit));
NCP_CHECK_DECL(OH_Ability_KillChildProcess,
               Ability_NativeChildProcess_ErrCode (*)(int32_t));
NCP_CHECK_DECL(OH_Ability_IsNativeChildProcessSupported, bool (*)(void));

// ---------------------------------------------------------------------------
// IPCKit: parcel
// ---------------------------------------------------------------------------
NCP_CHECK_DECL(OH_IPCParcel_Create, OHIPCParcel* (*)(void));
NCP_CHECK_DECL(OH_IPCParcel_Destroy, void (*)(OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_GetDataSize, int (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_GetWritableBytes, int (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_GetReadableBytes, int (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_GetReadPosition, int (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_GetWritePosition, int (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_RewindReadPosition,
               int (*)(OHIPCParcel*, uint32_t));
NCP_CHECK_DECL(OH_IPCParcel_RewindWritePosition,
               int (*)(OHIPCParcel*, uint32_t));
NCP_CHECK_DECL(OH_IPCParcel_WriteInt8, int (*)(OHIPCParcel*, int8_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadInt8, int (*)(const OHIPCParcel*, int8_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteInt16, int (*)(OHIPCParcel*, int16_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadInt16, int (*)(const OHIPCParcel*, int16_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteInt32, int (*)(OHIPCParcel*, int32_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadInt32, int (*)(const OHIPCParcel*, int32_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteInt64, int (*)(OHIPCParcel*, int64_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadInt64, int (*)(const OHIPCParcel*, int64_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteUint8, int (*)(OHIPCParcel*, uint8_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadUint8, int (*)(const OHIPCParcel*, uint8_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteUint16, int (*)(OHIPCParcel*, uint16_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadUint16, int (*)(const OHIPCParcel*, uint16_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteUint32, int (*)(OHIPCParcel*, uint32_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadUint32, int (*)(const OHIPCParcel*, uint32_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteUint64, int (*)(OHIPCParcel*, uint64_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadUint64, int (*)(const OHIPCParcel*, uint64_t*));
NCP_CHECK_DECL(OH_IPCParcel_WriteFloat, int (*)(OHIPCParcel*, float));
NCP_CHECK_DECL(OH_IPCParcel_ReadFloat, int (*)(const OHIPCParcel*, float*));
NCP_CHECK_DECL(OH_IPCParcel_WriteDouble, int (*)(OHIPCParcel*, double));
NCP_CHECK_DECL(OH_IPCParcel_ReadDouble, int (*)(const OHIPCParcel*, double*));
NCP_CHECK_DECL(OH_IPCParcel_WriteString, int (*)(OHIPCParcel*, const char*));
NCP_CHECK_DECL(OH_IPCParcel_ReadString, const char* (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_WriteBuffer,
               int (*)(OHIPCParcel*, const uint8_t*, int32_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadBuffer,
               const uint8_t* (*)(const OHIPCParcel*, int32_t));
NCP_CHECK_DECL(OH_IPCParcel_WriteRemoteStub,
               int (*)(OHIPCParcel*, const OHIPCRemoteStub*));
NCP_CHECK_DECL(OH_IPCParcel_ReadRemoteStub,
               OHIPCRemoteStub* (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_WriteRemoteProxy,
               int (*)(OHIPCParcel*, const OHIPCRemoteProxy*));
NCP_CHECK_DECL(OH_IPCParcel_ReadRemoteProxy,
               OHIPCRemoteProxy* (*)(const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_WriteFileDescriptor,
               int (*)(OHIPCParcel*, int32_t));
NCP_CHECK_DECL(OH_IPCParcel_ReadFileDescriptor,
               int (*)(const OHIPCParcel*, int32_t*));
NCP_CHECK_DECL(OH_IPCParcel_Append, int (*)(OHIPCParcel*, const OHIPCParcel*));
NCP_CHECK_DECL(OH_IPCParcel_WriteInterfaceToken,
               int (*)(OHIPCParcel*, const char*));
NCP_CHECK_DECL(OH_IPCParcel_ReadInterfaceToken,
               int (*)(const OHIPCParcel*, char**, int32_t*,
                       OH_IPC_MemAllocator));

// ---------------------------------------------------------------------------
// IPCKit: remote objects
// ---------------------------------------------------------------------------
NCP_CHECK_DECL(OH_IPCRemoteStub_Create,
               OHIPCRemoteStub* (*)(const char*, OH_OnRemoteRequestCallback,
                                    OH_OnRemoteDestroyCallback, void*));
NCP_CHECK_DECL(OH_IPCRemoteStub_Destroy, void (*)(OHIPCRemoteStub*));
NCP_CHECK_DECL(OH_IPCRemoteProxy_Destroy, void (*)(OHIPCRemoteProxy*));
NCP_CHECK_DECL(OH_IPCRemoteProxy_SendRequest,
               int (*)(const OHIPCRemoteProxy*, uint32_t, const OHIPCParcel*,
                       OHIPCParcel*, const OH_IPC_MessageOption*));
NCP_CHECK_DECL(OH_IPCRemoteProxy_GetInterfaceDescriptor,
               int (*)(OHIPCRemoteProxy*, char**, int32_t*,
                       OH_IPC_MemAllocator));
NCP_CHECK_DECL(OH_IPCDeathRecipient_Create,
               OHIPCDeathRecipient* (*)(OH_OnDeathRecipientCallback,
                                        OH_OnDeathRecipientDestroyCallback,
                                        void*));
NCP_CHECK_DECL(OH_IPCDeathRecipient_Destroy, void (*)(OHIPCDeathRecipient*));
NCP_CHECK_DECL(OH_IPCRemoteProxy_AddDeathRecipient,
               int (*)(OHIPCRemoteProxy*, OHIPCDeathRecipient*));
NCP_CHECK_DECL(OH_IPCRemoteProxy_RemoveDeathRecipient,
               int (*)(OHIPCRemoteProxy*, OHIPCDeathRecipient*));
NCP_CHECK_DECL(OH_IPCRemoteProxy_IsRemoteDead,
               int (*)(const OHIPCRemoteProxy*));

// ---------------------------------------------------------------------------
// IPCKit: skeleton
// ---------------------------------------------------------------------------
NCP_CHECK_DECL(OH_IPCSkeleton_JoinWorkThread, void (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_StopWorkThread, void (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_GetCallingTokenId, uint64_t (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_GetFirstTokenId, uint64_t (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_GetSelfTokenId, uint64_t (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_GetCallingPid, uint64_t (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_GetCallingUid, uint64_t (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_IsLocalCalling, int (*)(void));
NCP_CHECK_DECL(OH_IPCSkeleton_SetMaxWorkThreadNum, int (*)(int));
NCP_CHECK_DECL(OH_IPCSkeleton_ResetCallingIdentity,
               int (*)(char**, int32_t*, OH_IPC_MemAllocator));
NCP_CHECK_DECL(OH_IPCSkeleton_SetCallingIdentity, int (*)(const char*));
NCP_CHECK_DECL(OH_IPCSkeleton_IsHandlingTransaction, int (*)(void));

// ---------------------------------------------------------------------------
// Run-time checks: the same facts, plus the initialisation idioms clients use.
// ---------------------------------------------------------------------------
static int g_failures = 0;

#define EXPECT_TRUE(cond)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures;                                                            \
    }                                                                          \
  } while (0)

#define EXPECT_EQ_LONG(expected, actual) \
  EXPECT_TRUE((long)(expected) == (long)(actual))

// A client-side start callback and exit callback, assigned to the public
// typedefs below: a prototype mismatch would not compile.
static void OnStarted(int errCode, OHIPCRemoteProxy* remoteProxy) {
  (void)errCode;
  (void)remoteProxy;
}

static void OnExit(int32_t pid, int32_t signal) {
  (void)pid;
  (void)signal;
}

static int OnRequest(uint32_t code, const OHIPCParcel* data, OHIPCParcel* reply,
                     void* userData) {
  (void)code;
  (void)data;
  (void)reply;
  (void)userData;
  return OH_IPC_USER_ERROR_CODE_MIN;
}

static void CheckLayouts(void) {
#if defined(__LP64__) || defined(_LP64)
  EXPECT_EQ_LONG(24, sizeof(NativeChildProcess_Fd));
  EXPECT_EQ_LONG(0, offsetof(NativeChildProcess_Fd, fdName));
  EXPECT_EQ_LONG(8, offsetof(NativeChildProcess_Fd, fd));
  EXPECT_EQ_LONG(16, offsetof(NativeChildProcess_Fd, next));
  EXPECT_EQ_LONG(8, sizeof(NativeChildProcess_FdList));
  EXPECT_EQ_LONG(0, offsetof(NativeChildProcess_FdList, head));
  EXPECT_EQ_LONG(16, sizeof(NativeChildProcess_Options));
  EXPECT_EQ_LONG(0, offsetof(NativeChildProcess_Options, isolationMode));
  EXPECT_EQ_LONG(8, offsetof(NativeChildProcess_Options, reserved));
  EXPECT_EQ_LONG(16, sizeof(NativeChildProcess_Args));
  EXPECT_EQ_LONG(0, offsetof(NativeChildProcess_Args, entryParams));
  EXPECT_EQ_LONG(8, offsetof(NativeChildProcess_Args, fdList));
  EXPECT_EQ_LONG(16, sizeof(OH_IPC_MessageOption));
  EXPECT_EQ_LONG(0, offsetof(OH_IPC_MessageOption, mode));
  EXPECT_EQ_LONG(4, offsetof(OH_IPC_MessageOption, timeout));
  EXPECT_EQ_LONG(8, offsetof(OH_IPC_MessageOption, reserved));
  EXPECT_EQ_LONG(4, offsetof(struct ncp_message_option_align_probe, option));
  EXPECT_EQ_LONG(8, offsetof(struct ncp_pack_restored_probe, p));
#else
  fprintf(stderr, "not LP64: layout checks skipped\n");
#endif
  EXPECT_EQ_LONG(sizeof(int), sizeof(Ability_NativeChildProcess_ErrCode));
  EXPECT_EQ_LONG(sizeof(int), sizeof(NativeChildProcess_IsolationMode));
  EXPECT_EQ_LONG(sizeof(int), sizeof(OH_IPC_ErrorCode));
  EXPECT_EQ_LONG(sizeof(int), sizeof(OH_IPC_RequestMode));
}

static void CheckAbilityEnums(void) {
  EXPECT_EQ_LONG(0, NCP_NO_ERROR);
  EXPECT_EQ_LONG(401, NCP_ERR_INVALID_PARAM);
  EXPECT_EQ_LONG(801, NCP_ERR_NOT_SUPPORTED);
  EXPECT_EQ_LONG(16000050, NCP_ERR_INTERNAL);
  EXPECT_EQ_LONG(16010001, NCP_ERR_BUSY);
  EXPECT_EQ_LONG(16010002, NCP_ERR_TIMEOUT);
  EXPECT_EQ_LONG(16010003, NCP_ERR_SERVICE_ERROR);
  EXPECT_EQ_LONG(16010004, NCP_ERR_MULTI_PROCESS_DISABLED);
  EXPECT_EQ_LONG(16010005, NCP_ERR_ALREADY_IN_CHILD);
  EXPECT_EQ_LONG(16010006, NCP_ERR_MAX_CHILD_PROCESSES_REACHED);
  EXPECT_EQ_LONG(16010007, NCP_ERR_LIB_LOADING_FAILED);
  EXPECT_EQ_LONG(16010008, NCP_ERR_CONNECTION_FAILED);
  EXPECT_EQ_LONG(16010009, NCP_ERR_CALLBACK_NOT_EXIST);
  EXPECT_EQ_LONG(16010010, NCP_ERR_INVALID_PID);
  EXPECT_EQ_LONG(0, NCP_ISOLATION_MODE_NORMAL);
  EXPECT_EQ_LONG(1, NCP_ISOLATION_MODE_ISOLATED);
}

static void CheckIpcEnums(void) {
  EXPECT_EQ_LONG(0, OH_IPC_SUCCESS);
  EXPECT_EQ_LONG(1901000, OH_IPC_ERROR_CODE_BASE);
  EXPECT_EQ_LONG(1901000, OH_IPC_CHECK_PARAM_ERROR);
  EXPECT_EQ_LONG(1901001, OH_IPC_PARCEL_WRITE_ERROR);
  EXPECT_EQ_LONG(1901002, OH_IPC_PARCEL_READ_ERROR);
  EXPECT_EQ_LONG(1901003, OH_IPC_MEM_ALLOCATOR_ERROR);
  EXPECT_EQ_LONG(1901004, OH_IPC_CODE_OUT_OF_RANGE);
  EXPECT_EQ_LONG(1901005, OH_IPC_DEAD_REMOTE_OBJECT);
  EXPECT_EQ_LONG(1901006, OH_IPC_INVALID_USER_ERROR_CODE);
  EXPECT_EQ_LONG(1901007, OH_IPC_INNER_ERROR);
  EXPECT_EQ_LONG(1902000, OH_IPC_ERROR_CODE_MAX);
  EXPECT_EQ_LONG(1909000, OH_IPC_USER_ERROR_CODE_MIN);
  EXPECT_EQ_LONG(1909999, OH_IPC_USER_ERROR_CODE_MAX);
  EXPECT_EQ_LONG(0, OH_IPC_REQUEST_MODE_SYNC);
  EXPECT_EQ_LONG(1, OH_IPC_REQUEST_MODE_ASYNC);
}

static void CheckClientIdioms(void) {
  // A two-node fd list and args built the way OpenHarmony samples do.
  NativeChildProcess_Fd second = {"fd2", 4, NULL};
  NativeChildProcess_Fd first = {"fd1", 3, &second};
  NativeChildProcess_Args args = {"params", {&first}};
  NativeChildProcess_Options options = {.isolationMode =
                                            NCP_ISOLATION_MODE_ISOLATED};
  OH_IPC_MessageOption message_option = {OH_IPC_REQUEST_MODE_ASYNC, 0};
  OH_Ability_OnNativeChildProcessStarted on_started = OnStarted;
  OH_Ability_OnNativeChildProcessExit on_exit = OnExit;
  OH_OnRemoteRequestCallback on_request = OnRequest;

  EXPECT_TRUE(args.fdList.head == &first);
  EXPECT_TRUE(args.fdList.head->next == &second);
  EXPECT_TRUE(args.fdList.head->next->next == NULL);
  EXPECT_EQ_LONG(3, args.fdList.head->fd);
  EXPECT_EQ_LONG(NCP_ISOLATION_MODE_ISOLATED, options.isolationMode);
  EXPECT_EQ_LONG(0, options.reserved);
  EXPECT_EQ_LONG(OH_IPC_REQUEST_MODE_ASYNC, message_option.mode);
  EXPECT_EQ_LONG(0, message_option.timeout);
  EXPECT_TRUE(message_option.reserved == NULL);
  EXPECT_TRUE(on_started == OnStarted);
  EXPECT_TRUE(on_exit == OnExit);
  EXPECT_EQ_LONG(OH_IPC_USER_ERROR_CODE_MIN, on_request(1, NULL, NULL, NULL));
}

int main(void) {
  CheckLayouts();
  CheckAbilityEnums();
  CheckIpcEnums();
  CheckClientIdioms();
  if (g_failures != 0) {
    fprintf(stderr, "c_header_test: %d check(s) failed\n", g_failures);
    return 1;
  }
  printf("c_header_test: all checks passed\n");
  return 0;
}
