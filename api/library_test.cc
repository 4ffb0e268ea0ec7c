// The shipped library as an artifact: exports, soname, runpath, and that a
// copy of it alone (with libipc_capi.so when present) works from another
// directory.
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "AbilityKit/native_child_process.h"
#include "api/testing/child_test_util.h"
#include "base/testing/elf_info.h"
#include "gtest/gtest.h"

namespace {

// Every RUNPATH entry is relative to the library ($ORIGIN, which finds the
// sibling libipc_capi.so; Bazel adds $ORIGIN-relative entries for its own
// layout): nothing points into a build tree.
void ExpectRunpathIsRelative(const std::string& runpath) {
  bool has_origin = false;
  size_t start = 0;
  while (start <= runpath.size()) {
    size_t end = runpath.find(':', start);
    if (end == std::string::npos) end = runpath.size();
    std::string entry = runpath.substr(start, end - start);
    EXPECT_EQ(entry.rfind("$ORIGIN", 0), 0u) << entry;
    if (entry == "$ORIGIN") has_origin = true;
    start = end + 1;
  }
  EXPECT_TRUE(has_origin) << runpath;
}

const std::set<std::string>& ExpectedExports() {
  static const auto* names = new std::set<std::string>{
      "OH_Ability_CreateChildProcessConfigs",
      "OH_Ability_DestroyChildProcessConfigs",
      "OH_Ability_ChildProcessConfigs_SetIsolationMode",
      "OH_Ability_ChildProcessConfigs_SetIsolationUid",
      "OH_Ability_ChildProcessConfigs_SetProcessName",
      "OH_Ability_CreateNativeChildProcess",
      "OH_Ability_CreateNativeChildProcessWithConfigs",
      "OH_Ability_StartNativeChildProcess",
      "OH_Ability_StartNativeChildProcessWithConfigs",
      "OH_Ability_GetCurrentChildProcessArgs",
      "OH_Ability_RegisterNativeChildProcessExitCallback",
      "OH_Ability_UnregisterNativeChildProcessExitCallback",
      "OH_Ability_KillChildProcess",
      "OH_Ability_IsNativeChildProcessSupported",
      // The project's own extension (ncp/child_exit.h), the only non-OH_
      // names (decisions.md §4).
      "ncp_RegisterChildExitListener",
      "ncp_UnregisterChildExitListener",
      "ncp_ChildExitKindName",
      "ncp_SetupStageName",
      "ncp_GetSpawnStages",
      "ncp_SpawnStageName",
      "ncp_ChildProcessConfigs_AddSandboxPath",
      "ncp_ChildProcessConfigs_SetDataDir",
  };
  return *names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

TEST(LibraryTest, ExportsExactlyTheOhApiAndTheNcpExtension) {
  ncp::testing::ElfInfo info;
  ASSERT_TRUE(ncp::testing::ReadElfInfo("api/libchild_process.so", &info));
  std::set<std::string> exported(info.defined_symbols.begin(),
                                 info.defined_symbols.end());
  EXPECT_EQ(exported, ExpectedExports());
  EXPECT_EQ(info.soname, "libchild_process.so");
  EXPECT_EQ(info.runpath, "$ORIGIN");
  // One IPC runtime per process: the parent library uses libipc_capi.so,
  // it does not carry a copy.
  EXPECT_NE(std::find(info.needed.begin(), info.needed.end(), "libipc_capi.so"),
            info.needed.end());
}

bool g_sanitized = false;  // --sanitized: see main()

TEST(LibraryTest, TrampolineIsTheChildEditionOfTheSameApi) {
  ncp::testing::ElfInfo info;
  ASSERT_TRUE(ncp::testing::ReadElfInfo("api/ncp_child", &info));
  std::set<std::string> exported(info.defined_symbols.begin(),
                                 info.defined_symbols.end());
  EXPECT_EQ(info.soname, "libchild_process.so");
  if (g_sanitized) {
    // Sanitizer builds link libstdc++ dynamically (its interceptors need
    // it) and may export template instances; the API must be there.
    for (const std::string& name : ExpectedExports()) {
      EXPECT_EQ(exported.count(name), 1u) << name;
    }
    return;
  }
  // The API, plus the LeakSanitizer hook (api/child_main.cc) that only
  // sanitizer runtimes look for.
  std::set<std::string> expected = ExpectedExports();
  expected.insert("__lsan_is_turned_off");
  EXPECT_EQ(exported, expected);
  // A child loads nothing heavy before the user's library.
  for (const std::string& needed : info.needed) {
    EXPECT_TRUE(needed == "libc.so.6" || needed == "ld-linux-x86-64.so.2")
        << needed;
  }
}

TEST(LibraryTest, NoBuildTreePathsInside) {
  if (g_sanitized) {
    // Sanitizer builds keep debug info and source locations, which name
    // generated files under bazel-out; the dynamic section is still clean.
    ncp::testing::ElfInfo info;
    ASSERT_TRUE(ncp::testing::ReadElfInfo("api/libchild_process.so", &info));
    ExpectRunpathIsRelative(info.runpath);
    return;
  }
  std::string bytes = ReadFile("api/libchild_process.so");
  ASSERT_FALSE(bytes.empty());
  for (const char* path :
       {"bazel-out", "execroot", "/_solib_", "sandbox/linux"}) {
    EXPECT_EQ(bytes.find(path), std::string::npos) << path;
  }
}

TEST(LibraryTest, WorksWhenCopiedAlone) {
  const char* tmp = getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  std::string dir = std::string(tmp) + "/copied_lib";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  // The two shipped libraries, alone, side by side.
  for (const char* path : {"api/libchild_process.so", "ipc/libipc_capi.so"}) {
    std::string name =
        std::string(path).substr(std::string(path).find('/') + 1);
    std::ofstream(dir + "/" + name, std::ios::binary) << ReadFile(path);
  }
  void* handle =
      dlopen((dir + "/libchild_process.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto start = reinterpret_cast<decltype(&OH_Ability_StartNativeChildProcess)>(
      dlsym(handle, "OH_Ability_StartNativeChildProcess"));
  ASSERT_NE(start, nullptr);

  char path[] = "/tmp/ncp_copied_XXXXXX";
  int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  ncp::testing::FdList fds({{"fd1", file}});
  NativeChildProcess_Args args = {};
  args.fdList = fds.list();
  NativeChildProcess_Options options = {};
  int32_t pid = -1;
  std::string entry = ncp::testing::FixturePath("libncp_reporter.so") + ":Main";
  ASSERT_EQ(start(entry.c_str(), args, options, &pid), NCP_NO_ERROR);
  ASSERT_TRUE(ncp::testing::WaitForExit(pid));
  char buf[8] = {};
  EXPECT_EQ(pread(file, buf, sizeof(buf), 0), 4);
  EXPECT_STREQ(buf, "SUCC");
  close(file);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--sanitized") g_sanitized = true;
  }
  return RUN_ALL_TESTS();
}
