// Reads what a shared library exposes: defined dynamic symbols and
// DT_NEEDED entries (64-bit ELF, host byte order). For export tests.
#ifndef NCP_BASE_TESTING_ELF_INFO_H_
#define NCP_BASE_TESTING_ELF_INFO_H_

#include <string>
#include <vector>

namespace ncp::testing {

struct ElfInfo {
  std::vector<std::string> defined_symbols;  // global/weak, defined
  std::vector<std::string> needed;           // DT_NEEDED
  std::string soname;
  std::string runpath;  // DT_RUNPATH or DT_RPATH
};

// False if `path` cannot be read or is not a 64-bit ELF file.
bool ReadElfInfo(const std::string& path, ElfInfo* out);

}  // namespace ncp::testing

#endif  // NCP_BASE_TESTING_ELF_INFO_H_
