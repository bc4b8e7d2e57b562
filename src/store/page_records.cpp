#include "store/page_records.hpp"

#include <soci/soci.h>

#include "store/database.hpp"

namespace tugra::store {

void PageRepository::put(const PageRecord& p) {
  long long at = p.updated_at;
  // Both databases know ON CONFLICT … DO UPDATE (SQLite since 3.24).
  db_.sql() << "INSERT INTO pages (slug, lang, kind, title, body, updated_at) VALUES (:s, :l, :k, :t, :b, :a) "
               "ON CONFLICT (slug, lang) DO UPDATE SET kind = excluded.kind, title = excluded.title, "
               "body = excluded.body, updated_at = excluded.updated_at",
      soci::use(p.slug), soci::use(p.lang), soci::use(p.kind), soci::use(p.title), soci::use(p.body), soci::use(at);
}

std::optional<PageRecord> PageRepository::find(const std::string& slug, const std::string& lang) {
  PageRecord p;
  long long at = 0;
  db_.sql() << "SELECT slug, lang, kind, title, body, updated_at FROM pages WHERE slug = :s AND lang = :l",
      soci::use(slug), soci::use(lang), soci::into(p.slug), soci::into(p.lang), soci::into(p.kind),
      soci::into(p.title), soci::into(p.body), soci::into(at);
  if (!db_.sql().got_data()) return std::nullopt;
  p.updated_at = at;
  return p;
}

std::vector<PageRecord> PageRepository::list(const std::string& kind) {
  std::vector<PageRecord> out;
  PageRecord p;
  long long at = 0;
  std::string k1 = kind, k2 = kind;
  soci::statement st = (db_.sql().prepare << "SELECT slug, lang, kind, title, updated_at FROM pages "
                                             "WHERE CAST(:k1 AS TEXT) = '' OR kind = :k2 "
                                             "ORDER BY updated_at DESC, slug, lang",
                        soci::use(k1), soci::use(k2), soci::into(p.slug), soci::into(p.lang), soci::into(p.kind),
                        soci::into(p.title), soci::into(at));
  st.execute();
  while (st.fetch()) {
    p.updated_at = at;
    out.push_back(p);
  }
  return out;
}

int PageRepository::remove(const std::string& slug, const std::string& lang) {
  std::string l1 = lang, l2 = lang;
  soci::statement st = (db_.sql().prepare << "DELETE FROM pages WHERE slug = :s AND (CAST(:l1 AS TEXT) = '' OR lang = :l2)",
                        soci::use(slug), soci::use(l1), soci::use(l2));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

}  // namespace tugra::store
