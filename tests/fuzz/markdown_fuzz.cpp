// libFuzzer target: the operator's Markdown pages as the portal renders them.
// Checks: whatever the source, the HTML holds no script element, no event
// handler attribute and no javascript: link (cmark's safe mode), and every
// section the renderer opens is closed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "web/markdown.hpp"

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string source(reinterpret_cast<const char*>(data), size);
  std::string html = lower(tugra::web::render_markdown(source));
  if (html.find("<script") != std::string::npos) std::abort();
  if (html.find("href=\"javascript:") != std::string::npos || html.find("src=\"javascript:") != std::string::npos)
    std::abort();
  // An event handler attribute (onerror=…) only ever comes from raw HTML,
  // which is left out: look inside each tag, outside its quoted values
  // (text is escaped, so every "<" in the output opens a tag).
  for (auto open = html.find('<'); open != std::string::npos; open = html.find('<', open + 1)) {
    auto close = html.find('>', open);
    if (close == std::string::npos) std::abort();
    std::string tag;
    bool quoted = false;
    for (auto i = open; i < close; ++i) {
      if (html[i] == '"') quoted = !quoted;
      else if (!quoted) tag += html[i];
    }
    for (auto at = tag.find(" on"); at != std::string::npos; at = tag.find(" on", at + 1))
      if (tag.find('=', at) != std::string::npos) std::abort();
  }
  if (count(html, "<details class=\"section\"") != count(html, "</details>")) std::abort();
  return 0;
}
