// The benchmark behind `ncp bench`: every operation next to its baseline,
// sampled interleaved in one process run, unpinned and pinned to one CPU
// (shared/notes/performance.md), with the goals of the project's fast-path
// issue and a per-stage breakdown of spawns (ncp/trace.h).
#ifndef NCP_TOOLS_BENCH_BENCH_H_
#define NCP_TOOLS_BENCH_BENCH_H_

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "tools/bench/stats.h"

namespace ncp::bench {

struct Options {
  int iterations = 1000;       // samples per spawn operation
  int ipc_iterations = 20000;  // samples per 4-byte round trip (200 KB: /10)
  int warmup = 50;
  bool unpinned = true;
  bool pinned = true;
  bool stages = true;    // the traced pass (per-stage breakdown)
  bool ipc = true;       // IPC round trips
  bool capacity = true;  // 50 Create + 462 Start children alive at once
  // Directory holding libncp_bench_child.so, libncp_bench_service.so and
  // bench_helper (see FindFixtures).
  std::string fixtures;
  // Called now and then during a pass: (pass, operation, done, total).
  std::function<void(const std::string&, const std::string&, int, int)>
      progress;
};

// One line of the table.
struct Row {
  std::string operation;
  Summary summary;  // microseconds (or per-op figure, see unit)
  std::string unit = "us";
  std::string baseline;  // the row this one is compared with, or ""
  double ratio = 0;      // median / baseline median
  std::string goal;      // e.g. "<= 0.60x", or ""
  bool has_goal = false;
  bool pass = false;
};

// Median time per stage of traced spawns (ncp/trace.h).
struct StageRow {
  std::string operation;                                  // start_normal...
  std::vector<std::pair<std::string, double>> stages_us;  // name, median
  int samples = 0;
  int from_spare = 0;  // samples whose child was a zygote's spare
};

struct Pass {
  std::string name;  // "unpinned" or "pinned (cpu N)"
  std::vector<Row> rows;
  std::vector<StageRow> stages;
  // Per sampled section ("spawns", "ipc"): the share of CPU time, in
  // percent, that the hypervisor gave to other guests while this one's
  // CPUs wanted to run (/proc/stat "steal"). Medians and p99 taken while
  // it is high are the host's, not ours. -1: unknown (the kernel does not
  // say, or the section was shorter than a tick of /proc/stat).
  std::vector<std::pair<std::string, double>> steal_percent;
};

struct Report {
  std::string date;     // UTC, YYYY-MM-DD HH:MM
  std::string machine;  // CPUs, kernel
  std::vector<Pass> passes;
  std::string error;  // non-empty: the run failed (message)
};

// The fixtures next to `argv0`: Bazel runfiles (ncp.runfiles/...), or a
// "bench" directory beside the binary. "" if not found.
std::string FindFixtures(const char* argv0);

Report Run(const Options& options);

// Markdown-ish table (as in the README), or JSON.
void PrintTable(const Report& report, FILE* out);
std::string ToJson(const Report& report);

}  // namespace ncp::bench

#endif  // NCP_TOOLS_BENCH_BENCH_H_
