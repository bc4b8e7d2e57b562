// tugra: one binary, one subcommand per job. See `tugra --help`.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <iostream>

#include "cli/context.hpp"
#include "cli/usage.hpp"
#include "common/error.hpp"
#include "store/database.hpp"

int main(int argc, char** argv) {
  using namespace tugra;
  // Homes hold secrets (PINs, the database with SMS codes and reset links):
  // whatever the caller's umask, what tugra creates is the owner's alone.
  // Files meant for others (--out) get their mode explicitly.
  ::umask(077);
  CLI::App app{message("help.main_app")};
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", "tugra 0.1.0");

  cli::Context ctx;
  app.add_option("--home", ctx.home_flag, cli::help_text("help.main_opt_home"));

  cli::add_ca_commands(app, ctx);
  cli::add_audit_commands(app, ctx);
  cli::add_serve_commands(app, ctx);
  cli::add_card_commands(app, ctx);
  cli::add_production_commands(app, ctx);
  cli::add_portal_commands(app, ctx);
  cli::add_backup_commands(app, ctx);
  cli::add_sign_commands(app, ctx);
  cli::add_agent_commands(app, ctx);
  cli::add_pages_commands(app, ctx);

  // Only `migrate`, `init` and `serve` change the schema (they say so).
  store::set_schema_policy(store::SchemaPolicy::require_current);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Every usage error exits 2, said in the user's language with what would have been right.
    std::cerr << "tugra: " << cli::describe_usage_error(app, e, argc, argv) << "\n";
    return 2;
  } catch (const cli::Exit& e) {
    return e.code;
  } catch (const cli::UsageError& e) {
    std::cerr << "tugra: " << message("cli.usage_error", {{"detail", e.what()}}) << "\n";
    return 2;
  } catch (const UserError& e) {
    std::cerr << "tugra: " << message("cli.error") << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tugra: " << message("cli.internal_error") << ": " << e.what() << "\n";
    return 3;
  }
  return 0;
}
