// XML for XAdES through libxml2: parsing without network access or entity
// expansion, finding elements, and exclusive canonical XML (xml-exc-c14n,
// without comments) of a subtree or of a document without one of its
// subtrees (the enveloped-signature transform).
#pragma once

#include <memory>
#include <string>
#include <vector>

typedef struct _xmlDoc xmlDoc;
typedef struct _xmlNode xmlNode;

namespace tugra::sign {

class XmlDocument {
 public:
  // UserError "verify.bad_xml" when `text` is not well-formed XML.
  explicit XmlDocument(const std::string& text);
  ~XmlDocument();
  XmlDocument(const XmlDocument&) = delete;
  XmlDocument& operator=(const XmlDocument&) = delete;

  xmlNode* root() const;
  // The element whose Id attribute is `id`, or null.
  xmlNode* by_id(const std::string& id) const;
  // Every element named `local` in namespace `ns`, in document order.
  std::vector<xmlNode*> elements(const char* ns, const char* local) const;

  // Exclusive C14N of `node`'s subtree; of the whole document when null.
  // `without`: a subtree left out (the enveloped signature).
  std::string canonical(xmlNode* node, xmlNode* without = nullptr) const;

 private:
  xmlDoc* doc_;
};

// Helpers on elements.
xmlNode* child(xmlNode* parent, const char* ns, const char* local);  // the first such child, or null
std::string text_of(xmlNode* node);                                    // its text content
std::string attribute(xmlNode* node, const char* name);                // "" when absent

inline constexpr const char* kDsNs = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr const char* kXadesNs = "http://uri.etsi.org/01903/v1.3.2#";
inline constexpr const char* kXades141Ns = "http://uri.etsi.org/01903/v1.4.1#";

}  // namespace tugra::sign
