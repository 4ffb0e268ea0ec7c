/*
 * AbilityKit native child process C API (Linux re-implementation of
 * OpenHarmony's <AbilityKit/native_child_process.h>, library
 * libchild_process.so; the IPC flavour also needs libipc_capi.so).
 *
 * Purpose
 * -------
 * Lets a process (the "app", or parent) start child processes that run native
 * code from a shared library. There are two flavours:
 *
 *   IPC flavour (OH_Ability_CreateNativeChildProcess[WithConfigs]):
 *     the child loads the library, calls its NativeChildProcess_OnConnect to
 *     obtain a stub, and the parent receives a proxy to that stub through an
 *     asynchronous callback. The parent then talks to the child with
 *     OH_IPCRemoteProxy_SendRequest (<IPCKit/ipc_kit.h>).
 *   Args flavour (OH_Ability_StartNativeChildProcess[WithConfigs]):
 *     the child loads the library and calls an entry function of the caller's
 *     choice with a string and a list of named file descriptors. The call
 *     returns the child's pid.
 *
 * A child is NOT a fork of its parent: it is a fresh process running a fresh
 * program image. It shares no memory, globals or threads with the parent and
 * inherits none of its open file descriptors except the standard streams and
 * the descriptors passed in the args' fd list. A child never outlives its
 * parent: when the parent process dies, all its children are killed. A child
 * cannot start children of its own.
 *
 * Usage order
 * -----------
 *   1. (optional) configs = OH_Ability_CreateChildProcessConfigs(), then
 *      OH_Ability_ChildProcessConfigs_Set*(configs, ...).
 *   2. (optional, args flavour) register an exit callback with
 *      OH_Ability_RegisterNativeChildProcessExitCallback.
 *   3. OH_Ability_CreateNativeChildProcess*(lib, ..., on_started) or
 *      OH_Ability_StartNativeChildProcess*("lib:Entry", args, ..., &pid).
 *      Every argument is copied (fds duplicated) before the call returns, so
 *      strings, fds and the configs object may be freed, closed or reused
 *      immediately afterwards.
 *   4. IPC flavour: on_started(0, proxy) runs later on a library thread; use
 *      the proxy, then free it with OH_IPCRemoteProxy_Destroy.
 *   5. OH_Ability_DestroyChildProcessConfigs(configs) (any time after step 3).
 *   6. (optional) OH_Ability_KillChildProcess(pid).
 *
 * Example
 * -------
 *   static void OnStarted(int errCode, OHIPCRemoteProxy* proxy) {
 *     if (errCode != NCP_NO_ERROR) return;  // proxy is NULL then
 *     // ... OH_IPCRemoteProxy_SendRequest(proxy, ...) ...
 *     OH_IPCRemoteProxy_Destroy(proxy);
 *   }
 *
 *   int rc = OH_Ability_CreateNativeChildProcess("libworker.so", OnStarted);
 *
 *   NativeChildProcess_Fd log = {.fdName = "log", .fd = log_fd, .next = NULL};
 *   NativeChildProcess_Args args = {.entryParams = "mode=fast",
 *                                   .fdList = {.head = &log}};
 *   NativeChildProcess_Options opts = {.isolationMode =
 *                                          NCP_ISOLATION_MODE_NORMAL};
 *   int32_t pid = -1;
 *   Ability_NativeChildProcess_ErrCode err =
 *       OH_Ability_StartNativeChildProcess("libworker.so:WorkerMain", args,
 *                                          opts, &pid);
 *
 * Threading
 * ---------
 * Every function may be called from any thread, concurrently. A single
 * configs object is not synchronised: do not modify it from two threads at
 * once, nor while another thread passes it to a Create/Start call.
 * Start and exit callbacks always run on a thread owned by the library, never
 * on the caller's thread; a start callback may run before the Create call
 * that requested it has returned. Callbacks should return promptly.
 *
 * Limits (per parent process; exceeding one gives the code shown)
 * ---------------------------------------------------------------
 *   - 512 live children of all kinds together             -> 16010006
 *   - 50 live IPC-flavour (Create*) children              -> 16010006
 *     (args-flavour children do not count toward the 50)
 *   - 16 distinct fd names per Start call                 -> 401
 *   - fd names of 1..20 bytes                             -> 401
 *   - entryParams up to 153,600 bytes (150 KiB, without
 *     the terminator)                                     -> 401
 *   - custom process names of 1..64 characters from
 *     [A-Za-z0-9_]                                        -> 401
 * A child stops counting toward the limits once its exit has been observed.
 *
 * Linux specifics
 * ---------------
 *   - Bundle name: the value of NCP_BUNDLE_NAME if set, else the short name of
 *     the main executable.
 *   - Library lookup: a bare library name is searched, in order, in every
 *     directory of NCP_LIBRARY_PATH (colon-separated), in the directory of
 *     the main executable, then by the ordinary dlopen search
 *     (LD_LIBRARY_PATH, rpath, ld.so cache). An absolute path is used as is.
 *     A name containing "../" is refused with 401.
 *   - Process name: "<bundle>:<custom name>" when a name was set with
 *     OH_Ability_ChildProcessConfigs_SetProcessName, else
 *     "<bundle>:Native_<stem><counter>", where <stem> is the library's file
 *     name without its last extension and <counter> a per-parent count of
 *     start requests, starting at 0 (e.g. "myapp:Native_libworker3"). The
 *     whole name is the child's argv[0], visible in /proc/<pid>/cmdline; as
 *     much as fits (15 bytes) is its comm (/proc/<pid>/comm, ps).
 *   - Multi-process switch: on by default; NCP_MULTI_PROCESS=0 makes every
 *     Create/Start call return 16010004.
 *   - App data directory: NCP_DATA_DIR if set, else $XDG_DATA_HOME/<bundle>
 *     (default ~/.local/share/<bundle>).
 *   - NCP_ISOLATION_MODE_ISOLATED: the child gets its own mount, network (only
 *     "lo"), pid, ipc and uts namespaces; the system read-only; fresh empty
 *     /tmp, /dev/shm and app data directory; the parent's data directory,
 *     $HOME and /tmp invisible; a minimal /dev; no capabilities,
 *     no_new_privs and a seccomp filter. Descriptors passed in the fd list
 *     still work. Isolation is never silently weakened: where the kernel
 *     cannot provide it (e.g. unprivileged user namespaces are disabled), the
 *     call fails with 801. NCP_ISOLATION_MODE_NORMAL children share the
 *     parent's file system view, network and uid.
 *
 * What the child library must export (C linkage, default visibility)
 * ------------------------------------------------------------------
 * These are looked up by name with dlsym; they are not declared here.
 *
 *   IPC flavour:
 *     OHIPCRemoteStub* NativeChildProcess_OnConnect(void);
 *     void NativeChildProcess_MainProc(void);
 *   The child calls OnConnect on its main thread. If it returns NULL the
 *   parent's callback gets (16010008, NULL), MainProc is NOT called, and the
 *   child exits. Otherwise the stub is sent to the parent and MainProc runs on
 *   the main thread; the stub keeps serving requests on IPC worker threads
 *   meanwhile. MainProc normally blocks until the parent tells the child to
 *   finish (for example through a request). When MainProc returns, the child
 *   exits.
 *
 *   Args flavour: any function name, with this signature:
 *     void Name(NativeChildProcess_Args args);
 *   It runs on the child's main thread and receives a fresh copy of the args:
 *   entryParams is never NULL ("" when the parent passed NULL or ""); fdList
 *   is sorted by name in byte order (head is NULL when no fd was passed); each
 *   fd is a descriptor of the child, owned by it (the library never closes
 *   it), whose number may differ from the parent's but which refers to the
 *   same open file description. When the function returns, the child exits
 *   with status 0; threads still running die with it. The same args are
 *   available anywhere in the child through
 *   OH_Ability_GetCurrentChildProcessArgs.
 *
 * If the library or a symbol cannot be found, an IPC-flavour child reports
 * 16010007 to the parent's callback; an args-flavour child writes one line
 * naming the library or symbol and the dlerror() text to its stderr and exits
 * with status 127 (the Start call itself has already returned 0).
 */

