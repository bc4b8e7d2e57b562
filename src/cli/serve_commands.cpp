// tugra serve | crl generate
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "ca/authority.hpp"
#include "ca/crl_publisher.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"
#include "store/records.hpp"
#include "web/server.hpp"

namespace tugra::cli {
namespace {

struct Roles {
  bool portal = false, status = false, ca = false;
};

// "portal,status", "ca", "all" (the default): any comma list of the roles.
Roles parse_roles(const std::string& text) {
  Roles r;
  std::size_t pos = 0;
  std::string list = text.empty() ? "all" : text;
  while (pos <= list.size()) {
    auto comma = list.find(',', pos);
    std::string role = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (role == "portal" || role == "all") r.portal = true;
    if (role == "status" || role == "all") r.status = true;
    if (role == "ca" || role == "all") r.ca = true;
    if (role != "portal" && role != "status" && role != "ca" && role != "all")
      throw UserError("serve.unknown_role", {{"role", role}});
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return r;
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void add_serve_commands(CLI::App& app, Context& ctx) {
  static web::ServeOptions options;
  static std::string roles;
  auto* serve = app.add_subcommand("serve", help_text("help.serve_cmd_serve"));
  serve->add_option("--listen", options.listen, help_text("help.serve_opt_listen"));
  serve->add_option("--roles", roles, help_text("help.serve_opt_roles"));
  serve->callback([&ctx] {
    store::set_schema_policy(store::SchemaPolicy::migrate);  // a new binary's service brings its schema along
    Roles r = parse_roles(roles);
    Config config = ctx.config();
    bool http = r.portal || r.status;
    // The ca role alone serves nothing over HTTP and waits for SIGINT/SIGTERM:
    // blocked before its thread starts, so that thread inherits the mask and
    // only sigwait() takes them. (With HTTP roles the server's handler does.)
    sigset_t signals = stop_signals();
    if (!http) pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::unique_ptr<ca::CrlPublisher> publisher;
    if (r.ca) {
      publisher = std::make_unique<ca::CrlPublisher>(config);
      publisher->start();
      std::fprintf(stderr, "tugra serve: ca role running (CRL publishing, interrupted issuance)\n");
    }
    if (http) {
      options.portal = r.portal;
      options.status = r.status;
      web::serve(config, options);
    } else {
      // SIGHUP does not stop the ca role: it has nothing to reload, so it
      // says which changed settings wait for a restart.
      for (int signal = SIGHUP; signal == SIGHUP;) {
        sigwait(&signals, &signal);
        if (signal != SIGHUP) break;
        try {
          for (const auto& key : config.differences(Config::load(config.home())))
            std::fprintf(stderr, "tugra serve: %s\n", message("serve.reload_needs_restart", {{"key", key}}).c_str());
        } catch (const std::exception& e) {
          std::fprintf(stderr, "tugra serve: %s\n", message("serve.reload_failed", {{"detail", e.what()}}).c_str());
        }
      }
      std::fprintf(stderr, "tugra serve: stopping\n");
    }
    if (publisher) publisher->stop();
  });

  app.add_subcommand("migrate", help_text("help.serve_cmd_migrate"))->callback([&ctx] {
    store::set_schema_policy(store::SchemaPolicy::migrate);
    auto ledger = ctx.ledger();  // the migration is said on standard error when one is applied
    std::cout << message("store.up_to_date", {{"version", std::to_string(ledger->database().schema_version())}})
              << "\n";
  });

  auto* crl = app.add_subcommand("crl", help_text("help.serve_cmd_crl"));
  crl->require_subcommand(1);
  static std::string ca_id = "nes", out_file;
  auto* generate = crl->add_subcommand("generate", help_text("help.serve_cmd_generate"));
  generate->add_option("--ca", ca_id, help_text("help.serve_opt_ca"))->default_val("nes");
  generate->add_option("--out", out_file, help_text("help.serve_opt_out"));
  generate->callback([&ctx] {
    auto known = store::AuthorityRepository(ctx.ledger()->database()).find(ca_id);
    if (!known || (known->kind != "issuing-ca" && known->kind != "root-ca"))
      throw UsageError("crl.unknown_ca", {{"ca", ca_id}});
    auto session = ctx.open_ca();
    auto record = session.ca->publish_crl(ca_id, !out_file.empty());
    if (!out_file.empty()) write_output(out_file, record.der);
    // With --out -, standard output holds the CRL itself; the report goes beside it.
    (out_file == "-" ? std::cerr : std::cout) << message("crl.published", {{"ca", ca_id},
                                           {"number", std::to_string(record.number)},
                                           {"entries", std::to_string(record.entries)},
                                           {"next", format_utc(record.next_update)}})
              << "\n";
  });
}

}  // namespace tugra::cli
