/*
 * ncp extension: how a native child process ended, exactly.
 *
 * OpenHarmony's OH_Ability_OnNativeChildProcessExit gets one int that is
 * either an exit status or a signal number, and only for Start*-type
 * children. This extension (not part of OpenHarmony; names start with ncp_ /
 * NCP_) reports every child of this process, of both flavours, with the kind
 * of ending spelled out.
 *
 * Usage
 * -----
 *   static void OnEnded(const NCP_ChildExitInfo* info, void* user_data) {
 *     if (info->kind == NCP_CHILD_KILLED && info->signal == SIGSEGV) ...
 *   }
 *   ncp_RegisterChildExitListener(OnEnded, my_state);
 *   ... start children ...
 *   ncp_UnregisterChildExitListener(OnEnded, my_state);
 *
 * Threading: listeners run on a library-owned thread (the same one as
 * OH_Ability_OnNativeChildProcessExit callbacks), one report at a time, in
 * registration order. `info` is valid only during the call.
 */
#ifndef NCP_CHILD_EXIT_H
#define NCP_CHILD_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a child ended. */
typedef enum NCP_ChildExitKind {
  /* It exited by itself: exit_code holds its status (0 after its entry
   * function or NativeChildProcess_MainProc returned; 127 if its library or
   * entry symbol could not be loaded). */
  NCP_CHILD_EXITED = 1,
  /* A signal killed it: signal, core_dumped. */
  NCP_CHILD_KILLED = 2,
  /* The ISOLATED sandbox's seccomp filter killed it (a system call of a
   * foreign architecture, e.g. int 0x80 on x86_64): syscall_nr, with
   * signal = SIGSYS. */
  NCP_CHILD_SECCOMP_KILLED = 3,
  /* It never ran the user's code: setting it up failed at setup_stage with
   * setup_errno. (The Start/Create call that asked for it returned an
   * error.) */
  NCP_CHILD_SETUP_FAILED = 4,
  /* A Create*-type child that did not connect within the start timeout;
   * the library killed it. */
  NCP_CHILD_START_TIMEOUT = 5,
  /* Reaped by someone else (the app's own waitpid(-1, ...)): unknown. */
  NCP_CHILD_STATUS_UNKNOWN = 6,
} NCP_ChildExitKind;

/* Setup stages, for NCP_CHILD_SETUP_FAILED (in execution order). */
typedef enum NCP_SetupStage {
  NCP_SETUP_CLONE = 0,
  NCP_SETUP_SIGNALS = 1,
  NCP_SETUP_USER_NAMESPACE = 2,
  NCP_SETUP_MOUNT_PRIVATE = 3,
  NCP_SETUP_MOUNT_ROOT = 4,
  NCP_SETUP_MOUNT = 5,
  NCP_SETUP_PIVOT_ROOT = 6,
  NCP_SETUP_HOSTNAME = 7,
  NCP_SETUP_LOOPBACK = 8,
  NCP_SETUP_FDS = 9,
  NCP_SETUP_CLOSE_FDS = 10,
  NCP_SETUP_CAPABILITIES = 11,
  NCP_SETUP_IDS = 12,
  NCP_SETUP_NO_NEW_PRIVS = 13,
  NCP_SETUP_PARENT_DEATH = 14,
  NCP_SETUP_SECCOMP = 15,
  NCP_SETUP_EXEC = 16,
} NCP_SetupStage;

typedef struct NCP_ChildExitInfo {
  int32_t pid; /* as returned by Start*, or seen by the parent */
  NCP_ChildExitKind kind;
  bool ipc_flavour;     /* started by OH_Ability_CreateNativeChildProcess* */
  bool isolated;        /* NCP_ISOLATION_MODE_ISOLATED */
  int32_t exit_code;    /* NCP_CHILD_EXITED */
  int32_t signal;       /* NCP_CHILD_KILLED, NCP_CHILD_SECCOMP_KILLED */
  bool core_dumped;     /* NCP_CHILD_KILLED */
  int32_t syscall_nr;   /* NCP_CHILD_SECCOMP_KILLED */
  int32_t syscall_arch; /* NCP_CHILD_SECCOMP_KILLED: AUDIT_ARCH_* */
  NCP_SetupStage setup_stage; /* NCP_CHILD_SETUP_FAILED */
  int32_t setup_errno;        /* NCP_CHILD_SETUP_FAILED */
} NCP_ChildExitInfo;

typedef void (*NCP_OnChildExit)(const NCP_ChildExitInfo* info, void* user_data);

/* Adds a listener for the ends of this process's children. The pair
 * (listener, user_data) is the key: registering it again does nothing.
 * Returns 0 (NCP_NO_ERROR), 401 if `listener` is NULL, 16010005 in a child. */
int ncp_RegisterChildExitListener(NCP_OnChildExit listener, void* user_data);

/* Removes a listener. Once this returns it is not called for later ends.
 * Returns 0, 401 if `listener` is NULL, 16010009 if the pair is not
 * registered. */
int ncp_UnregisterChildExitListener(NCP_OnChildExit listener, void* user_data);

/* "exited", "killed", ... ("unknown" for other values). Never NULL. */
const char* ncp_ChildExitKindName(NCP_ChildExitKind kind);

/* A short name of a setup stage ("mount", "seccomp", ...). Never NULL. */
const char* ncp_SetupStageName(NCP_SetupStage stage);

#ifdef __cplusplus
}
#endif

#endif /* NCP_CHILD_EXIT_H */
