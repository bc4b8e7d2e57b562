// tugra serve | crl generate
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "ca/authority.hpp"
#include "ca/crl_publisher.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
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
  return set;
}

}  // namespace

void add_serve_commands(CLI::App& app, Context& ctx) {
  static web::ServeOptions options;
  static std::string roles;
  auto* serve = app.add_subcommand(
      "serve", "Run the service. Roles: portal (web pages), status (OCSP: POST /ocsp, GET /ocsp/{base64}; CRLs "
               "/crl/nes.crl, /crl/root.crl; CA certificates /ca/nes.crt, /ca/root.crt; /healthz, /metrics; "
               "signs with the status token), ca (publishes CRLs after status changes and completes interrupted "
               "issuance; the only role that opens the CA token). Stops on SIGINT/SIGTERM.");
  serve->add_option("--listen", options.listen, "ADDR:PORT (default: service.listen, 127.0.0.1:8080)");
  serve->add_option("--roles", roles,
                    "Comma-separated roles: portal, status, ca, or all (default). portal and status never need "
                    "the CA token's PIN; ca alone serves no HTTP.");
  serve->callback([&ctx] {
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
      int signal = 0;
      sigwait(&signals, &signal);
      std::fprintf(stderr, "tugra serve: stopping\n");
    }
    if (publisher) publisher->stop();
  });

  auto* crl = app.add_subcommand("crl", "Certificate revocation lists");
  crl->require_subcommand(1);
  static std::string ca_id = "nes", out_file;
  auto* generate = crl->add_subcommand(
      "generate", "Publish a new full CRL now, signed with the CA token (the ca role of `tugra serve` also does this "
                  "by itself)");
  generate->add_option("--ca", ca_id, "nes (holder certificates) or root (CA certificates)")->default_val("nes");
  generate->add_option("--out", out_file, "Also write the CRL (DER) to this file");
  generate->callback([&ctx] {
    auto session = ctx.open_ca();
    auto record = session.ca->publish_crl(ca_id);
    if (!out_file.empty()) write_output(out_file, to_string(base64_decode(record.der)));
    std::cout << message("crl.published", {{"ca", ca_id},
                                           {"number", std::to_string(record.number)},
                                           {"entries", std::to_string(record.entries)},
                                           {"next", format_utc(record.next_update)}})
              << "\n";
  });
}

}  // namespace tugra::cli
