#include "common/display.hpp"

#include <cctype>

#include "common/clock.hpp"

namespace tugra {
namespace {

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

constexpr std::int64_t kTurkeyOffsetSeconds = 3 * 3600;

}  // namespace

std::string display_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-' || !digits(d.substr(0, 4)) || !digits(d.substr(5, 2)) ||
      !digits(d.substr(8, 2)))
    return std::string(d);
  return std::string(d.substr(8, 2)) + "." + std::string(d.substr(5, 2)) + "." + std::string(d.substr(0, 4));
}

std::string display_phone(std::string_view p) {
  if (p.size() != 13 || p.substr(0, 3) != "+90" || !digits(p.substr(3))) return std::string(p);
  std::string n(p.substr(3));  // 5422211111
  return "0" + n.substr(0, 3) + " " + n.substr(3, 3) + " " + n.substr(6, 2) + " " + n.substr(8, 2);
}

std::string display_time(std::int64_t unix_seconds) {
  return format_time(unix_seconds + kTurkeyOffsetSeconds, "%d.%m.%Y %H:%M");
}

std::string display_day(std::int64_t unix_seconds) {
  return format_time(unix_seconds + kTurkeyOffsetSeconds, "%d.%m.%Y");
}

std::vector<std::pair<std::string, std::string>> dn_fields(std::string_view dn) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string part;
  auto flush = [&] {
    auto eq = part.find('=');
    if (eq != std::string::npos && eq > 0) out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    part.clear();
  };
  for (std::size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\' && i + 1 < dn.size()) {
      part += dn[++i];
    } else if (dn[i] == ',') {
      flush();
    } else {
      part += dn[i];
    }
  }
  flush();
  return out;
}

}  // namespace tugra
