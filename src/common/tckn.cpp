#include "common/tckn.hpp"

namespace tugra {

bool is_valid_tckn(std::string_view tckn) {
  if (tckn.size() != 11) return false;
  int d[11];
  for (int i = 0; i < 11; ++i) {
    char c = tckn[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    d[i] = c - '0';
  }
  if (d[0] == 0) return false;
  int odd = d[0] + d[2] + d[4] + d[6] + d[8];
  int even = d[1] + d[3] + d[5] + d[7];
  // (7*odd - even) mod 10, written so that it never goes negative.
  if ((7 * odd + 9 * even) % 10 != d[9]) return false;
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += d[i];
  return sum % 10 == d[10];
}

}  // namespace tugra
