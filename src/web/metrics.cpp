#include "web/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace tugra::web {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  requests_[{route, status}]++;
  auto& b = buckets_[route];
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  b[i]++;
  sums_[route] += seconds;
}

std::string Metrics::render(const std::string& extra) const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP tugra_http_requests_total HTTP requests by route and status.\n"
         "# TYPE tugra_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "tugra_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n << "\n";
  out << "# HELP tugra_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE tugra_http_request_duration_seconds histogram\n";
  for (const auto& [route, b] : buckets_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += b[i];
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      out << "tugra_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << le << "\"} "
          << cumulative << "\n";
    }
    cumulative += b[kBuckets.size()];
    out << "tugra_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << cumulative << "\n"
        << "tugra_http_request_duration_seconds_sum{route=\"" << route << "\"} " << sums_.at(route) << "\n"
        << "tugra_http_request_duration_seconds_count{route=\"" << route << "\"} " << cumulative << "\n";
  }
  return out.str() + extra;
}

}  // namespace tugra::web
