// The object behind the opaque Ability_ChildProcessConfigs handle.
#ifndef NCP_API_CONFIGS_H_
#define NCP_API_CONFIGS_H_

#include <string>
#include <utility>
#include <vector>

#include "AbilityKit/native_child_process.h"

struct Ability_ChildProcessConfigs {
  std::string process_name;                        // empty: the default name
  int isolation_mode = NCP_ISOLATION_MODE_NORMAL;  // any int a caller passed
  bool isolation_uid = false;
  // ncp/sandbox.h
  std::vector<std::pair<std::string, bool>> sandbox_paths;  // (path, writable)
  std::string data_dir;
};

#endif  // NCP_API_CONFIGS_H_
