// The operator's Markdown pages as HTML, escaped by default.
#pragma once

#include <string>
#include <string_view>

namespace tugra::web {

// CommonMark through cmark (Debian's libcmark) in its safe mode: raw HTML
// in the source is left out and javascript:, vbscript:, file: and data:
// links are emptied, so a page can show text, lists, tables of links and
// images, never run script. Each level-2 heading ("## …") opens a section
// that shows under its heading when clicked (<details>, one open at a time,
// the first one open): the card reader tabs of "Sertifikamı Aldım Ne
// Yapmalıyım?" and the questions of the FAQ.
std::string render_markdown(std::string_view markdown);

}  // namespace tugra::web
