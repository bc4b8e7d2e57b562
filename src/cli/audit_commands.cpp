// tugra audit verify | audit list
#include <iostream>

#include "store/ledger.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"

namespace tugra::cli {

void add_audit_commands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("audit", "The hash-chained audit log");
  cmd->require_subcommand(1);

  cmd->add_subcommand("verify",
                      "Check every record's hash and link and every checkpoint's signature; exit 0 when intact, "
                      "1 naming the first bad record otherwise")
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

  static long long after = 0, limit = 100;
  auto* list = cmd->add_subcommand("list", "Print audit records (one per line: seq, time, event, actor, subject, details)");
  list->add_option("--after", after, "Start after this sequence number");
  list->add_option("--limit", limit, "At most this many records")->default_val(100);
  list->callback([&ctx] {
    auto ledger = ctx.ledger();
    for (const auto& r : ledger->audit().list(after, limit))
      std::cout << r.seq << "\t" << format_utc(r.at / 1000000) << "\t" << r.event << "\t" << r.actor << "\t"
                << r.subject << "\t" << r.details << "\n";
  });
}

}  // namespace tugra::cli
