// Stand-in for the generated trampoline_blob.cc (//api:trampoline_blob) in
// the API fuzzer. The fuzzer runs with NCP_MULTI_PROCESS=0, which stops every
// Start*/Create* before the launcher touches the trampoline (api_fuzzer.cc
// asserts that no call gets that far), so an empty blob is never used.
#include <cstddef>

namespace ncp::api {
extern const unsigned char kTrampoline[] = {0};
extern const size_t kTrampolineSize = 0;
}  // namespace ncp::api
