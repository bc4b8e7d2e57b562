// URL helpers: percent escapes and application/x-www-form-urlencoded data
// (query strings and form bodies).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tugra {

// Decodes %XX escapes; throws std::invalid_argument on a bad escape.
std::string percent_decode(std::string_view text);
// Escapes everything but A-Z a-z 0-9 - . _ ~
std::string percent_encode(std::string_view text);

struct FormLimits {
  std::size_t max_fields = 64;
  std::size_t max_name_bytes = 64;
  std::size_t max_value_bytes = 4096;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Decodes "a=1&b=x+y%21" ('+' is a space). Throws std::invalid_argument on a
// bad escape, text that is not UTF-8 (or holds control characters other than
// tab and line ends), an empty name, or more than the limits allow.
FormFields parse_form(std::string_view text, const FormLimits& limits = {});

}  // namespace tugra
