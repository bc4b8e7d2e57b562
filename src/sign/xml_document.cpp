#include "sign/xml_document.hpp"

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstring>

#include "common/error.hpp"

namespace tugra::sign {
namespace {

struct Scope {
  xmlNode* include;  // null: the whole document
  xmlNode* exclude;
};

bool within(xmlNode* node, xmlNode* ancestor) {
  for (; node; node = node->parent)
    if (node == ancestor) return true;
  return false;
}

// libxml2's node-set callback: namespace nodes count as their element's.
int visible(void* data, xmlNodePtr node, xmlNodePtr parent) {
  const auto* scope = static_cast<const Scope*>(data);
  xmlNode* n = node->type == XML_NAMESPACE_DECL ? parent : node;
  if (scope->include && !within(n, scope->include)) return 0;
  if (scope->exclude && within(n, scope->exclude)) return 0;
  return 1;
}

void collect(xmlNode* node, const char* ns, const char* local, std::vector<xmlNode*>& out) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (n->ns && std::strcmp(reinterpret_cast<const char*>(n->ns->href), ns) == 0 &&
        std::strcmp(reinterpret_cast<const char*>(n->name), local) == 0)
      out.push_back(n);
    collect(n->children, ns, local, out);
  }
}

xmlNode* find_id(xmlNode* node, const std::string& id) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (attribute(n, "Id") == id) return n;
    if (xmlNode* found = find_id(n->children, id)) return found;
  }
  return nullptr;
}

}  // namespace

XmlDocument::XmlDocument(const std::string& text) {
  // No network, no entity substitution, no DTD loading: an uploaded file
  // cannot make the verifier fetch or expand anything.
  doc_ = xmlReadMemory(text.data(), static_cast<int>(text.size()), "document.xml", nullptr,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc_ || !xmlDocGetRootElement(doc_)) {
    if (doc_) xmlFreeDoc(doc_);
    throw UserError("verify.bad_xml");
  }
}

XmlDocument::~XmlDocument() { xmlFreeDoc(doc_); }

xmlNode* XmlDocument::root() const { return xmlDocGetRootElement(doc_); }

xmlNode* XmlDocument::by_id(const std::string& id) const { return find_id(root(), id); }

std::vector<xmlNode*> XmlDocument::elements(const char* ns, const char* local) const {
  std::vector<xmlNode*> out;
  collect(root(), ns, local, out);
  return out;
}

std::string XmlDocument::canonical(xmlNode* node, xmlNode* without) const {
  Scope scope{node, without};
  xmlOutputBufferPtr buffer = xmlAllocOutputBuffer(nullptr);
  if (xmlC14NExecute(doc_, visible, &scope, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, buffer) < 0) {
    xmlOutputBufferClose(buffer);
    throw std::runtime_error("XML canonicalisation failed");
  }
  std::string result(reinterpret_cast<const char*>(xmlOutputBufferGetContent(buffer)), xmlOutputBufferGetSize(buffer));
  xmlOutputBufferClose(buffer);
  return result;
}

xmlNode* child(xmlNode* parent, const char* ns, const char* local) {
  for (xmlNode* n = parent ? parent->children : nullptr; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && n->ns && std::strcmp(reinterpret_cast<const char*>(n->ns->href), ns) == 0 &&
        std::strcmp(reinterpret_cast<const char*>(n->name), local) == 0)
      return n;
  return nullptr;
}

std::string text_of(xmlNode* node) {
  if (!node) return "";
  xmlChar* content = xmlNodeGetContent(node);
  std::string out = content ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return out;
}

std::string attribute(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string out = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return out;
}

}  // namespace tugra::sign
