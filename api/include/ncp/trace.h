/*
 * ncp extension: where the time of a spawn goes.
 *
 * Not part of OpenHarmony's API. With the environment variable
 * NCP_TRACE_STAGES=1 set in the app when a child is started, the library
 * and the child record the CLOCK_MONOTONIC time at which each stage of the
 * spawn was reached; ncp_GetSpawnStages() returns them. Tracing costs a few
 * microseconds per spawn (a shared page), so it is off by default.
 *
 *   setenv("NCP_TRACE_STAGES", "1", 1);
 *   OH_Ability_StartNativeChildProcess(entry, args, options, &pid);
 *   ... once the child's entry has run ...
 *   NCP_SpawnStages stages;
 *   if (ncp_GetSpawnStages(pid, &stages) == NCP_NO_ERROR) ...
 *
 * Thread-safe. The library keeps the stages of the last 256 traced spawns.
 */
#ifndef NCP_TRACE_H
#define NCP_TRACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Stages in the order a spawn reaches them. A stage that was not reached
 * (or does not apply, e.g. MOUNTED for a NORMAL child) reads 0. */
typedef enum NCP_SpawnStage {
  /* Parent: the Start/Create call began (arguments checked). */
  NCP_STAGE_CALLED = 0,
  /* Parent: the launch began (limits reserved, library resolved). */
  NCP_STAGE_LAUNCHING = 1,
  /* Child: the new process runs, its namespaces exist (after clone). */
  NCP_STAGE_CLONED = 2,
  /* Child: ISOLATED only: its own file system view is in place. */
  NCP_STAGE_MOUNTED = 3,
  /* Child: fds, credentials, capabilities and seccomp are in place. */
  NCP_STAGE_SANDBOXED = 4,
  /* Child: the child runtime runs (after exec, or after the zygote's
   * fork). */
  NCP_STAGE_RUNNING = 5,
  /* Child: the user's library is loaded. */
  NCP_STAGE_LOADED = 6,
  /* Child: Start*: the entry function is about to be called. */
  NCP_STAGE_ENTRY = 7,
  /* Parent: the Start/Create call returns. */
  NCP_STAGE_RETURNED = 8,
  /* Child: Create*: NativeChildProcess_OnConnect returned its stub. */
  NCP_STAGE_CONNECTED = 9,
  /* Parent: Create*: the start callback is about to be called with the
   * proxy (the first IPC reply has arrived). */
  NCP_STAGE_PROXY = 10,
  NCP_STAGE_COUNT = 11
} NCP_SpawnStage;

typedef struct NCP_SpawnStages {
  /* CLOCK_MONOTONIC nanoseconds per stage; 0 if not reached. */
  int64_t ns[NCP_STAGE_COUNT];
  /* How the child came to be: 0 exec'd directly; 1 forked by the library's
   * zygote for this call; 2 a spare the zygote had forked in advance (with
   * its namespaces, for ISOLATED: see docs/design.md). */
  int32_t via_zygote;
  /* The pid of that zygote (via_zygote 1 or 2), else 0. */
  int32_t zygote_pid;
} NCP_SpawnStages;

/* The stages of child `pid` (as returned by OH_Ability_StartNativeChildProcess
 * or seen by the app for a Create* child). Stages the child has not reached
 * yet read 0; call again later to see them.
 * Returns NCP_NO_ERROR (0), NCP_ERR_INVALID_PARAM (401) if `out` is NULL, or
 * NCP_ERR_INVALID_PID (16010010) if no traced spawn of `pid` is known (it
 * was not traced, or is older than the last 256 traced spawns). */
int ncp_GetSpawnStages(int32_t pid, NCP_SpawnStages* out);

/* A short name for `stage` ("cloned", "loaded", ...); "unknown" otherwise. */
const char* ncp_SpawnStageName(NCP_SpawnStage stage);

#ifdef __cplusplus
}
#endif

#endif /* NCP_TRACE_H */
