// libFuzzer target: the CSV reader behind `tugra registry import` and
// `tugra institution staff-import`, on arbitrary bytes: it either returns
// rows within the limits or refuses with a UserError naming the line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/csv.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tugra::CsvLimits limits{1000, 16, 128};
  try {
    auto rows = tugra::parse_csv(text, limits);
    if (rows.size() > limits.max_rows) std::abort();
    int line = 0;
    for (const auto& row : rows) {
      if (row.fields.empty() || row.fields.size() > limits.max_fields || row.line <= line) std::abort();
      line = row.line;
      for (const auto& f : row.fields)
        if (f.size() > limits.max_field_bytes) std::abort();
    }
  } catch (const tugra::UserError&) {
  }
  return 0;
}
