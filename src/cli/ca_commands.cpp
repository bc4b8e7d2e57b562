// tugra init | root … | ca chain | ca rollover | ca show | ca list | ca issue | ca revoke | ca suspend |
// ca unsuspend | ocsp renew
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "ca/authority.hpp"
#include "ca/issuance_queue.hpp"
#include "ca/certificates.hpp"
#include "ca/nes_policy.hpp"
#include "ca/revocation.hpp"
#include "cli/context.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "status/responder_renewal.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"

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

// A new key for `authority_id` (an OCSP responder, "nes-ocsp", in the
// status token; a time-stamping unit, "nes-tsa", in the TSA token) and its
// certificate. On a host that also holds the CA token (one-host
// installations) it is certified at once; elsewhere the ca role does it.
// Without the key's token PIN here, the status role makes the key itself.
// `messages`: the catalog section that says so ("ocsp", "tsa").
// `first_only`: only when the authority has no certificate yet (a new
// generation's responder, which a running status role may have asked for
// and had certified already: it is not replaced at once).
void renew_certified_key(const Context& ctx, const std::string& authority_id, const std::string& issuing_id,
                         const std::string& messages, bool first_only = false) {
  Config config = ctx.config();
  auto ledger = ctx.ledger();
  std::int64_t request = 0;
  try {
    std::string seen = first_only ? "" : status::stored_certificate(ledger->database(), authority_id);
    request = status::request_certificate_renewal(config, ledger->database(), authority_id, seen);
  } catch (const UserError& e) {
    if (e.key() != "token.no_pin") throw;
    std::cout << message(messages + ".renew_by_status_role", {{"ca", issuing_id}}) << "\n";
    return;
  }
  try {
    auto session = ctx.open_ca();
    session.ca->certify_pending_requests();
    auto record = store::AuthorityRepository(session.ledger->database()).find(authority_id);
    std::cout << message(messages + ".renewed", {{"label", record ? record->key_label : ""}}) << "\n";
  } catch (const UserError& e) {
    if (e.key() != "token.no_pin") throw;
    std::cout << message(messages + ".renew_queued", {{"request", std::to_string(request)}}) << "\n";
  }
}

void renew_responder(const Context& ctx, const std::string& issuing_id, bool first_only = false) {
  auto issuing = store::AuthorityRepository(ctx.ledger()->database()).find(issuing_id);
  if (!issuing || issuing->kind != "issuing-ca") throw UserError("crl.unknown_ca", {{"ca", issuing_id}});
  renew_certified_key(ctx, store::responder_of(issuing_id), issuing_id, "ocsp", first_only);
}

std::string current_issuer(const Context& ctx) {
  auto current = store::AuthorityRepository(ctx.ledger()->database()).current_issuing_id();
  if (!current) throw UserError("ca.issuing_pending", {{"home", ctx.config().home().string()}});
  return *current;
}

std::string pem_of(const store::CertificateRecord& r) {
  return ossl::to_pem(ossl::cert_from_der(base64_decode(r.certificate.value_or(""))).get());
}

}  // namespace

