#include "common/clock.hpp"

#include <chrono>
#include <ctime>

namespace tugra {

std::int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t now_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_time(std::int64_t unix_seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::int64_t add_years(std::int64_t unix_seconds, int years) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_year += years;
  if (tm.tm_mon == 1 && tm.tm_mday == 29) tm.tm_mday = 28;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace tugra
