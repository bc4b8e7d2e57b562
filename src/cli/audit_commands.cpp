// tugra audit verify | audit list
#include <nlohmann/json.hpp>

#include <iostream>

#include "store/ledger.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"

namespace tugra::cli {

void add_audit_commands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("audit", help_text("help.audit_cmd_audit"));
  cmd->require_subcommand(1);

  static bool offline = false;
  static std::string key_file;
  auto* verify = cmd->add_subcommand("verify", help_text("help.audit_cmd_verify"));
  verify->add_flag("--offline", offline, help_text("help.audit_opt_offline"));
  verify->add_option("--key", key_file, help_text("help.audit_opt_key"));
  verify->callback([&ctx] {
        auto ledger = ctx.ledger();
        // The audit key's public half from the audit token itself, or offline
        // from the exported file: never from the database an attacker may
        // have rewritten.
        Bytes key;
        if (offline || !key_file.empty()) {
          std::string file = key_file.empty() ? ctx.config().path("audit.public_key_file").string() : key_file;
          try {
            key = ossl::PublicKey::parse(read_input(file)).der();
          } catch (const ossl::Error&) {
            throw UserError("audit.bad_key_file", {{"file", file}});
          }
        } else {
          key = ledger->audit_public_key();
        }
        auto result = ledger->audit().verify(key);
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

  static std::string key_out;
  auto* key_cmd = cmd->add_subcommand("key", help_text("help.audit_cmd_key"));
  key_cmd->add_option("--out", key_out, help_text("help.audit_opt_key_out"))->required();
  key_cmd->callback([&ctx] {
    auto ledger = ctx.ledger();
    write_output(key_out, ossl::public_key_pem(ledger->audit_public_key()));
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
