#include "common/csv.hpp"

#include "common/error.hpp"

namespace tugra {
namespace {

char detect_separator(std::string_view text) {
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    else if (!quoted && (c == ',' || c == ';')) return c;
    else if (!quoted && c == '\n') break;
  }
  return ',';
}

}  // namespace

std::vector<CsvRow> parse_csv(std::string_view text, const CsvLimits& limits) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const char sep = detect_separator(text);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  int line = 1;
  row.line = 1;
  bool quoted = false, was_quoted = false, row_has_content = false;

  auto fail = [&](const char* key) { throw UserError(key, {{"line", std::to_string(line)}}); };
  auto end_field = [&] {
    if (row.fields.size() >= limits.max_fields) fail("csv.too_many_fields");
    row.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    bool blank = row.fields.size() == 1 && row.fields[0].empty() && !row_has_content;
    if (!blank) {
      if (rows.size() >= limits.max_rows) fail("csv.too_many_rows");
      rows.push_back(std::move(row));
    }
    row = CsvRow{};
    row.line = line + 1;
    row_has_content = false;
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      if (!field.empty() || was_quoted) fail("csv.stray_quote");
      quoted = was_quoted = row_has_content = true;
    } else if (c == sep) {
      end_field();
      row_has_content = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      end_row();
      ++line;
    } else {
      if (was_quoted) fail("csv.stray_quote");
      field += c;
      row_has_content = true;
    }
    if (field.size() > limits.max_field_bytes) fail("csv.field_too_long");
  }
  if (quoted) fail("csv.unterminated_quote");
  if (row_has_content || !field.empty()) end_row();
  return rows;
}

}  // namespace tugra
