// T.C. Kimlik No: the 11-digit Turkish national identity number and its checksum.
#pragma once

#include <string>
#include <string_view>

namespace tugra {

// True when `tckn` is 11 ASCII digits, does not start with 0, and both check
// digits are right.
bool is_valid_tckn(std::string_view tckn);
// The valid number that starts with these nine digits (synthetic test and
// demo identities); empty for anything but nine digits not starting with 0.
std::string tckn_from_prefix(std::string_view nine_digits);

}  // namespace tugra
