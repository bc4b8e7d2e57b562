#include "common/text.hpp"

namespace tugra {

namespace {

// Unicode's format characters (category Cf, Unicode 15) and the C1 controls:
// invisible, and the bidirectional ones (U+202E) reorder what a reader sees
// on the PDF form or a console ("Trojan Source").
bool is_format_or_control(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x0080, 0x009F}, {0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD},
      {0x070F, 0x070F}, {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x180E, 0x180E}, {0x200B, 0x200F},
      {0x2028, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
      {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}};
  for (auto [from, to] : kRanges)
    if (c >= from && c <= to) return true;
  return false;
}

// Decodes one UTF-8 character at s[i]; 0 bytes when malformed.
std::size_t decode(std::string_view s, std::size_t i, char32_t& c) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    unsigned char t = static_cast<unsigned char>(s[i + k]);
    if ((t & 0xC0) != 0x80) return 0;
    c = (c << 6) | (t & 0x3F);
  }
  return n;
}

}  // namespace

TextProblem text_problem(std::string_view s) {
  TextProblem found = TextProblem::none;
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = 0;
    std::size_t n = decode(s, i, c);
    if (n == 0) return TextProblem::malformed;
    if (c < 0x20 || c == 0x7F) return TextProblem::control;
    if (is_format_or_control(c)) found = TextProblem::format;  // the worse problems above win
    i += n;
  }
  return found;
}

int utf8_length(std::string_view s) {
  if (text_problem(s) != TextProblem::none) return -1;
  int count = 0;
  for (unsigned char c : s) count += (c & 0xC0) != 0x80;
  return count;
}

bool has_format_control(std::string_view s) { return text_problem(s) == TextProblem::format; }

std::string turkish_upper(std::string_view text) {
  // The lower-case Turkish letters outside ASCII, as UTF-8, and their capitals.
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"ç", "Ç"}, {"ğ", "Ğ"}, {"ı", "I"}, {"ö", "Ö"}, {"ş", "Ş"}, {"ü", "Ü"}, {"â", "Â"}, {"î", "Î"}, {"û", "Û"}};
  std::string out;
  out.reserve(text.size() + 4);
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == 'i') {
      out += "İ";
      ++i;
      continue;
    }
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
      ++i;
      continue;
    }
    bool replaced = false;
    for (const auto& [lower, upper] : kPairs) {
      if (text.substr(i, lower.size()) == lower) {
        out += upper;
        i += lower.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

std::string trim(std::string_view text) {
  auto b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1));
}

std::string normalise_name(std::string_view text) {
  std::string collapsed;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !collapsed.empty();
      continue;
    }
    if (space) collapsed += ' ';
    space = false;
    collapsed += c;
  }
  return turkish_upper(collapsed);
}

std::string escape_markup(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

}  // namespace tugra
