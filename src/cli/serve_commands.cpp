// tugra serve | crl generate
#include <iostream>

#include "ca/authority.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "web/server.hpp"

namespace tugra::cli {

void add_serve_commands(CLI::App& app, Context& ctx) {
  static web::ServeOptions options;
  static std::string roles;
  auto* serve = app.add_subcommand(
      "serve", "Run the HTTP service: OCSP (POST /ocsp, GET /ocsp/{base64}), CRLs (/crl/nes.crl, /crl/root.crl), "
               "CA certificates (/ca/nes.crt, /ca/root.crt), /healthz and /metrics. Stops on SIGINT/SIGTERM.");
  serve->add_option("--listen", options.listen, "ADDR:PORT (default: service.listen, 127.0.0.1:8080)");
  serve->add_option("--roles", roles, "Comma-separated roles: status (OCSP, CRL, CA certificates), portal (web pages) or all (default)");
  serve->callback([&ctx] {
    std::size_t pos = 0;
    while (pos < roles.size()) {
      auto comma = roles.find(',', pos);
      options.roles.push_back(roles.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    web::serve(ctx.config(), options);
  });

  auto* crl = app.add_subcommand("crl", "Certificate revocation lists");
  crl->require_subcommand(1);
  static std::string ca_id = "nes", out_file;
  auto* generate = crl->add_subcommand("generate", "Publish a new full CRL now (the server also does this by itself)");
  generate->add_option("--ca", ca_id, "nes (holder certificates) or root (CA certificates)")->default_val("nes");
  generate->add_option("--out", out_file, "Also write the CRL (DER) to this file");
  generate->callback([&ctx] {
    auto ca = ca::CertificateAuthority::open(ctx.config(), ctx.actor());
    auto record = ca->publish_crl(ca_id);
    if (!out_file.empty()) write_output(out_file, to_string(base64_decode(record.der)));
    std::cout << message("crl.published", {{"ca", ca_id},
                                           {"number", std::to_string(record.number)},
                                           {"entries", std::to_string(record.entries)},
                                           {"next", format_utc(record.next_update)}})
              << "\n";
  });
}

}  // namespace tugra::cli
