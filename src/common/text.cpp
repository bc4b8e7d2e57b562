#include "common/text.hpp"

namespace tugra {

int utf8_length(std::string_view s) {
  int count = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return -1;
    if (n == 1 && (c < 0x20 || c == 0x7F)) return -1;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return -1;
    i += n;
    ++count;
  }
  return count;
}

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

}  // namespace tugra
