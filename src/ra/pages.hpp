// The portal's pages (seed 000's footer and help): Sertifikamı Aldım Ne
// Yapmalıyım?, Online İşlemler, Sıkça Sorulan Sorular, Formlar, Belgeler,
// Yasal Uyarı, İletişim, and the announcements of Duyurular. Each is
// Markdown: built in (content/*.md, one file per slug and language), or
// written by the operator with `tugra pages add` without a rebuild, which
// then replaces the built-in page of the same slug. Rendering is the web's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/page_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

struct Page {
  store::PageRecord record;
  bool built_in = false;
};

class PageCatalog {
 public:
  explicit PageCatalog(store::Ledger& ledger);
  // Adds or replaces an operator's page, audited; UserError on a bad slug
  // (a-z, 0-9 and "-", up to 64), language (tr, en), kind (page,
  // announcement), title (1-200 characters) or body (UTF-8 text up to 256 KiB).
  store::PageRecord add(store::PageRecord page);
  // Removes the operator's page of the slug (one language or all), audited;
  // UserError when there is none. A built-in page of the slug shows again.
  int remove(const std::string& slug, const std::string& lang);
  // The page to show: the operator's in `lang`, else the built-in in
  // `lang`, else the same in Turkish.
  std::optional<Page> find(const std::string& slug, const std::string& lang);
  // The operator's pages and the built-in ones they do not replace, without bodies.
  std::vector<Page> list();
  // The operator's announcements, newest first (a language's own, else Turkish).
  std::vector<store::PageRecord> announcements(const std::string& lang);

 private:
  store::Ledger& ledger_;
};

// The built-in pages: {slug, lang} → Markdown whose first line is "# Title".
const std::vector<Page>& built_in_pages();

}  // namespace tugra::ra
