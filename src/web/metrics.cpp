#include "web/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace tugra::web {

const char* route_name(Route route) {
  switch (route) {
    case Route::ocsp: return "ocsp";
    case Route::tsa: return "tsa";
    case Route::crl: return "crl";
    case Route::ca: return "ca";
    case Route::healthz: return "healthz";
    case Route::metrics: return "metrics";
    case Route::portal: return "portal";
    default: return "other";
  }
}

void Metrics::observe(Route route, int status, double seconds) {
  auto r = static_cast<std::size_t>(route);
  std::size_t s = 0;
  while (s + 1 < kStatuses.size() && kStatuses[s] != status) ++s;
  requests_[r][s].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  buckets_[r][b].fetch_add(1, std::memory_order_relaxed);
  micros_[r].fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string Metrics::render(const std::string& extra) const {
  std::ostringstream out;
  out << "# HELP tugra_http_requests_total HTTP requests by route and status.\n"
         "# TYPE tugra_http_requests_total counter\n";
  for (std::size_t r = 0; r < kRoutes; ++r)
    for (std::size_t s = 0; s < kStatuses.size(); ++s)
      if (auto n = requests_[r][s].load()) {
        out << "tugra_http_requests_total{route=\"" << route_name(static_cast<Route>(r)) << "\",status=\"";
        if (kStatuses[s]) out << kStatuses[s];
        else out << "other";
        out << "\"} " << n << "\n";
      }
  out << "# HELP tugra_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE tugra_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < kRoutes; ++r) {
    std::uint64_t cumulative = 0;
    const char* name = route_name(static_cast<Route>(r));
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += buckets_[r][b].load();
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[b]);
      out << "tugra_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\"" << le << "\"} "
          << cumulative << "\n";
    }
    cumulative += buckets_[r][kBuckets.size()].load();
    out << "tugra_http_request_duration_seconds_bucket{route=\"" << name << "\",le=\"+Inf\"} " << cumulative
        << "\ntugra_http_request_duration_seconds_sum{route=\"" << name << "\"} " << micros_[r].load() / 1e6
        << "\ntugra_http_request_duration_seconds_count{route=\"" << name << "\"} " << cumulative << "\n";
  }
  return out.str() + extra;
}

}  // namespace tugra::web
