// tugra init | ca chain | ca show | ca list | ca issue | ca revoke | ca suspend | ca unsuspend
#include <nlohmann/json.hpp>

#include <iostream>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "ca/nes_policy.hpp"
#include "ca/revocation.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"

namespace tugra::cli {
namespace {

nlohmann::json to_json(const store::CertificateRecord& r) {
  nlohmann::json j = {{"serial", r.serial},       {"subject", r.subject},
                      {"tckn", r.tckn},           {"status", store::to_string(r.status)},
                      {"not_before", format_utc(r.not_before)}, {"not_after", format_utc(r.not_after)}};
  if (r.revoked_at) j["revoked_at"] = format_utc(*r.revoked_at);
  if (r.revocation_reason) j["reason"] = ca::revocation_reason_name(*r.revocation_reason);
  if (r.renews) j["renews"] = *r.renews;
  return j;
}

std::string status_text(store::CertStatus s) { return message(std::string("status.") + store::to_string(s)); }

void print_record(const store::CertificateRecord& r) {
  auto line = [](const char* key, const std::string& value) { print_field(std::string("show.") + key, value); };
  line("serial", r.serial);
  line("subject", r.subject);
  line("tckn", r.tckn);
  line("status", status_text(r.status));
  line("not_before", format_utc(r.not_before));
  line("not_after", format_utc(r.not_after));
  if (r.revoked_at) line("revoked_at", format_utc(*r.revoked_at));
  if (r.revocation_reason) line("reason", ca::revocation_reason_name(*r.revocation_reason));
  if (r.renews) line("renews", *r.renews);
}

// The issuing CA, then the root, from the stored authority records (no token needed).
std::string chain_pem(store::Database& db) {
  std::string pem;
  store::AuthorityRepository authorities(db);
  for (const char* id : {"nes", "root"}) {
    auto a = authorities.find(id);
    if (!a || !a->certificate) throw UserError("ca.not_initialized", {{"home", ""}});
    pem += ossl::to_pem(ossl::cert_from_der(base64_decode(*a->certificate)).get());
  }
  return pem;
}

std::string pem_of(const store::CertificateRecord& r) {
  return ossl::to_pem(ossl::cert_from_der(base64_decode(r.certificate.value_or(""))).get());
}

}  // namespace

void add_ca_commands(CLI::App& app, Context& ctx) {
  auto* init = app.add_subcommand("init", "Create a Tugra home: configuration, database, CA token, keys and CA hierarchy");
  init->callback([&ctx] {
    Config config = Config::load(resolve_home(ctx.home_flag));
    auto ca = ca::CertificateAuthority::initialize(config, ctx.actor());
    auto token_line = [&](const char* duty, const char* section) {
      return message("cli.init_token", {{"duty", duty},
                                        {"label", config.str(std::string(section) + ".token_label")},
                                        {"pin_file", config.path(std::string(section) + ".pin_file").string()}});
    };
    std::cout << message("cli.init_done", {{"home", config.home().string()}}) << "\n"
              << message("cli.init_root", {{"subject", ca->authority("root").subject}}) << "\n"
              << message("cli.init_nes", {{"subject", ca->authority("nes").subject}}) << "\n"
              << message("cli.init_ocsp", {{"subject", ca->authority("nes-ocsp").subject}}) << "\n"
              << token_line("ca", "pkcs11") << "\n"
              << token_line("status", "status_token") << "\n"
              << token_line("audit", "audit_token") << "\n";
  });

  auto* cmd = app.add_subcommand("ca", "Certificate authority: issue, list, show, revoke, suspend");
  cmd->require_subcommand(1);

  cmd->add_subcommand("chain", "Print the issuing CA and root CA certificates (PEM)")->callback([&ctx] {
    std::cout << chain_pem(ctx.ledger()->database());
  });

  static std::string serial_arg;
  static bool json = false, pem = false;
  auto* show = cmd->add_subcommand("show", "Show one certificate by serial number");
  show->add_option("SERIAL", serial_arg, "Serial number (hex)")->required();
  show->add_flag("--json", json, "Machine-readable output");
  show->add_flag("--pem", pem, "Print the certificate itself (PEM)");
  show->callback([&ctx] {
    auto ledger = ctx.ledger();
    auto rec = ca::Certificates(*ledger).find(serial_arg);
    if (!rec) throw UserError("ca.not_found", {{"serial", serial_arg}});
    if (pem && rec->certificate)
      std::cout << pem_of(*rec);
    else if (json)
      std::cout << to_json(*rec).dump(2) << "\n";
    else
      print_record(*rec);
  });

  static std::string tckn_filter;
  auto* list = cmd->add_subcommand("list", "List certificates, newest first");
  list->add_option("--tckn", tckn_filter, "Only this person's certificates");
  list->add_flag("--json", json, "Machine-readable output");
  list->callback([&ctx] {
    auto ledger = ctx.ledger();
    auto rows = ca::Certificates(*ledger).list(tckn_filter);
    if (json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : rows) out.push_back(to_json(r));
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (rows.empty()) std::cout << message("cli.no_certificates") << "\n";
    for (const auto& r : rows)
      std::cout << r.serial << "  " << r.tckn << "  " << format_utc(r.not_after) << "  " << status_text(r.status)
                << "  " << r.subject << "\n";
  });

  static ca::IssueRequest req;
  static std::string given, surname, locality, public_key_file, csr_file, limit, renews, request_id, out_file;
  auto* issue = cmd->add_subcommand(
      "issue",
      "Issue a qualified (NES) certificate. Prints the certificate (PEM) on standard output and the serial "
      "on standard error; with --out, writes the PEM to FILE and prints the serial on standard output.");
  issue->add_option("--tckn", req.holder.tckn, "T.C. Kimlik No of the holder")->required();
  issue->add_option("--given-name", given, "Given name(s) as registered")->required();
  issue->add_option("--surname", surname, "Surname as registered")->required();
  issue->add_option("--locality", locality, "Locality (il), optional");
  auto* pk = issue->add_option("--public-key", public_key_file, "Public key file (PEM/DER SubjectPublicKeyInfo)");
  auto* csr = issue->add_option("--csr", csr_file, "PKCS#10 request file (PEM/DER); its signature must verify");
  pk->excludes(csr);
  issue->add_option("--years", req.years, "Lifetime: 3 or 5 years")->default_val(ca::nes_policy::kDefaultYears);
  issue->add_option("--limit", limit, "Monetary limit (Maddi Sınır) in TRY, e.g. 50000");
  issue->add_flag("--suspended", req.suspended, "Issue on hold (for a card awaiting activation)");
  issue->add_option("--renews", renews, "Serial of the certificate this one renews");
  issue->add_option("--request-id", request_id, "Idempotency key: a retry with the same key returns the same certificate");
  issue->add_option("--out", out_file, "Write the certificate (PEM) to this file");
  issue->callback([&ctx] {
    req.holder.given_name = given;
    req.holder.surname = surname;
    if (!locality.empty()) req.holder.locality = locality;
    if (!public_key_file.empty()) req.public_key = read_input(public_key_file);
    if (!csr_file.empty()) req.csr = read_input(csr_file);
    if (!limit.empty()) req.limit = limit;
    if (!renews.empty()) req.renews = renews;
    if (!request_id.empty()) req.request_id = request_id;
    auto session = ctx.open_ca();
    auto result = session.ca->issue(req);
    std::string text = ossl::to_pem(ossl::cert_from_der(result.der).get());
    if (result.existed) std::cerr << message("cli.already_issued", {{"serial", result.record.serial}}) << "\n";
    if (out_file.empty()) {
      std::cout << text;
      std::cerr << result.record.serial << "\n";
    } else {
      write_output(out_file, text);
      std::cout << result.record.serial << "\n";
    }
  });

  static std::string reason;
  auto* revoke = cmd->add_subcommand("revoke", "Revoke a certificate for good (RFC 5280 reason)");
  revoke->add_option("SERIAL", serial_arg, "Serial number (hex)")->required();
  revoke->add_option("--reason", reason,
                     "unspecified | keyCompromise | affiliationChanged | superseded | cessationOfOperation | "
                     "privilegeWithdrawn")
      ->required();
  revoke->callback([&ctx] {
    int code = ca::parse_revocation_reason(reason);  // before opening anything: bad input changes nothing
    auto r = ca::Certificates(*ctx.ledger()).revoke(serial_arg, code);
    std::cout << message("cli.status_changed", {{"serial", r.serial}, {"status", status_text(r.status)}}) << "\n";
  });

  auto* suspend = cmd->add_subcommand("suspend", "Suspend a certificate (certificateHold); it can be lifted");
  suspend->add_option("SERIAL", serial_arg, "Serial number (hex)")->required();
  suspend->callback([&ctx] {
    auto r = ca::Certificates(*ctx.ledger()).suspend(serial_arg);
    std::cout << message("cli.status_changed", {{"serial", r.serial}, {"status", status_text(r.status)}}) << "\n";
  });

  auto* unsuspend = cmd->add_subcommand("unsuspend", "Lift the suspension of a certificate");
  unsuspend->add_option("SERIAL", serial_arg, "Serial number (hex)")->required();
  unsuspend->callback([&ctx] {
    auto r = ca::Certificates(*ctx.ledger()).unsuspend(serial_arg);
    std::cout << message("cli.status_changed", {{"serial", r.serial}, {"status", status_text(r.status)}}) << "\n";
  });
}

}  // namespace tugra::cli
