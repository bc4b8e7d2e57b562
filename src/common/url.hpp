// URL helpers.
#pragma once

#include <string>
#include <string_view>

namespace tugra {

// Decodes %XX escapes; throws std::invalid_argument on a bad escape.
std::string percent_decode(std::string_view text);

}  // namespace tugra
