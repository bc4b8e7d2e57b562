#include "ra/pages.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "store/ledger.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& pages();
}

namespace tugra::ra {
namespace {

constexpr std::size_t kMaxBody = 256 * 1024;

bool slug_ok(const std::string& slug) {
  if (slug.empty() || slug.size() > 64 || slug.front() == '-' || slug.back() == '-') return false;
  return slug.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

// Markdown is text: lines of UTF-8 without controls or format characters
// (a bidirectional override could make a link read as another), tabs and
// line ends allowed.
bool body_ok(const std::string& body) {
  if (body.size() > kMaxBody) return false;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(start, end - start);
    std::erase(line, '\r');
    std::erase(line, '\t');
    if (utf8_length(line) < 0) return false;
    start = end + 1;
  }
  return true;
}

// "slug.lang.md" with "# Title" on its first line.
std::optional<Page> parse_built_in(std::string_view file, std::string_view text) {
  if (!file.ends_with(".md")) return std::nullopt;
  std::string_view stem = file.substr(0, file.size() - 3);
  auto dot = stem.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  Page p;
  p.built_in = true;
  p.record.slug = std::string(stem.substr(0, dot));
  p.record.lang = std::string(stem.substr(dot + 1));
  p.record.kind = "page";
  auto eol = text.find('\n');
  std::string_view first = text.substr(0, eol);
  if (!first.starts_with("# ")) return std::nullopt;
  p.record.title = std::string(first.substr(2));
  p.record.body = eol == std::string_view::npos ? "" : std::string(text.substr(eol + 1));
  return p;
}

}  // namespace

const std::vector<Page>& built_in_pages() {
  // Parsed once: they are part of the binary.
  static const std::vector<Page> all = [] {
    std::vector<Page> out;
    for (const auto& [file, text] : embedded::pages())
      if (auto p = parse_built_in(file, text)) out.push_back(std::move(*p));
    return out;
  }();
  return all;
}

PageCatalog::PageCatalog(store::Ledger& ledger) : ledger_(ledger) {}

store::PageRecord PageCatalog::add(store::PageRecord p) {
  p.title = trim(p.title);
  if (!slug_ok(p.slug)) throw UserError("pages.bad_slug", {{"slug", p.slug}});
  if (p.lang != "tr" && p.lang != "en") throw UserError("pages.bad_lang", {{"lang", p.lang}});
  if (p.kind != "page" && p.kind != "announcement") throw UserError("pages.bad_kind", {{"kind", p.kind}});
  int title_length = utf8_length(p.title);
  if (title_length < 1 || title_length > 200) throw UserError("pages.bad_title");
  if (!body_ok(p.body)) throw UserError("pages.bad_body", {{"max", std::to_string(kMaxBody / 1024)}});
  p.updated_at = now_seconds();
  ledger_.write([&] {
    store::PageRepository(ledger_.database()).put(p);
    ledger_.record("page.added", p.slug,
                   nlohmann::json{{"lang", p.lang}, {"kind", p.kind}, {"title", p.title}, {"bytes", p.body.size()}}.dump());
  });
  ledger_.checkpoint();
  return p;
}

int PageCatalog::remove(const std::string& slug, const std::string& lang) {
  int removed = 0;
  ledger_.write([&] {
    removed = store::PageRepository(ledger_.database()).remove(slug, lang);
    if (removed == 0) throw UserError("pages.not_found", {{"slug", slug}});
    ledger_.record("page.removed", slug, nlohmann::json{{"lang", lang.empty() ? "*" : lang}}.dump());
  });
  ledger_.checkpoint();
  return removed;
}

std::optional<Page> PageCatalog::find(const std::string& slug, const std::string& lang) {
  if (!slug_ok(slug)) return std::nullopt;
  store::PageRepository repo(ledger_.database());
  auto built_in = [&](const std::string& l) -> std::optional<Page> {
    for (const auto& p : built_in_pages())
      if (p.record.slug == slug && p.record.lang == l) return p;
    return std::nullopt;
  };
  for (const std::string& l : {lang, std::string("tr")}) {
    if (auto r = repo.find(slug, l)) return Page{*r, false};
    if (auto p = built_in(l)) return p;
  }
  return std::nullopt;
}

std::vector<Page> PageCatalog::list() {
  std::vector<Page> out;
  std::map<std::pair<std::string, std::string>, bool> replaced;
  for (auto& r : store::PageRepository(ledger_.database()).list("")) {
    replaced[{r.slug, r.lang}] = true;
    out.push_back(Page{std::move(r), false});
  }
  for (const auto& p : built_in_pages()) {
    if (replaced.count({p.record.slug, p.record.lang})) continue;
    out.push_back(p);
    out.back().record.body.clear();
  }
  return out;
}

std::vector<store::PageRecord> PageCatalog::announcements(const std::string& lang) {
  std::vector<store::PageRecord> out;
  auto all = store::PageRepository(ledger_.database()).list("announcement");
  std::map<std::string, bool> in_lang;
  for (const auto& r : all)
    if (r.lang == lang) in_lang[r.slug] = true;
  for (auto& r : all)
    if (r.lang == lang || (r.lang == "tr" && !in_lang.count(r.slug))) out.push_back(std::move(r));
  return out;
}

}  // namespace tugra::ra
