/*
 * ncp extension: configuring the ISOLATED sandbox of one child.
 *
 * An ISOLATED child (NCP_ISOLATION_MODE_ISOLATED) sees the system read-only,
 * its own library's directory, and fresh private /tmp, /dev/shm and app
 * data dir, and nothing else of the app's files (docs/design.md). These
 * functions (not OpenHarmony's; names start with ncp_) widen or move that
 * view for the children started with a given configs object. Process-wide
 * equivalents: NCP_DATA_DIR, NCP_SANDBOX_RO, NCP_SANDBOX_RW (colon-separated
 * absolute paths).
 *
 *   Ability_ChildProcessConfigs* c = OH_Ability_CreateChildProcessConfigs();
 *   OH_Ability_ChildProcessConfigs_SetIsolationMode(
 *       c, NCP_ISOLATION_MODE_ISOLATED);
 *   ncp_ChildProcessConfigs_AddSandboxPath(c, "/srv/models", false);
 *   ncp_ChildProcessConfigs_SetDataDir(c, "/var/lib/myapp");
 *   OH_Ability_StartNativeChildProcessWithConfigs("libworker.so:Main", args,
 *                                                 c, &pid);
 *
 * Paths are checked when set: absolute, no "." or ".." components, existing
 * (bind paths), not "/"; a writable path may not be a system directory.
 * The settings are copied at each Start/Create; they do nothing for NORMAL
 * children.
 */
#ifndef NCP_SANDBOX_H
#define NCP_SANDBOX_H

#include <stdbool.h>

#include "AbilityKit/native_child_process.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shows `path` (a file or directory of the app's) inside the sandbox at the
 * same path, read-only or read-write. Up to 64 paths per configs object.
 * Returns 0, or 401 if `configs` or `path` is NULL, the path is invalid (see
 * above), or 64 paths are already set. */
int ncp_ChildProcessConfigs_AddSandboxPath(Ability_ChildProcessConfigs* configs,
                                           const char* path, bool writable);

/* The path at which the child gets its fresh private data directory (instead
 * of NCP_DATA_DIR or ~/.local/share/<bundle>). The path need not exist.
 * Returns 0, or 401 if `configs` or `path` is NULL, or the path is not
 * absolute, has "." or ".." components, or is a system directory. */
int ncp_ChildProcessConfigs_SetDataDir(Ability_ChildProcessConfigs* configs,
                                       const char* path);

#ifdef __cplusplus
}
#endif

#endif /* NCP_SANDBOX_H */
