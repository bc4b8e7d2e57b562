// libFuzzer target: the form and query decoder every portal request goes
// through (application/x-www-form-urlencoded), on arbitrary bytes. Checks
// what the pages rely on: the limits hold and every value is UTF-8 text
// without control characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "common/text.hpp"
#include "common/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tugra::FormLimits limits{16, 32, 256};
  try {
    auto fields = tugra::parse_form(text, limits);
    if (fields.size() > limits.max_fields) std::abort();
    for (const auto& [name, value] : fields) {
      if (name.empty() || name.size() > limits.max_name_bytes || value.size() > limits.max_value_bytes) std::abort();
      std::string checked = value;
      for (auto& c : checked)
        if (c == '\t' || c == '\r' || c == '\n') c = ' ';
      // Valid UTF-8 without control characters; format characters (U+202E…)
      // pass the decoder so that the field's own check can name them.
      auto problem = tugra::text_problem(checked);
      if (problem != tugra::TextProblem::none && problem != tugra::TextProblem::format) std::abort();
    }
  } catch (const std::invalid_argument&) {
    // refused input: the page answers 400
  }
  try {
    (void)tugra::percent_decode(text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
