#include "web/markdown.hpp"

#include <cmark.h>

#include <cstdlib>
#include <memory>

#include "common/text.hpp"

namespace tugra::web {
namespace {

struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
using Node = std::unique_ptr<cmark_node, NodeFree>;

// A heading's words without their emphasis or code marks.
std::string plain_text(cmark_node* heading) {
  std::string out;
  cmark_iter* it = cmark_iter_new(heading);
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* n = cmark_iter_get_node(it);
    auto type = cmark_node_get_type(n);
    if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE) out += cmark_node_get_literal(n);
    else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) out += ' ';
  }
  cmark_iter_free(it);
  return out;
}

// Renders the nodes collected in `chunk` (a document) and empties it.
void flush(Node& chunk, std::string& out) {
  if (!cmark_node_first_child(chunk.get())) return;
  char* html = cmark_render_html(chunk.get(), CMARK_OPT_DEFAULT);  // no CMARK_OPT_UNSAFE: the safe mode
  out += html;
  std::free(html);
  chunk.reset(cmark_node_new(CMARK_NODE_DOCUMENT));
}

}  // namespace

std::string render_markdown(std::string_view markdown) {
  Node doc(cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8));
  Node chunk(cmark_node_new(CMARK_NODE_DOCUMENT));
  std::string out;
  bool in_section = false, first = true;
  for (cmark_node* n = cmark_node_first_child(doc.get()); n;) {
    cmark_node* next = cmark_node_next(n);
    if (cmark_node_get_type(n) == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) == 2) {
      flush(chunk, out);
      if (in_section) out += "</div></details>\n";
      out += std::string("<details class=\"section\" name=\"section\"") + (first ? " open" : "") + "><summary>" +
             escape_markup(plain_text(n)) + "</summary><div>\n";
      in_section = true;
      first = false;
    } else {
      cmark_node_append_child(chunk.get(), n);  // moves it out of `doc`
    }
    n = next;
  }
  flush(chunk, out);
  if (in_section) out += "</div></details>\n";
  return out;
}

}  // namespace tugra::web
