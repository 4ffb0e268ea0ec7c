// The shipped libipc_capi.so: exports, dependencies, and that the file alone
// is the whole runtime (copied to an empty directory, loaded by path, it
// round-trips a parcel and a cross-process request).
//
// This test does not link the IPC library: it only dlopen()s the copy.
#include <dlfcn.h>
#include <elf.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "IPCKit/ipc_kit.h"
#include "gtest/gtest.h"
#include "ipc/bridge.h"
#include "ipc/testing/peer_process.h"
#include "ipc/testing/peer_protocol.h"

namespace ncp::ipc::testing {
namespace {

std::string Runfile(const std::string& path) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || ws == nullptr) return path;
  return std::string(srcdir) + "/" + ws + "/" + path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string LibraryPath() { return Runfile("ipc/libipc_capi.so"); }

// Every function declared by the public headers: identifiers starting with
// "OH_" directly followed by "(" (callback typedefs are "(*OH_...)(").
std::set<std::string> DeclaredFunctions() {
  std::set<std::string> names;
  for (const char* h : {"ipc_cparcel.h", "ipc_cremote_object.h",
                        "ipc_cskeleton.h", "ipc_error_code.h"}) {
    std::string text =
        ReadFile(Runfile(std::string("ipc/include/IPCKit/") + h));
    EXPECT_FALSE(text.empty()) << h;
    for (size_t i = text.find("OH_"); i != std::string::npos;
         i = text.find("OH_", i + 1)) {
      if (i > 0 && (isalnum(static_cast<unsigned char>(text[i - 1])) ||
                    text[i - 1] == '_')) {
        continue;
      }
      size_t end = i;
      while (end < text.size() &&
             (isalnum(static_cast<unsigned char>(text[end])) ||
              text[end] == '_')) {
        ++end;
      }
      if (end < text.size() && text[end] == '(') {
        names.insert(text.substr(i, end - i));
      }
    }
  }
  return names;
}

struct DynamicInfo {
  std::vector<std::string> defined;
  std::vector<std::string> needed;
  std::string soname;
  bool has_rpath = false;
  std::vector<std::string> tls;  // thread-local objects (.symtab)
};

// Reads .dynsym/.dynstr, .dynamic and the TLS symbols of .symtab of an
// ELF64 file.
DynamicInfo ReadDynamic(const std::string& image) {
  DynamicInfo info;
  const char* base = image.data();
  if (image.size() < sizeof(Elf64_Ehdr)) return info;
  Elf64_Ehdr eh;
  memcpy(&eh, base, sizeof(eh));
  if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64) {
    return info;
  }
  std::vector<Elf64_Shdr> sections(eh.e_shnum);
  for (int i = 0; i < eh.e_shnum; ++i) {
    memcpy(&sections[i], base + eh.e_shoff + i * eh.e_shentsize,
           sizeof(Elf64_Shdr));
  }
  for (const Elf64_Shdr& s : sections) {
    if (s.sh_type == SHT_DYNSYM) {
      const Elf64_Shdr& strtab = sections[s.sh_link];
      for (size_t off = 0; off + sizeof(Elf64_Sym) <= s.sh_size;
           off += sizeof(Elf64_Sym)) {
        Elf64_Sym sym;
        memcpy(&sym, base + s.sh_offset + off, sizeof(sym));
        if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0) continue;
        info.defined.emplace_back(base + strtab.sh_offset + sym.st_name);
      }
    } else if (s.sh_type == SHT_SYMTAB) {
      const Elf64_Shdr& strtab = sections[s.sh_link];
      for (size_t off = 0; off + sizeof(Elf64_Sym) <= s.sh_size;
           off += sizeof(Elf64_Sym)) {
        Elf64_Sym sym;
        memcpy(&sym, base + s.sh_offset + off, sizeof(sym));
        if (ELF64_ST_TYPE(sym.st_info) != STT_TLS || sym.st_name == 0) continue;
        info.tls.emplace_back(base + strtab.sh_offset + sym.st_name);
      }
    } else if (s.sh_type == SHT_DYNAMIC) {
      const Elf64_Shdr& strtab = sections[s.sh_link];
      for (size_t off = 0; off + sizeof(Elf64_Dyn) <= s.sh_size;
           off += sizeof(Elf64_Dyn)) {
        Elf64_Dyn d;
        memcpy(&d, base + s.sh_offset + off, sizeof(d));
        const char* str = base + strtab.sh_offset + d.d_un.d_val;
        if (d.d_tag == DT_NEEDED) info.needed.emplace_back(str);
        if (d.d_tag == DT_SONAME) info.soname = str;
        if (d.d_tag == DT_RPATH || d.d_tag == DT_RUNPATH) {
          info.has_rpath = true;
        }
      }
    }
  }
  return info;
}

TEST(SharedLibraryTest, ExportsExactlyTheDeclaredApi) {
  const std::set<std::string> declared = DeclaredFunctions();
  EXPECT_EQ(declared.size(), 64u);
  DynamicInfo info = ReadDynamic(ReadFile(LibraryPath()));
  ASSERT_FALSE(info.defined.empty());
  std::set<std::string> exported;
  for (const std::string& name : info.defined) {
    EXPECT_EQ(name.rfind("OH_", 0), 0u) << "unexpected export: " << name;
    exported.insert(name);
  }
  EXPECT_EQ(exported, declared);
}

