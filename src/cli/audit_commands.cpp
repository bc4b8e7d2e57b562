// tugra audit verify | audit list
#include <nlohmann/json.hpp>

#include <iostream>

#include "store/ledger.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"

namespace tugra::cli {

void add_audit_commands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("audit", help_text("help.audit_cmd_audit"));
  cmd->require_subcommand(1);

  cmd->add_subcommand("verify", help_text("help.audit_cmd_verify"))
      ->callback([&ctx] {
        auto ledger = ctx.ledger();
        // The audit key's public half from the audit token itself, not from
        // the database an attacker may have rewritten.
        auto result = ledger->audit().verify(ledger->audit_public_key());
        if (!result.ok) {
          std::cout << message("audit.verify_failed",
                               {{"seq", std::to_string(result.first_bad_seq)}, {"problem", message(result.problem)}})
                    << "\n";
          throw Exit{1};
        }
        std::cout << message("audit.verify_ok", {{"records", std::to_string(result.records)},
                                                 {"checkpoints", std::to_string(result.checkpoints)}})
                  << "\n";
      });

  static long long after = 0, from = 0, limit = 100;
  static std::string event, actor;
  static bool json = false;
  auto* list = cmd->add_subcommand("list", help_text("help.audit_cmd_list"));
  auto* after_option = list->add_option("--after", after, help_text("help.audit_opt_after"));
  list->add_option("--from", from, help_text("help.audit_opt_from"))->excludes(after_option)->check(CLI::PositiveNumber);
  list->add_option("--event", event, help_text("help.audit_opt_event"));
  list->add_option("--actor", actor, help_text("help.audit_opt_actor"));
  list->add_option("--limit", limit, help_text("help.audit_opt_limit"))->default_val(100)->check(CLI::PositiveNumber);
  list->add_flag("--json", json, help_text("help.audit_opt_json"));
  list->callback([&ctx] {
    auto ledger = ctx.ledger();
    auto records = ledger->audit().find(from > 0 ? from - 1 : after, limit, event, actor);
    if (json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : records) {
        auto details = nlohmann::json::parse(r.details, nullptr, false);
        out.push_back({{"seq", r.seq}, {"at", format_utc(r.at / 1000000)}, {"event", r.event}, {"actor", r.actor},
                       {"subject", r.subject}, {"details", details.is_discarded() ? nlohmann::json(r.details) : details},
                       {"hash", r.hash}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    for (const auto& r : records)
      std::cout << r.seq << "\t" << format_utc(r.at / 1000000) << "\t" << r.event << "\t" << r.actor << "\t"
                << r.subject << "\t" << r.details << "\n";
  });
}

}  // namespace tugra::cli
