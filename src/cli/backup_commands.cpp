// tugra backup | restore | purge: the home as a whole
#include <iostream>

#include "backup/backup.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"
#include "common/clock.hpp"
#include "store/ledger.hpp"
#include "store/retention.hpp"

namespace tugra::cli {

void add_backup_commands(CLI::App& app, Context& ctx) {
  static std::string out;
  auto* backup = app.add_subcommand("backup", help_text("help.backup_cmd_backup"));
  backup->add_option("--out", out, help_text("help.backup_opt_out"))->required();
  backup->callback([&ctx] {
    auto summary = backup::create(ctx.config(), out);
    std::cout << message("backup.written", {{"file", out},
                                            {"files", std::to_string(summary.files)},
                                            {"engine", summary.engine},
                                            {"schema", std::to_string(summary.schema)},
                                            {"bytes", std::to_string(summary.bytes)}})
              << "\n";
  });

  static std::string file;
  auto* restore = app.add_subcommand("restore", help_text("help.backup_cmd_restore"));
  restore->add_option("file", file, help_text("help.backup_opt_file"))->required();
  restore->callback([&ctx] {
    auto home = resolve_home(ctx.home_flag);
    auto summary = backup::restore(file, home);
    // The restored home proves itself: its audit chain checked with the key in its own audit token.
    auto ledger = ctx.ledger();
    auto result = ledger->audit().verify(ledger->audit_public_key());
    std::string audit = result.ok ? message("audit.verify_ok", {{"records", std::to_string(result.records)},
                                                                {"checkpoints", std::to_string(result.checkpoints)}})
                                  : message("audit.verify_failed", {{"seq", std::to_string(result.first_bad_seq)},
                                                                    {"problem", message(result.problem)}});
    std::cout << message("backup.restored", {{"home", home.string()},
                                             {"files", std::to_string(summary.files)},
                                             {"engine", summary.engine},
                                             {"schema", std::to_string(summary.schema)},
                                             {"audit", audit}})
              << "\n";
    if (!result.ok) throw Exit{1};
  });

  static bool dry_run = false;
  auto* purge = app.add_subcommand("purge", help_text("help.backup_cmd_purge"));
  purge->add_flag("--dry-run", dry_run, help_text("help.backup_opt_dry_run"));
  purge->callback([&ctx] {
    auto policy = store::RetentionPolicy::from(ctx.config());
    auto ledger = ctx.ledger();
    auto purged = dry_run ? store::purge_due(ledger->database(), policy, now_seconds())
                          : store::purge(*ledger, policy, now_seconds());
    std::cout << message(dry_run ? "retention.due" : "retention.purged",
                         {{"bodies", std::to_string(purged.outbox_bodies)}, {"crls", std::to_string(purged.crls)},
                          {"days", std::to_string(policy.outbox_days)}, {"keep", std::to_string(policy.full_crls)}})
              << "\n";
  });
}

}  // namespace tugra::cli