#ifndef CAPI_INCLUDE_NATIVE_CHILD_PROCESS_H
#define CAPI_INCLUDE_NATIVE_CHILD_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "IPCKit/ipc_cparcel.h"

#ifdef __cplusplus
extern "C" {
#endif

// Ability_NativeChildProcess_ErrCode
//
// Result codes of this API (int-sized). Values are OpenHarmony's.
typedef enum Ability_NativeChildProcess_ErrCode {
  // Success.
  NCP_NO_ERROR = 0,
  // An argument is invalid; each function lists the exact conditions.
  NCP_ERR_INVALID_PARAM = 401,
  // The system cannot provide what was asked, e.g. ISOLATED mode where the
  // kernel cannot create the needed namespaces.
  NCP_ERR_NOT_SUPPORTED = 801,
  // Internal failure (out of resources, process creation failed, a child
  // died before connecting, ...).
  NCP_ERR_INTERNAL = 16000050,
  // Another creation is in flight. Only OpenHarmony API 12-14 returned it;
  // never returned by this implementation.
  NCP_ERR_BUSY = 16010001,
  // An IPC-flavour child did not connect within the start timeout. Delivered
  // only through OH_Ability_OnNativeChildProcessStarted, never returned.
  NCP_ERR_TIMEOUT = 16010002,
  // A system service failed. This implementation has no system service and
  // never returns it; kept for source compatibility.
  NCP_ERR_SERVICE_ERROR = 16010003,
  // Multi-process mode is off (NCP_MULTI_PROCESS=0).
  NCP_ERR_MULTI_PROCESS_DISABLED = 16010004,
  // The caller is itself a native child process.
  NCP_ERR_ALREADY_IN_CHILD = 16010005,
  // A child count limit was reached (512 in total, 50 IPC-flavour).
  NCP_ERR_MAX_CHILD_PROCESSES_REACHED = 16010006,
  // The child could not load the library or find a required symbol.
  // Delivered only through OH_Ability_OnNativeChildProcessStarted.
  NCP_ERR_LIB_LOADING_FAILED = 16010007,
  // The child's NativeChildProcess_OnConnect returned NULL. Delivered only
  // through OH_Ability_OnNativeChildProcessStarted.
  NCP_ERR_CONNECTION_FAILED = 16010008,
  // OH_Ability_UnregisterNativeChildProcessExitCallback: the callback is not
  // registered.
  NCP_ERR_CALLBACK_NOT_EXIST = 16010009,
  // OH_Ability_KillChildProcess: the pid is not a live child of the caller.
  NCP_ERR_INVALID_PID = 16010010,
} Ability_NativeChildProcess_ErrCode;

// NativeChildProcess_IsolationMode
//
// How much a child is separated from its parent. Any value other than
// NCP_ISOLATION_MODE_ISOLATED behaves as NCP_ISOLATION_MODE_NORMAL.
typedef enum NativeChildProcess_IsolationMode {
  // Shares the parent's file system view, network and uid.
  NCP_ISOLATION_MODE_NORMAL = 0,
  // Own sandbox and no network; see "Linux specifics" above.
  NCP_ISOLATION_MODE_ISOLATED = 1,
} NativeChildProcess_IsolationMode;

// Ability_ChildProcessConfigs
//
// Opaque settings for the *WithConfigs functions: custom process name
// (default: none), isolation mode (default NORMAL) and isolation uid (default
// false). Created with OH_Ability_CreateChildProcessConfigs and freed with
// OH_Ability_DestroyChildProcessConfigs; never allocated by clients.
typedef struct Ability_ChildProcessConfigs Ability_ChildProcessConfigs;

// OH_Ability_CreateChildProcessConfigs()
//
// Allocates a configs object holding the defaults. The caller owns it and
// frees it with OH_Ability_DestroyChildProcessConfigs.
// Returns the new object, or NULL only if memory is exhausted.
Ability_ChildProcessConfigs* OH_Ability_CreateChildProcessConfigs(void);

// OH_Ability_DestroyChildProcessConfigs()
//
// Frees `configs`, which must not be used afterwards. Children already
// started with it are unaffected.
// Returns:
//   NCP_NO_ERROR           `configs` was freed;
//   NCP_ERR_INVALID_PARAM  `configs` is NULL.
Ability_NativeChildProcess_ErrCode OH_Ability_DestroyChildProcessConfigs(
    Ability_ChildProcessConfigs* configs);

// OH_Ability_ChildProcessConfigs_SetIsolationMode()
//
// Stores `isolationMode` in `configs`, without validation (any value other
// than NCP_ISOLATION_MODE_ISOLATED later behaves as NORMAL). It applies to
// both OH_Ability_CreateNativeChildProcessWithConfigs and
// OH_Ability_StartNativeChildProcessWithConfigs.
// Returns:
//   NCP_NO_ERROR           the mode was stored;
//   NCP_ERR_INVALID_PARAM  `configs` is NULL.
Ability_NativeChildProcess_ErrCode
OH_Ability_ChildProcessConfigs_SetIsolationMode(
    Ability_ChildProcessConfigs* configs,
    NativeChildProcess_IsolationMode isolationMode);

// OH_Ability_ChildProcessConfigs_SetIsolationUid()
//
// Stores whether an ISOLATED child also gets a uid and gid of its own,
// different from the parent's (when running as root: taken from the range
// 110000-119999; otherwise the separate ids user namespaces allow). Has no
// effect unless the isolation mode is NCP_ISOLATION_MODE_ISOLATED.
// Returns:
//   NCP_NO_ERROR           the flag was stored;
//   NCP_ERR_INVALID_PARAM  `configs` is NULL.
Ability_NativeChildProcess_ErrCode
OH_Ability_ChildProcessConfigs_SetIsolationUid(
    Ability_ChildProcessConfigs* configs, bool isolationUid);

// OH_Ability_ChildProcessConfigs_SetProcessName()
//
// Stores a copy of `processName` (the caller keeps ownership of the string),
// replacing any earlier name. A child started with these configs is named
// "<bundle>:<processName>" (see "Linux specifics").
// Returns (conditions checked in this order):
//   NCP_ERR_INVALID_PARAM  `configs` is NULL;
//   NCP_ERR_INVALID_PARAM  `processName` is NULL;
//   NCP_ERR_INVALID_PARAM  `processName` is empty;
//   NCP_ERR_INVALID_PARAM  `processName` is longer than 64 characters;
//   NCP_ERR_INVALID_PARAM  `processName` has a character outside
//                          [A-Za-z0-9_];
//   NCP_NO_ERROR           the name was stored.
Ability_NativeChildProcess_ErrCode
OH_Ability_ChildProcessConfigs_SetProcessName(
    Ability_ChildProcessConfigs* configs, const char* processName);

// OH_Ability_OnNativeChildProcessStarted
//
// Receives the outcome of one OH_Ability_CreateNativeChildProcess* call. It
// is called exactly once for every such call that returned 0, and never for
// a call that returned an error. It runs on a library-owned thread.
//   errCode == NCP_NO_ERROR (0): `remoteProxy` is a new proxy to the stub the
//     child's NativeChildProcess_OnConnect returned. The callee owns it: it
//     stays usable after the callback returns and must be freed exactly once
//     with OH_IPCRemoteProxy_Destroy.
//   Otherwise `remoteProxy` is NULL and errCode is one of:
//     NCP_ERR_LIB_LOADING_FAILED  the child could not load the library or
//                                 find NativeChildProcess_OnConnect or
//                                 NativeChildProcess_MainProc;
//     NCP_ERR_CONNECTION_FAILED   NativeChildProcess_OnConnect returned NULL;
//     NCP_ERR_INTERNAL            the child died before connecting;
//     NCP_ERR_TIMEOUT             the child did not connect within the start
//                                 timeout (10 s by default; set
//                                 NCP_START_TIMEOUT_MS to change it); the
//                                 child is killed.
typedef void (*OH_Ability_OnNativeChildProcessStarted)(
    int errCode, OHIPCRemoteProxy* remoteProxy);

// OH_Ability_CreateNativeChildProcess()
//
// Starts an IPC-flavour child that loads `libName` (see "Library lookup") and
// reports through `onProcessStarted`. Returns as soon as the child has been
// created; the library is loaded and connected asynchronously. `libName` is
// copied; the caller keeps ownership. Several creations may be in flight at
// once. The child is NORMAL (not isolated) and gets the default process name.
// Watch its lifetime with a death recipient on the proxy
// (OH_IPCRemoteProxy_AddDeathRecipient); exit callbacks do not cover it.
// Returns (parameter checks first, in this order):
//   NCP_ERR_INVALID_PARAM  `libName` is NULL or empty, or `onProcessStarted`
//                          is NULL;
//   NCP_ERR_INVALID_PARAM  `libName` contains "../";
//   NCP_ERR_ALREADY_IN_CHILD        the caller is itself a native child
//                                   process;
//   NCP_ERR_MULTI_PROCESS_DISABLED  NCP_MULTI_PROCESS=0;
//   NCP_ERR_MAX_CHILD_PROCESSES_REACHED  512 live children, or 50 live
//                                   IPC-flavour children, already exist;
//   NCP_ERR_INTERNAL       the child could not be created (out of resources,
//                          process creation failed, ...);
//   NCP_NO_ERROR           the child was created; `onProcessStarted` will be
//                          called exactly once.
// A missing library or symbol is not detected here: it is reported to the
// callback as NCP_ERR_LIB_LOADING_FAILED.
int OH_Ability_CreateNativeChildProcess(
    const char* libName,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted);

// OH_Ability_CreateNativeChildProcessWithConfigs()
//
// Same as OH_Ability_CreateNativeChildProcess, but the child's process name,
// isolation mode and isolation uid come from `configs`. The settings are
// copied: `configs` stays owned by the caller and may be destroyed or changed
// as soon as the call returns.
// Returns (parameter checks first, in this order):
//   NCP_ERR_INVALID_PARAM  `libName` is NULL or empty, `configs` is NULL, or
//                          `onProcessStarted` is NULL;
//   NCP_ERR_INVALID_PARAM  `libName` contains "../";
//   NCP_ERR_ALREADY_IN_CHILD        the caller is itself a native child
//                                   process;
//   NCP_ERR_MULTI_PROCESS_DISABLED  NCP_MULTI_PROCESS=0;
//   NCP_ERR_MAX_CHILD_PROCESSES_REACHED  512 live children, or 50 live
//                                   IPC-flavour children, already exist;
//   NCP_ERR_NOT_SUPPORTED  the mode is ISOLATED and this system cannot
//                          provide the isolation asked for (including a
//                          separate uid when requested);
//   NCP_ERR_INTERNAL       the child could not be created;
//   NCP_NO_ERROR           the child was created; `onProcessStarted` will be
//                          called exactly once.
Ability_NativeChildProcess_ErrCode
OH_Ability_CreateNativeChildProcessWithConfigs(
    const char* libName, Ability_ChildProcessConfigs* configs,
    OH_Ability_OnNativeChildProcessStarted onProcessStarted);

// NativeChildProcess_Fd
//
// One named file descriptor passed to an args-flavour child; a node of a
// singly-linked list.
typedef struct NativeChildProcess_Fd {
  // NUL-terminated name, 1..20 bytes, unique key in the list (if a name
  // repeats, the first node with that name wins).
  char* fdName;
  // In the parent: an open descriptor of the caller, who keeps owning it (the
  // library duplicates it). In the child: a descriptor owned by the child.
  int32_t fd;
  // Next node, or NULL at the end of the list.
  struct NativeChildProcess_Fd* next;
} NativeChildProcess_Fd;

// NativeChildProcess_FdList
//
// A list of NativeChildProcess_Fd nodes; `head` is NULL for an empty list.
typedef struct NativeChildProcess_FdList {
  struct NativeChildProcess_Fd* head;
} NativeChildProcess_FdList;

// NativeChildProcess_Options
//
// Options of OH_Ability_StartNativeChildProcess. Initialise it fully, e.g.
// `NativeChildProcess_Options o = {.isolationMode = ...};`.
typedef struct NativeChildProcess_Options {
  // See NativeChildProcess_IsolationMode.
  NativeChildProcess_IsolationMode isolationMode;
  // Ignored; set it to 0.
  int64_t reserved;
} NativeChildProcess_Options;

// NativeChildProcess_Args
//
// Arguments of an args-flavour child, passed BY VALUE both to the Start
// functions and to the child's entry function.
typedef struct NativeChildProcess_Args {
  // NUL-terminated string of at most 153,600 bytes (terminator excluded). In
  // the parent it may be NULL, meaning "". In the child it is never NULL.
  char* entryParams;
  // Named file descriptors; see NativeChildProcess_Fd.
  struct NativeChildProcess_FdList fdList;
} NativeChildProcess_Args;

// OH_Ability_StartNativeChildProcess()
//
// Starts an args-flavour child running the function named in `entry`, of the
// form "<library>:<function>" (e.g. "libworker.so:WorkerMain"). The entry is
// split at its LAST ':'; the library part is found as described in "Library
// lookup". The call is synchronous: it returns once the child process exists,
// without waiting for the library to load or the function to run. On success
// the child's pid is stored in `*pid`; on failure `*pid` is left untouched.
//
// Ownership: `entry`, `args.entryParams` and every fd name are copied and
// every fd duplicated before the call returns; the caller keeps ownership of
// all of them and may free or close them right away. `pid` is owned by the
// caller. `options.reserved` is ignored; isolation is enabled only when
// `options.isolationMode` is NCP_ISOLATION_MODE_ISOLATED.
//
// Returns (parameter checks first, in this order):
//   NCP_ERR_INVALID_PARAM  `entry` is NULL or empty;
//   NCP_ERR_INVALID_PARAM  `entry` contains no ':';
//   NCP_ERR_INVALID_PARAM  the library part of `entry` contains "../";
//   NCP_ERR_INVALID_PARAM  `pid` is NULL;
//   NCP_ERR_INVALID_PARAM  a node of `args.fdList` has a NULL or empty
//                          `fdName`, or one longer than 20 bytes;
//   NCP_ERR_INVALID_PARAM  a node's `fd` is negative or not an open
//                          descriptor (only the first node of each name
//                          counts: a later duplicate's fd is ignored);
//   NCP_ERR_INVALID_PARAM  the list holds more than 16 distinct names, or
//                          more than 1024 nodes (a bound on the walk, which
//                          also stops a cyclic list);
//   NCP_ERR_INVALID_PARAM  `args.entryParams` is longer than 153,600 bytes;
//   NCP_ERR_ALREADY_IN_CHILD        the caller is itself a native child
//                                   process;
//   NCP_ERR_MULTI_PROCESS_DISABLED  NCP_MULTI_PROCESS=0;
//   NCP_ERR_MAX_CHILD_PROCESSES_REACHED  512 live children already exist;
//   NCP_ERR_NOT_SUPPORTED  ISOLATED was asked for and this system cannot
//                          provide it;
//   NCP_ERR_INTERNAL       the child could not be created (out of resources,
//                          process creation failed, ...);
//   NCP_NO_ERROR           the child exists and `*pid` holds its pid.
// A missing library or function is not an error here: the call returns 0 and
// the child exits with status 127 (see the file comment).
Ability_NativeChildProcess_ErrCode OH_Ability_StartNativeChildProcess(
    const char* entry, NativeChildProcess_Args args,
    NativeChildProcess_Options options, int32_t* pid);

// OH_Ability_StartNativeChildProcessWithConfigs()
//
// Same as OH_Ability_StartNativeChildProcess, but the process name,
// isolation mode and isolation uid come from `configs`, which is copied and
// stays owned by the caller (it may be destroyed as soon as the call returns).
// Returns: the same codes under the same conditions as
// OH_Ability_StartNativeChildProcess, where the first check is:
//   NCP_ERR_INVALID_PARAM  `entry` is NULL or empty, or `configs` is NULL;
// and NCP_ERR_NOT_SUPPORTED also covers a separate uid that this system
// cannot provide.
Ability_NativeChildProcess_ErrCode
OH_Ability_StartNativeChildProcessWithConfigs(
    const char* entry, NativeChildProcess_Args args,
    Ability_ChildProcessConfigs* configs, int32_t* pid);

// OH_Ability_GetCurrentChildProcessArgs()
//
// In an args-flavour child, returns the arguments its entry function
// received: the same entryParams string and fd nodes (not copies). The result
// is valid for the whole life of the child, may be read from any thread and
// any library of the child, and is owned by the library: do not free or
// modify it or anything it points to.
// Returns NULL in every other process: the parent, an IPC-flavour child, or
// an args-flavour child before its arguments are set up.
NativeChildProcess_Args* OH_Ability_GetCurrentChildProcessArgs(void);

// OH_Ability_OnNativeChildProcessExit
//
// Receives the exit of an args-flavour child (started by
// OH_Ability_StartNativeChildProcess*) of this process. Called once per child
// exit, on a library-owned thread, for every exit, normal or not:
//   pid     the child's pid;
//   signal  the number of the signal that killed the child (e.g. 9 after
//           OH_Ability_KillChildProcess, 11 on SIGSEGV, 6 on abort), or the
//           child's exit status if it exited normally (0 after its entry
//           function returned, 127 if its library or function was missing);
//           -1 if the status was lost because the app itself reaped the
//           child (e.g. a waitpid(-1, ...) loop: execve makes children
//           report SIGCHLD, so such loops can see them).
// IPC-flavour children are not reported; use death recipients for them.
typedef void (*OH_Ability_OnNativeChildProcessExit)(int32_t pid,
                                                    int32_t signal);

// OH_Ability_RegisterNativeChildProcessExitCallback()
//
// Adds `onProcessExit` to this process's list of exit callbacks. Registering
// a function that is already in the list does nothing (it is still called
// only once per exit). On each exit the registered functions are called in
// registration order. The list is copied before each dispatch, so a callback
// may register or unregister callbacks; the change applies to later exits.
// Returns:
//   NCP_NO_ERROR           `onProcessExit` is registered (now or already);
//   NCP_ERR_INVALID_PARAM  `onProcessExit` is NULL;
//   NCP_ERR_INTERNAL       the library could not set up exit watching; the
//                          callback is not registered.
Ability_NativeChildProcess_ErrCode
OH_Ability_RegisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit);

