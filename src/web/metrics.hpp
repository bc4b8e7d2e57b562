// Request counters and a latency histogram, printed in the Prometheus text
// format at /metrics. Lock-free: every request updates a few atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace tugra::web {

enum class Route { ocsp, tsa, crl, ca, healthz, metrics, portal, other, count };
const char* route_name(Route route);

class Metrics {
 public:
  void observe(Route route, int status, double seconds);
  // The exposition text; `extra` is appended (gauges owned by others).
  std::string render(const std::string& extra) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,  0.05,  0.1,    0.5,   1.0};
  static constexpr std::array<int, 11> kStatuses = {200, 303, 304, 400, 403, 404, 405, 413, 429, 503, 0};  // 0: any other
  static constexpr std::size_t kRoutes = static_cast<std::size_t>(Route::count);

  std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kRoutes> requests_{};
  std::array<std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1>, kRoutes> buckets_{};
  std::array<std::atomic<std::uint64_t>, kRoutes> micros_{};
};

}  // namespace tugra::web
