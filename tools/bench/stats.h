// Sample statistics for the benchmarks.
#ifndef NCP_TOOLS_BENCH_STATS_H_
#define NCP_TOOLS_BENCH_STATS_H_

#include <algorithm>
#include <vector>

namespace ncp::bench {

struct Summary {
  double min = 0, median = 0, p99 = 0;
  size_t n = 0;
};

inline Summary Summarize(std::vector<double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.median = samples[samples.size() / 2];
  s.p99 = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  return s;
}

}  // namespace ncp::bench

#endif  // NCP_TOOLS_BENCH_STATS_H_