// OH_Ability_UnregisterNativeChildProcessExitCallback()
//
// Removes `onProcessExit` from the list of exit callbacks. Once this returns
// it is not called for later exits (a call already in progress on another
// thread may still finish).
// Returns:
//   NCP_NO_ERROR                `onProcessExit` was removed;
//   NCP_ERR_INVALID_PARAM       `onProcessExit` is NULL;
//   NCP_ERR_CALLBACK_NOT_EXIST  `onProcessExit` is not registered;
//   NCP_ERR_INTERNAL            the list became empty and tearing down exit
//                               watching failed; the callback was removed
//                               anyway.
Ability_NativeChildProcess_ErrCode
OH_Ability_UnregisterNativeChildProcessExitCallback(
    OH_Ability_OnNativeChildProcessExit onProcessExit);

// OH_Ability_KillChildProcess()
//
// Sends SIGKILL to `pid`, a live child of this process of either flavour,
// then waits (at most 10 s) until the library has observed its exit, so that
// the child no longer counts toward the limits when this returns. An
// args-flavour child's exit is reported to the exit callbacks with signal 9
// (on the callback thread, possibly after this returns); the proxy of an
// IPC-flavour child becomes dead (death recipients fire).
// Returns:
//   NCP_NO_ERROR         the signal was sent;
//   NCP_ERR_INVALID_PID  `pid` is not a child started by this process that is
//                        still alive: pid <= 0, an unknown pid, another
//                        process's child, or a child whose exit has already
//                        been observed;
//   NCP_ERR_INTERNAL     the signal could not be sent for another reason.
Ability_NativeChildProcess_ErrCode OH_Ability_KillChildProcess(int32_t pid);

// OH_Ability_IsNativeChildProcessSupported()
//
// Returns true if this process can start native children at all, false if
// every Create/Start call would fail whatever its arguments: multi-process
// mode is off (NCP_MULTI_PROCESS=0), the caller is itself a native child
// process, or the library's child runtime cannot run on this system. It does
// not tell whether ISOLATED mode is available, nor whether a count limit is
// currently reached.
bool OH_Ability_IsNativeChildProcessSupported(void);

#ifdef __cplusplus
}
#endif

#endif  // CAPI_INCLUDE_NATIVE_CHILD_PROCESS_H
