// libncp_cpp.so: a C++ child library (libstdc++, exceptions, threads,
// static constructors) whose entry reports through the fd "out".
#include <unistd.h>

#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "AbilityKit/native_child_process.h"

namespace {

struct Global {
  Global() : value("constructed") {}
  std::string value;
};
Global g_global;

int FdNamed(const NativeChildProcess_Args& args, const std::string& name) {
  for (auto* n = args.fdList.head; n != nullptr; n = n->next) {
    if (name == n->fdName) return n->fd;
  }
  return -1;
}

}  // namespace

extern "C" void CppMain(NativeChildProcess_Args args) {
  int out = FdNamed(args, "out");
  std::string result = g_global.value;
  try {
    throw std::runtime_error("caught");
  } catch (const std::exception& e) {
    result += std::string(" ") + e.what();
  }
  std::vector<int> values(100);
  std::iota(values.begin(), values.end(), 1);
  int sum = 0;
  std::thread worker([&] {
    for (int v : values) sum += v;
  });
  worker.join();
  result += " " + std::to_string(sum) + " " + args.entryParams;
  if (out >= 0) {
    ssize_t n = write(out, result.data(), result.size());
    (void)n;
  }
}
