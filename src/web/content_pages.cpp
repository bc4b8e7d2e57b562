// The portal's Markdown pages (/sayfa/SLUG: help, forms, documents, legal
// notice, contact) and Duyurular (/duyurular), from ra::PageCatalog.
#include "common/display.hpp"
#include "web/markdown.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {
namespace {

std::string lang_code(const Exchange& ex) { return ex.lang == Lang::tr ? "tr" : "en"; }

// A page may name the configured contacts: {call_centre}, {contact_email}.
std::string with_contacts(std::string markdown, const PortalSettings& s) {
  for (auto [name, value] : {std::pair{"{call_centre}", &s.call_centre}, {"{contact_email}", &s.contact_email}})
    for (auto at = markdown.find(name); at != std::string::npos; at = markdown.find(name, at + value->size()))
      markdown.replace(at, std::string_view(name).size(), *value);
  return markdown;
}

Response content_page(Exchange& ex) {
  std::string slug = ex.req.path.substr(std::string("/sayfa/").size());
  auto page = ex.portal.backends.with([&](Backend& b) { return b.pages().find(slug, lang_code(ex)); });
  if (!page) return ex.error_page(404, "web.error.not_found");
  Data d;
  d.set("html", render_markdown(with_contacts(page->record.body, *ex.settings)));
  if (page->record.kind == "announcement") d.set("date", display_day(page->record.updated_at));
  return ex.page("content_page", d, page->record.title);
}

Response announcements(Exchange& ex) {
  auto list = ex.portal.backends.with([&](Backend& b) { return b.pages().announcements(lang_code(ex)); });
  Data items{Data::type::list};
  for (const auto& a : list) {
    Data item;
    item.set("slug", a.slug);
    item.set("title", a.title);
    item.set("date", display_day(a.updated_at));
    items.push_back(item);
  }
  Data d;
  d.set("items", items);
  if (list.empty()) d.set("none", true);
  return ex.page("announcements", d, ex.text("web.pages.announcements_title"));
}

}  // namespace

void add_content_pages(PortalState& p) {
  p.routes["GET /duyurular"] = announcements;
  p.prefix_routes.emplace_back("GET /sayfa/", content_page);
}

}  // namespace tugra::web
