#include "common/url.hpp"

#include <cctype>
#include <stdexcept>

#include "common/text.hpp"

namespace tugra {
namespace {

int hex_value(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

std::string decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
      throw std::invalid_argument("bad percent escape");
    out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
    i += 2;
  }
  return out;
}

// Valid UTF-8 where tab, CR and LF are the only control characters allowed
// (a textarea sends CRLF). Format characters (U+202E…) pass here so that the
// field's own check can say what is wrong with them.
bool acceptable_text(const std::string& s) {
  std::string checked = s;
  for (auto& c : checked)
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
  auto problem = text_problem(checked);
  return problem == TextProblem::none || problem == TextProblem::format;
}

}  // namespace

std::string percent_decode(std::string_view text) { return decode(text, false); }

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

FormFields parse_form(std::string_view text, const FormLimits& limits) {
  FormFields fields;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto amp = text.find('&', pos);
    std::string_view pair = text.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? text.size() + 1 : amp + 1;
    if (pair.empty()) continue;
    if (fields.size() >= limits.max_fields) throw std::invalid_argument("too many fields");
    auto eq = pair.find('=');
    std::string name = decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1), true);
    if (name.empty()) throw std::invalid_argument("empty field name");
    if (name.size() > limits.max_name_bytes || value.size() > limits.max_value_bytes)
      throw std::invalid_argument("field too long");
    if (!acceptable_text(name) || !acceptable_text(value)) throw std::invalid_argument("not UTF-8 text");
    fields.emplace_back(std::move(name), std::move(value));
  }
  return fields;
}

}  // namespace tugra
