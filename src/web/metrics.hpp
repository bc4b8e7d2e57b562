// Request counters and a latency histogram, printed in the Prometheus text
// format at /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace tugra::web {

class Metrics {
 public:
  void observe(const std::string& route, int status, double seconds);
  // The exposition text; `extra` is appended (gauges owned by others).
  std::string render(const std::string& extra) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,  0.05,  0.1,    0.5,   1.0};
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::array<std::uint64_t, kBuckets.size() + 1>> buckets_;  // last: +Inf
  std::map<std::string, double> sums_;
};

}  // namespace tugra::web
