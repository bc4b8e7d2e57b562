// tugra pages add|list|remove: the portal's Markdown pages (help, forms,
// legal notices) and announcements, changed without a rebuild.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "ra/pages.hpp"
#include "store/ledger.hpp"

namespace tugra::cli {

void add_pages_commands(CLI::App& app, Context& ctx) {
  auto* pages = app.add_subcommand("pages", help_text("help.pages_cmd"));
  pages->require_subcommand(1);
  static store::PageRecord page;
  static std::string file;
  static bool announcement = false, json = false;

  auto* add = pages->add_subcommand("add", help_text("help.pages_cmd_add"));
  add->add_option("slug", page.slug, help_text("help.pages_opt_slug"))->required();
  add->add_option("file", file, help_text("help.pages_opt_file"))->required();
  add->add_option("--title", page.title, help_text("help.pages_opt_title"))->required();
  add->add_option("--lang", page.lang, help_text("help.pages_opt_lang"))->default_val("tr");
  add->add_flag("--announcement", announcement, help_text("help.pages_opt_announcement"));
  add->callback([&ctx] {
    page.kind = announcement ? "announcement" : "page";
    page.body = read_input(file);
    auto saved = ra::PageCatalog(*ctx.ledger()).add(page);
    std::cout << message("pages.added", {{"slug", saved.slug}, {"lang", saved.lang}, {"title", saved.title},
                                         {"path", "/sayfa/" + saved.slug}})
              << "\n";
  });

  auto* list = pages->add_subcommand("list", help_text("help.pages_cmd_list"));
  list->add_flag("--json", json, help_text("help.portal_opt_json"));
  list->callback([&ctx] {
    auto all = ra::PageCatalog(*ctx.ledger()).list();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : all) {
      const auto& r = p.record;
      std::string updated = p.built_in ? "" : format_utc(r.updated_at);
      out.push_back({{"slug", r.slug}, {"lang", r.lang}, {"kind", r.kind}, {"title", r.title},
                     {"built_in", p.built_in}, {"updated", updated}});
      if (!json)
        std::cout << "/sayfa/" << r.slug << "  " << r.lang << "  "
                  << message(p.built_in ? "pages.built_in" : "pages.kind_" + r.kind) << "  " << r.title
                  << (updated.empty() ? "" : "  " + updated) << "\n";
    }
    if (json) std::cout << out.dump(2) << "\n";
  });

  static std::string remove_lang;
  auto* remove = pages->add_subcommand("remove", help_text("help.pages_cmd_remove"));
  remove->add_option("slug", page.slug, help_text("help.pages_opt_slug"))->required();
  remove->add_option("--lang", remove_lang, help_text("help.pages_opt_remove_lang"));
  remove->callback([&ctx] {
    int n = ra::PageCatalog(*ctx.ledger()).remove(page.slug, remove_lang);
    std::cout << message("pages.removed", {{"slug", page.slug}, {"count", std::to_string(n)}}) << "\n";
  });
}

}  // namespace tugra::cli