void add_ca_commands(CLI::App& app, Context& ctx) {
  static bool root_home = false;
  static std::string issuing_csr, issuing_cert, root_cert, root_crl;
  auto* init = app.add_subcommand("init", help_text("help.ca_cmd_init"));
  auto* root_flag = init->add_flag("--root-only", root_home, help_text("help.ca_opt_root_only"));
  auto* csr_flag = init->add_option("--issuing-csr", issuing_csr, help_text("help.ca_opt_issuing_csr"));
  auto* cert_flag = init->add_option("--issuing-cert", issuing_cert, help_text("help.ca_opt_issuing_cert"));
  auto* root_cert_flag = init->add_option("--root-cert", root_cert, help_text("help.ca_opt_root_cert"));
  auto* root_crl_flag = init->add_option("--root-crl", root_crl, help_text("help.ca_opt_root_crl"));
  root_flag->excludes(csr_flag)->excludes(cert_flag);
  csr_flag->excludes(cert_flag);
  cert_flag->needs(root_cert_flag)->needs(root_crl_flag);
  root_cert_flag->needs(cert_flag);
  root_crl_flag->needs(cert_flag);
  init->callback([&ctx] {
    store::set_schema_policy(store::SchemaPolicy::migrate);
    Config config = Config::load(resolve_home(ctx.home_flag));
    auto token_line = [&](const char* duty, const char* section) {
      return message("cli.init_token", {{"duty", duty},
                                        {"label", config.str(std::string(section) + ".token_label")},
                                        {"pin_file", config.path(std::string(section) + ".pin_file").string()}});
    };
    if (!issuing_csr.empty()) {
      write_output(issuing_csr, ca::CertificateAuthority::request_issuing(config, ctx.actor()));
      std::cout << message("cli.init_issuing_requested", {{"home", config.home().string()}, {"csr", issuing_csr}})
                << "\n" << token_line("ca", "pkcs11") << "\n" << token_line("audit", "audit_token") << "\n";
      return;
    }
    std::unique_ptr<ca::CertificateAuthority> ca;
    if (root_home) ca = ca::CertificateAuthority::initialize_root(config, ctx.actor());
    else if (!issuing_cert.empty())
      ca = ca::CertificateAuthority::complete_issuing(config, ctx.actor(), read_input(issuing_cert),
                                                      read_input(root_cert), read_input(root_crl));
    else ca = ca::CertificateAuthority::initialize(config, ctx.actor());
    std::cout << message("cli.init_done", {{"home", config.home().string()}}) << "\n"
              << message("cli.init_root", {{"subject", ca->authority("root").subject}}) << "\n";
    if (root_home) {
      std::cout << token_line("ca", "pkcs11") << "\n" << token_line("audit", "audit_token") << "\n"
                << message("cli.init_root_only") << "\n";
      return;
    }
    std::cout << message("cli.init_nes", {{"subject", ca->authority("nes").subject}}) << "\n"
              << message("cli.init_ocsp", {{"subject", ca->authority("nes-ocsp").subject}}) << "\n";
    if (issuing_cert.empty()) std::cout << token_line("ca", "pkcs11") << "\n";
    else std::cout << token_line("ca", "pkcs11") << " " << message("cli.init_no_root_key") << "\n";
    std::cout << token_line("status", "status_token") << "\n" << token_line("audit", "audit_token") << "\n";
    // The default policy OID is under the example arc 2.999: fine for trying
    // Tugra, never for a real provider (docs/PROFILE.md says how to set it).
    if (config.str("profile.policy_oid").rfind("2.999.", 0) == 0)
      std::cout << message("cli.init_example_policy", {{"oid", config.str("profile.policy_oid")}}) << "\n";
  });

  // A configuration value as the home sees it (file, then environment): for scripts.
  static std::string config_key;
  auto* config_cmd = app.add_subcommand("config", help_text("help.ca_cmd_config"));
  config_cmd->require_subcommand(1);
  auto* get = config_cmd->add_subcommand("get", help_text("help.ca_cmd_config_get"));
  get->add_option("KEY", config_key, help_text("help.ca_opt_config_key"))->required();
  get->callback([&ctx] {
    Config config = ctx.config();
    try {
      std::cout << config.str(config_key) << "\n";
    } catch (const std::logic_error&) {
      throw UsageError("config.unknown_key", {{"key", config_key}});
    }
  });

  config_cmd->add_subcommand("defaults", help_text("help.ca_cmd_config_defaults"))->callback([] {
    std::cout << Config::default_file_text();
  });

  // The offline root's commands, run on the root home.
  auto* root = app.add_subcommand("root", help_text("help.ca_cmd_root"));
  root->require_subcommand(1);
  static std::string request_file, certificate_out, crl_out = "-", crl_in;
  auto* sign = root->add_subcommand("sign-issuing", help_text("help.ca_cmd_sign_issuing"));
  sign->add_option("FILE", request_file, help_text("help.ca_opt_request_file"))->required();
  sign->add_option("--out", certificate_out, help_text("help.ca_opt_cert_out"))->required();
  sign->callback([&ctx] {
    std::string csr = read_input(request_file);
    auto session = ctx.open_root();
    Bytes der = session.ca->sign_issuing(csr);
    write_output(certificate_out, ossl::to_pem(ossl::cert_from_der(der).get()));
    std::cout << message("cli.issuing_signed", {{"out", certificate_out}}) << "\n";
  });
  auto* root_crl_cmd = root->add_subcommand("crl", help_text("help.ca_cmd_root_crl"));
  root_crl_cmd->add_option("--out", crl_out, help_text("help.ca_opt_crl_out"))->required();
  root_crl_cmd->callback([&ctx] {
    auto session = ctx.open_root();
    auto record = session.ca->publish_crl("root", true);
    write_output(crl_out, record.der);
    (crl_out == "-" ? std::cerr : std::cout)
        << message("crl.published", {{"ca", "root"}, {"number", std::to_string(record.number)},
                                      {"entries", std::to_string(record.entries)},
                                      {"next", format_utc(record.next_update)}})
        << "\n";
  });
  auto* import_crl = root->add_subcommand("import-crl", help_text("help.ca_cmd_import_crl"));
  import_crl->add_option("CRL", crl_in, help_text("help.ca_opt_crl_in"))->required();
  import_crl->callback([&ctx] {
    std::string crl = read_input(crl_in);
    auto ledger = ctx.ledger();
    auto authority = ca::CertificateAuthority::open(ctx.config(), *ledger);
    auto record = authority->import_root_crl(crl);
    std::cout << message("cli.root_crl_imported", {{"number", std::to_string(record.number)},
                                                   {"next", format_utc(record.next_update)}})
              << "\n";
  });

  auto* cmd = app.add_subcommand("ca", help_text("help.ca_cmd_ca"));
  cmd->require_subcommand(1);

  static bool issuing_only = false, root_only = false;
  static std::string chain_out = "-", chain_ca;
  auto* chain = cmd->add_subcommand("chain", help_text("help.ca_cmd_chain"));
  auto* issuing_flag = chain->add_flag("--issuing", issuing_only, help_text("help.ca_opt_issuing"));
  chain->add_flag("--root", root_only, help_text("help.ca_opt_root"))->excludes(issuing_flag);
  chain->add_option("--ca", chain_ca, help_text("help.ca_opt_chain_ca"));
  chain->add_option("--out", chain_out, help_text("help.ca_opt_out"));
  chain->callback([&ctx] {
    std::string issuing = chain_ca.empty() && !root_only ? current_issuer(ctx) : chain_ca;
    auto ledger = ctx.ledger();
    if (!root_only) {
      auto a = store::AuthorityRepository(ledger->database()).find(issuing);
      if (!a || a->kind != "issuing-ca") throw UsageError("crl.unknown_ca", {{"ca", issuing}});
    }
    std::vector<std::string> ids = issuing_only ? std::vector<std::string>{issuing}
                                   : root_only  ? std::vector<std::string>{"root"}
                                                : std::vector<std::string>{issuing, "root"};
    write_output(chain_out, ca::authority_certificates_pem(ledger->database(), ids));
  });

  // Issuing-CA rollover (ca/rollover.cpp): one step with the root key here,
  // or --csr then --cert around `tugra root sign-issuing` on the root home.
  static std::string rollover_name, rollover_csr, rollover_cert;
  auto* rollover = cmd->add_subcommand("rollover", help_text("help.ca_cmd_rollover"));
  rollover->add_option("--name", rollover_name, help_text("help.ca_opt_rollover_name"));
  auto* csr_opt = rollover->add_option("--csr", rollover_csr, help_text("help.ca_opt_rollover_csr"));
  rollover->add_option("--cert", rollover_cert, help_text("help.ca_opt_rollover_cert"))->excludes(csr_opt);
  rollover->callback([&ctx] {
    std::string certificate = rollover_cert.empty() ? "" : read_input(rollover_cert);
    auto session = ctx.open_ca();
    std::string from = session.ca->current_issuer();
    if (!rollover_csr.empty()) {
      std::string csr;
      std::string id = session.ca->request_rollover(rollover_name, csr);
      write_output(rollover_csr, csr);
      std::cout << message("cli.rollover_requested", {{"ca", id}, {"out", rollover_csr}}) << "\n";
      return;
    }
    std::string id = rollover_cert.empty() ? session.ca->rollover(rollover_name)
                                           : session.ca->complete_rollover(certificate);
    std::cout << message("cli.rollover_done", {{"ca", id}, {"subject", session.ca->authority(id).subject},
                                               {"from", from}})
              << "\n";
    renew_responder(ctx, id, /*first_only=*/true);
    std::string now_current = session.ca->current_issuer();
    std::cout << message(now_current == id ? "cli.rollover_current" : "cli.rollover_waiting", {{"ca", id}}) << "\n";
  });

  auto* ocsp = app.add_subcommand("ocsp", help_text("help.serve_cmd_ocsp"));
  ocsp->require_subcommand(1);
  static std::string renew_ca;
  auto* renew = ocsp->add_subcommand("renew", help_text("help.serve_cmd_renew"));
  renew->add_option("--ca", renew_ca, help_text("help.ca_opt_renew_ca"));
  renew->callback([&ctx] { renew_responder(ctx, renew_ca.empty() ? current_issuer(ctx) : renew_ca); });

  auto* tsa = app.add_subcommand("tsa", help_text("help.ca_cmd_tsa"));
  tsa->require_subcommand(1);
  tsa->add_subcommand("renew", help_text("help.ca_cmd_tsa_renew"))->callback([&ctx] {
    if (!store::AuthorityRepository(ctx.ledger()->database()).find(store::tsa_of("nes")))
      throw UserError("tsa.none", {{"home", ctx.config().home().string()}});
    renew_certified_key(ctx, store::tsa_of("nes"), "nes", "tsa");
  });

  static std::string serial_arg;
  static bool json = false, pem = false;
  auto* show = cmd->add_subcommand("show", help_text("help.ca_cmd_show"));
  show->add_option("SERIAL", serial_arg, help_text("help.ca_opt_serial"))->required();
  show->add_flag("--json", json, help_text("help.ca_opt_json"));
  show->add_flag("--pem", pem, help_text("help.ca_opt_pem"));
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
  auto* list = cmd->add_subcommand("list", help_text("help.ca_cmd_list"));
  list->add_option("--tckn", tckn_filter, help_text("help.ca_opt_tckn"));
  list->add_flag("--json", json, help_text("help.ca_opt_json"));
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
  auto* issue = cmd->add_subcommand("issue", help_text("help.ca_cmd_issue"));
  issue->add_option("--tckn", req.holder.tckn, help_text("help.ca_opt_tckn_2"))->required();
  issue->add_option("--given-name", given, help_text("help.ca_opt_given_name"))->required();
  issue->add_option("--surname", surname, help_text("help.ca_opt_surname"))->required();
  issue->add_option("--locality", locality, help_text("help.ca_opt_locality"));
  auto* pk = issue->add_option("--public-key", public_key_file, help_text("help.ca_opt_public_key"));
  auto* csr = issue->add_option("--csr", csr_file, help_text("help.ca_opt_csr"));
  pk->excludes(csr);
  issue->add_option("--years", req.years, help_text("help.ca_opt_years"))->default_val(ca::nes_policy::kDefaultYears);
  issue->add_option("--limit", limit, help_text("help.ca_opt_limit"));
  issue->add_flag("--suspended", req.suspended, help_text("help.ca_opt_suspended"));
  issue->add_option("--renews", renews, help_text("help.ca_opt_renews"));
  issue->add_option("--request-id", request_id, help_text("help.ca_opt_request_id"));
  issue->add_option("--out", out_file, help_text("help.ca_opt_out_2"));
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
    if (out_file.empty() || out_file == "-") {
      std::cout << text;
      std::cerr << result.record.serial << "\n";
    } else {
      write_output(out_file, text);
      std::cout << result.record.serial << "\n";
    }
  });

  // Bulk issuance (an institution's renewals): JSON lines, each request's
  // intent committed with the others of its batch (group commit).
  static std::string batch_file, out_dir;
  static int batch_size = 64;
  auto* batch = cmd->add_subcommand("issue-batch", help_text("help.ca_cmd_issue_batch"));
  batch->add_option("file", batch_file, help_text("help.ca_opt_batch_file"))->required();
  batch->add_option("--out-dir", out_dir, help_text("help.ca_opt_out_dir"));
  batch->add_option("--batch", batch_size, help_text("help.ca_opt_batch_size"))->capture_default_str()
      ->check(CLI::Range(1, 1000));
  batch->callback([&ctx] {
    std::vector<int> line_numbers;  // of each request
    std::vector<ca::IssueRequest> requests;
    int line_no = 0, refused = 0;
    std::istringstream in(read_input(batch_file));
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      auto text = [&](const char* name) -> std::optional<std::string> {
        if (!j.is_object() || !j.contains(name) || j[name].is_null()) return std::nullopt;
        if (!j[name].is_string()) throw UserError("ca.batch_bad_line", {{"line", std::to_string(line_no)}});
        return j[name].get<std::string>();
      };
      try {
        if (!j.is_object()) throw UserError("ca.batch_bad_line", {{"line", std::to_string(line_no)}});
        ca::IssueRequest r;
        r.holder = {text("tckn").value_or(""), text("given_name").value_or(""), text("surname").value_or(""),
                    text("locality")};
        r.public_key = text("public_key");
        r.csr = text("csr");
        if (j.contains("years")) {
          if (!j["years"].is_number_integer()) throw UserError("ca.batch_bad_line", {{"line", std::to_string(line_no)}});
          r.years = j["years"].get<int>();
        }
        r.limit = text("limit");
        r.suspended = j.value("suspended", false);
        r.renews = text("renews");
        r.request_id = text("request_id");
        line_numbers.push_back(line_no);
        requests.push_back(std::move(r));
      } catch (const UserError& e) {
        std::cerr << line_no << ": " << e.what() << "\n";
        ++refused;
      }
    }
    auto session = ctx.open_ca();
    // Through the issuance pipeline: one batch's intents are synced while
    // the batch before is signed on every core.
    ca::IssuanceQueue queue(*session.ca, static_cast<std::size_t>(batch_size));
    queue.issue_all(requests, [&](std::size_t i, const ca::IssueOutcome& outcome) {
      int n = line_numbers[i];
      if (outcome.error) {
        std::cerr << n << ": " << outcome.error->what() << "\n";
        ++refused;
      } else {
        const auto& result = *outcome.result;
        if (!out_dir.empty())
          write_output((std::filesystem::path(out_dir) / (result.record.serial + ".pem")).string(),
                       ossl::to_pem(ossl::cert_from_der(result.der).get()));
        std::cout << n << " " << result.record.serial << (result.existed ? " (issued before)" : "") << "\n";
      }
      if ((i + 1) % static_cast<std::size_t>(batch_size) == 0 || i + 1 == requests.size())
        std::cerr << message("ca.batch_progress",
                             {{"done", std::to_string(i + 1)}, {"total", std::to_string(requests.size())}})
                  << "\n";
    });
    if (refused > 0) throw UserError("ca.batch_refused", {{"count", std::to_string(refused)}});
  });

  static std::string reason;
  auto* revoke = cmd->add_subcommand("revoke", help_text("help.ca_cmd_revoke"));
  revoke->add_option("SERIAL", serial_arg, help_text("help.ca_opt_serial"))->required();
  revoke->add_option("--reason", reason, help_text("help.ca_opt_reason"))
      ->required();
  revoke->callback([&ctx] {
    int code = ca::parse_revocation_reason(reason);  // before opening anything: bad input changes nothing
    auto r = ca::Certificates(*ctx.ledger()).revoke(serial_arg, code);
    std::cout << message("cli.status_changed", {{"serial", r.serial}, {"status", status_text(r.status)}}) << "\n";
  });

  auto* suspend = cmd->add_subcommand("suspend", help_text("help.ca_cmd_suspend"));
  suspend->add_option("SERIAL", serial_arg, help_text("help.ca_opt_serial"))->required();
  suspend->callback([&ctx] {
    auto r = ca::Certificates(*ctx.ledger()).suspend(serial_arg);
    std::cout << message("cli.status_changed", {{"serial", r.serial}, {"status", status_text(r.status)}}) << "\n";
  });

  auto* unsuspend = cmd->add_subcommand("unsuspend", help_text("help.ca_cmd_unsuspend"));
  unsuspend->add_option("SERIAL", serial_arg, help_text("help.ca_opt_serial"))->required();
  unsuspend->callback([&ctx] {
    auto r = ca::Certificates(*ctx.ledger()).unsuspend(serial_arg);
    std::cout << message("cli.status_changed", {{"serial", r.serial}, {"status", status_text(r.status)}}) << "\n";
  });
}

}  // namespace tugra::cli
