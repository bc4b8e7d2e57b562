// CSV as spreadsheets export it (RFC 4180): fields separated by commas or
// semicolons (Turkish Excel uses ';'), optionally quoted with "" for a quote
// inside, CRLF or LF line ends, a UTF-8 byte order mark ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tugra {

struct CsvRow {
  int line = 0;  // where the row starts in the file, from 1
  std::vector<std::string> fields;
};

struct CsvLimits {
  std::size_t max_rows = 1'000'000;
  std::size_t max_fields = 64;
  std::size_t max_field_bytes = 1024;
};

// Throws UserError("csv.*") with the line number for an unterminated quote,
// a quote inside an unquoted field, or a row over the limits. The separator
// is the first ',' or ';' seen outside quotes on the first line.
std::vector<CsvRow> parse_csv(std::string_view text, const CsvLimits& limits = {});

}  // namespace tugra