TEST(SharedLibraryTest, DependsOnGlibcOnly) {
  DynamicInfo info = ReadDynamic(ReadFile(LibraryPath()));
  EXPECT_EQ(info.soname, "libipc_capi.so");
  EXPECT_FALSE(info.has_rpath);
  const std::set<std::string> allowed = {"libc.so.6", "libm.so.6",
                                         "ld-linux-x86-64.so.2"};
  ASSERT_FALSE(info.needed.empty());
  for (const std::string& n : info.needed) {
    EXPECT_TRUE(allowed.count(n) == 1) << "unexpected DT_NEEDED: " << n;
  }
}

// No thread_local: every child dlopen()s this library, and glibc malloc()s
// a dlopen()ed library's TLS block; GCC 12's sanitizer runtime takes such a
// block that starts 16 bytes into a page for a glibc 2.19 header and
// LeakSanitizer's tracer crashes at exit. The one thread-local allowed is
// libstdc++'s exception globals (linked in), touched only by a throw.
TEST(SharedLibraryTest, HasNoThreadLocals) {
  DynamicInfo info = ReadDynamic(ReadFile(LibraryPath()));
  for (const std::string& name : info.tls) {
    EXPECT_EQ(name, "_ZZN12_GLOBAL__N_110get_globalEvE6global")
        << "thread-local in libipc_capi.so: " << name;
  }
}

TEST(SharedLibraryTest, CarriesNoBuildTreePaths) {
  const std::string image = ReadFile(LibraryPath());
  for (const char* needle : {"bazel-out", "execroot", "_bazel_", "/work/"}) {
    EXPECT_EQ(image.find(needle), std::string::npos) << needle;
  }
}

// The functions this test calls, resolved from the loaded copy.
struct Api {
  decltype(&OH_IPCParcel_Create) create;
  decltype(&OH_IPCParcel_Destroy) destroy;
  decltype(&OH_IPCParcel_WriteInt32) write_int32;
  decltype(&OH_IPCParcel_ReadInt32) read_int32;
  decltype(&OH_IPCParcel_WriteString) write_string;
  decltype(&OH_IPCParcel_ReadString) read_string;
  decltype(&OH_IPCParcel_GetDataSize) data_size;
  decltype(&OH_IPCRemoteProxy_SendRequest) send_request;
  decltype(&OH_IPCRemoteProxy_Destroy) destroy_proxy;
};

template <typename T>
void Resolve(void* lib, const char* name, T* out) {
  *out = reinterpret_cast<T>(dlsym(lib, name));
  ASSERT_NE(*out, nullptr) << name;
}

TEST(SharedLibraryTest, CopiedAloneItIsTheWholeRuntime) {
  char dir[] = "/tmp/ncp_ipc_so_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string copy = std::string(dir) + "/libipc_capi.so";
  {
    std::ofstream out(copy, std::ios::binary);
    out << ReadFile(LibraryPath());
  }
  void* lib = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  Api api;
  Resolve(lib, "OH_IPCParcel_Create", &api.create);
  Resolve(lib, "OH_IPCParcel_Destroy", &api.destroy);
  Resolve(lib, "OH_IPCParcel_WriteInt32", &api.write_int32);
  Resolve(lib, "OH_IPCParcel_ReadInt32", &api.read_int32);
  Resolve(lib, "OH_IPCParcel_WriteString", &api.write_string);
  Resolve(lib, "OH_IPCParcel_ReadString", &api.read_string);
  Resolve(lib, "OH_IPCParcel_GetDataSize", &api.data_size);
  Resolve(lib, "OH_IPCRemoteProxy_SendRequest", &api.send_request);
  Resolve(lib, "OH_IPCRemoteProxy_Destroy", &api.destroy_proxy);
  for (const std::string& name : DeclaredFunctions()) {
    EXPECT_NE(dlsym(lib, name.c_str()), nullptr) << name;
  }
  EXPECT_EQ(dlsym(lib, "_ZN3ncp3ipc8g_bridgeE"), nullptr);

  // A parcel round trip.
  OHIPCParcel* p = api.create();
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(api.write_int32(p, 579), 0);
  ASSERT_EQ(api.write_string(p, "so"), 0);
  EXPECT_EQ(api.data_size(p), 8);
  int32_t v = 0;
  ASSERT_EQ(api.read_int32(p, &v), 0);
  EXPECT_EQ(v, 579);
  EXPECT_STREQ(api.read_string(p), "so");
  api.destroy(p);

  // A cross-process request through the bridge of the loaded copy.
  const Bridge* bridge = FindBridge(api.create, api.destroy);
  ASSERT_NE(bridge, nullptr);
  PeerProcess peer({"serve"});
  ASSERT_GT(peer.pid(), 0);
  OHIPCRemoteProxy* proxy = nullptr;
  ASSERT_EQ(bridge->adopt_connection(peer.TakeFd(), nullptr, &proxy), 0);
  OHIPCParcel* data = api.create();
  OHIPCParcel* reply = api.create();
  api.write_int32(data, 123);
  const OH_IPC_MessageOption sync = {OH_IPC_REQUEST_MODE_SYNC, 0, nullptr};
  ASSERT_EQ(api.send_request(proxy, kEcho, data, reply, &sync), 0);
  ASSERT_EQ(api.read_int32(reply, &v), 0);
  EXPECT_EQ(v, 123);
  // Known once the peer's HELLO (which precedes its reply) was read.
  EXPECT_EQ(bridge->proxy_peer_pid(proxy), peer.pid());
  api.destroy(data);
  api.destroy(reply);
  api.destroy_proxy(proxy);
  peer.Kill();
  // The library stays loaded (its threads run until the process exits).
  unlink(copy.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace ncp::ipc::testing
