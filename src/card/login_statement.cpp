#include "card/login_statement.hpp"

#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>

#include "common/clock.hpp"

namespace tugra::card {
namespace {

constexpr const char* kTitle = "Tugra e-imzali giris / e-signed log-in";

std::int64_t parse_utc(const std::string& text) {
  std::tm tm{};
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
    throw std::invalid_argument("not a UTC time");
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::string LoginStatement::text() const {
  return std::string(kTitle) + "\norigin: " + origin + "\nnonce: " + nonce + "\ntime: " +
         format_iso(time) + "\n";
}

std::optional<LoginStatement> LoginStatement::parse(const std::string& text) {
  std::istringstream in(text);
  std::string title, origin, nonce, time;
  if (!std::getline(in, title) || title != kTitle) return std::nullopt;
  auto field = [&](const std::string& name, std::string& out) {
    std::string line;
    if (!std::getline(in, line) || line.rfind(name + ": ", 0) != 0) return false;
    out = line.substr(name.size() + 2);
    return !out.empty() && out.find_first_of(" \t\r") == std::string::npos;
  };
  if (!field("origin", origin) || !field("nonce", nonce) || !field("time", time)) return std::nullopt;
  std::string rest;
  if (std::getline(in, rest)) return std::nullopt;
  LoginStatement s{origin, nonce, 0};
  try {
    s.time = parse_utc(time);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (s.text() != text) return std::nullopt;  // one spelling only
  return s;
}

}  // namespace tugra::card
