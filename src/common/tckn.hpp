// T.C. Kimlik No: the 11-digit Turkish national identity number and its checksum.
#pragma once

#include <string_view>

namespace tugra {

// True when `tckn` is 11 ASCII digits, does not start with 0, and both check
// digits are right.
bool is_valid_tckn(std::string_view tckn);

}  // namespace tugra
