// Process-global state of a child (trampoline side).
#ifndef NCP_API_CHILD_STATE_H_
#define NCP_API_CHILD_STATE_H_

#include "AbilityKit/native_child_process.h"

namespace ncp::api {

// What OH_Ability_GetCurrentChildProcessArgs() returns: set once, before
// the entry function runs, and never freed.
extern NativeChildProcess_Args* g_current_args;

}  // namespace ncp::api

#endif  // NCP_API_CHILD_STATE_H_
