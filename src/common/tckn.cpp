#include "common/tckn.hpp"

#include <utility>

namespace tugra {

namespace {

// The two check digits of the first nine.
std::pair<int, int> check_digits(const int* d) {
  int odd = d[0] + d[2] + d[4] + d[6] + d[8];
  int even = d[1] + d[3] + d[5] + d[7];
  // (7*odd - even) mod 10, written so that it never goes negative.
  int tenth = (7 * odd + 9 * even) % 10;
  int sum = tenth;
  for (int i = 0; i < 9; ++i) sum += d[i];
  return {tenth, sum % 10};
}

}  // namespace

std::string tckn_from_prefix(std::string_view nine_digits) {
  if (nine_digits.size() != 9 || nine_digits[0] == '0') return "";
  int d[9];
  for (int i = 0; i < 9; ++i) {
    char c = nine_digits[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return "";
    d[i] = c - '0';
  }
  auto [tenth, eleventh] = check_digits(d);
  return std::string(nine_digits) + static_cast<char>('0' + tenth) + static_cast<char>('0' + eleventh);
}

bool is_valid_tckn(std::string_view tckn) {
  if (tckn.size() != 11) return false;
  int d[11];
  for (int i = 0; i < 11; ++i) {
    char c = tckn[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    d[i] = c - '0';
  }
  if (d[0] == 0) return false;
  auto [tenth, eleventh] = check_digits(d);
  return tenth == d[9] && eleventh == d[10];
}

}  // namespace tugra
