// The operator's pages (migration 013): Markdown help pages, forms, legal
// notices and announcements, one per slug and language.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tugra::store {

class Database;

struct PageRecord {
  std::string slug, lang;
  std::string kind;  // "page" | "announcement"
  std::string title, body;  // body: Markdown
  std::int64_t updated_at = 0;
};

class PageRepository {
 public:
  explicit PageRepository(Database& db) : db_(db) {}
  // Adds the page, or replaces the one of the same slug and language.
  void put(const PageRecord& page);
  std::optional<PageRecord> find(const std::string& slug, const std::string& lang);
  // Without the bodies, newest first; every kind when `kind` is empty.
  std::vector<PageRecord> list(const std::string& kind);
  // Every language of the slug when `lang` is empty; the number removed.
  int remove(const std::string& slug, const std::string& lang);

 private:
  Database& db_;
};

}  // namespace tugra::store
