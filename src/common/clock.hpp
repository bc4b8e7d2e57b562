// Wall-clock time as Unix seconds / microseconds (UTC).
#pragma once

#include <cstdint>
#include <string>

namespace tugra {

std::int64_t now_seconds();
std::int64_t now_micros();
// The UTC time formatted with strftime's `format`.
std::string format_time(std::int64_t unix_seconds, const char* format);
// "2026-11-21 14:03:07 UTC"
inline std::string format_utc(std::int64_t unix_seconds) { return format_time(unix_seconds, "%Y-%m-%d %H:%M:%S UTC"); }
// ISO 8601 / RFC 3339 in UTC, "2026-12-02T19:29:18Z" (reports, the API, signed statements).
inline std::string format_iso(std::int64_t unix_seconds) { return format_time(unix_seconds, "%Y-%m-%dT%H:%M:%SZ"); }
// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
inline std::string format_http_date(std::int64_t unix_seconds) {
  return format_time(unix_seconds, "%a, %d %b %Y %H:%M:%S GMT");
}
// Adds `years` calendar years (29 February becomes 28 February).
std::int64_t add_years(std::int64_t unix_seconds, int years);

}  // namespace tugra
