// tugra sign | tugra verify: signatures made with a card, an HSM or a key
// file, and their validation with a report a relying party can file.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "card/card_reader.hpp"
#include "cli/context.hpp"
#include "cli/secret_input.hpp"
#include "common/clock.hpp"
#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"
#include "sign/cades.hpp"
#include "sign/evidence.hpp"
#include "sign/pades.hpp"
#include "sign/xades.hpp"
#include "sign/xml_document.hpp"
#include "sign/validator.hpp"
#include "store/database.hpp"
#include "web/report_pdf.hpp"
#include "store/records.hpp"

namespace tugra::cli {
namespace {

struct SignOptions {
  std::string file, out, format, profile, level, tsa, key, cert, chain, rect;
  int page = 1;
  bool visible = false, detached = false;
  std::optional<std::string> module;
  std::optional<unsigned long> slot;
  bool attached = false, pin_stdin = false;
};

struct VerifyOptions {
  std::string file, data, at, report, out = "-", trust;
  bool offline = false;
};

std::string tsa_url(const Config& config, const std::string& flag) {
  return flag.empty() ? sign::configured_tsa_url(config) : flag;
}


// The certificates of this home's hierarchy, when the home is initialised
// (read from the database: no ledger, no token).
std::vector<ossl::Cert> home_authorities(const Config& config) {
  std::vector<ossl::Cert> out;
  if (!std::filesystem::exists(config.file())) return out;
  auto db = store::Database::open(config);
  for (const auto& a : store::AuthorityRepository(*db).all())
    if (a.certificate) out.push_back(ossl::cert_from_der(base64_decode(*a.certificate)));
  return out;
}

// "2026-12-01T10:00:00Z", "2026-12-01 10:00:00" (UTC) or unix seconds.
std::int64_t parse_time(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stoll(text);
  std::tm tm{};
  std::string t = text;
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  for (auto& c : t)
    if (c == 'T') c = ' ';
  const char* end = strptime(t.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!end || *end) throw UsageError("verify.bad_time", {{"time", text}});
  return static_cast<std::int64_t>(timegm(&tm));
}

// "x,y,width,height" in PDF points.
sign::VisibleSignature visible_box(const SignOptions& o, const X509* certificate) {
  sign::VisibleSignature v;
  v.page = o.page;
  if (!o.rect.empty() && std::sscanf(o.rect.c_str(), "%lf,%lf,%lf,%lf", &v.x, &v.y, &v.width, &v.height) != 4)
    throw UsageError("sign.bad_rect", {{"rect", o.rect}});
  const X509_NAME* subject = X509_get_subject_name(certificate);
  char name[256] = "";
  X509_NAME_get_text_by_NID(const_cast<X509_NAME*>(subject), NID_commonName, name, sizeof name);
  char when[32];
  std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  v.text = message("sign.visible_text", {{"name", name}, {"time", when}});
  return v;
}

void run_sign(const Context& ctx, const SignOptions& o) {
  // The format: as asked, else from the file (a PDF gets PAdES).
  std::string format = o.format;
  if (format.empty()) {
    // A PDF gets PAdES, an XML document XAdES, anything else CAdES.
    char head[64] = {};
    std::ifstream(o.file, std::ios::binary).read(head, sizeof head - 1);
    std::string start(head);
    auto first = start.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    format = start.rfind("%PDF", 0) == 0                               ? "pades"
             : first != std::string::npos && start[first] == '<' ? "xades"
                                                                  : "cades";
  }
  if (o.detached && format != "xades") throw UsageError("sign.detached_needs_xades");
  if (o.visible && format != "pades") throw UsageError("sign.visible_needs_pdf");
  Config config = ctx.config();
  sign::CadesOptions options;
  options.attached = o.attached;
  options.signing_time = now_micros() / 1000000;
  options.profile = !o.profile.empty() ? sign::btk_profile(o.profile, sign::PolicySettings::from(config))
                                       : sign::baseline_profile(sign::parse_level(o.level.empty() ? "B" : o.level));
  sign::EvidenceFetcher evidence(tsa_url(config, o.tsa));

  // The key: a key file (tests, a software seal), else a card or HSM slot.
  std::unique_ptr<Signer> file_key;
  card::CardKey card_key;
  ossl::Cert certificate;
  const Signer* key = nullptr;
  if (!o.key.empty()) {
    if (o.cert.empty()) throw UsageError("sign.key_needs_cert");
    certificate = ossl::cert_from_pem_or_der(read_input(o.cert));
    EVP_PKEY* pub = X509_get0_pubkey(certificate.get());
    file_key = SoftwareSigner::from_pem(read_input(o.key), scheme_for_key(pub));
    if (file_key->public_key_der() != ossl::public_key_der(pub)) throw UserError("sign.key_cert_mismatch");
    key = file_key.get();
  } else {
    auto reader = card::CardReader::open(ctx.card_module(o.module));
    CK_SLOT_ID slot = 0;
    if (o.slot) {
      slot = reader.card(*o.slot).slot;
    } else {
      auto cards = reader.cards();
      auto usable = std::find_if(cards.begin(), cards.end(), [](const auto& c) { return !c.blank && !c.dead(); });
      if (usable == cards.end()) throw UserError("card.none");
      slot = usable->slot;
    }
    std::string pin = SecretInput(o.pin_stdin).read("card.prompt_pin");
    card_key = reader.signing_key(slot, pin);
    certificate = ossl::cert_from_der(card_key.certificate.der);
    key = card_key.signer.get();
  }
  // The chain from --chain and this home's hierarchy; what is still missing, from caIssuers URLs.
  std::vector<ossl::Cert> known = home_authorities(config);
  if (!o.chain.empty())
    for (auto& c : ossl::certs_from_pem(read_input(o.chain))) known.push_back(std::move(c));
  auto chain = sign::complete_chain(certificate.get(), known, evidence);
  std::cerr << message("sign.signing", {{"file", o.file}, {"profile", options.profile.name}}) << "\n";
  std::string document, out = o.out;
  if (format == "pades") {
    sign::PadesOptions pades{options.profile, options.signing_time, std::nullopt};
    if (o.visible) pades.visible = visible_box(o, certificate.get());
    document = sign::sign_pades(*key, certificate.get(), chain, read_input(o.file), pades, evidence);
    if (out.empty()) out = std::filesystem::path(o.file).replace_extension().string() + "-imzali.pdf";
  } else if (format == "xades") {
    const std::string content = read_input(o.file);
    // Enveloped into the XML document itself, or detached beside any file.
    sign::XadesOptions xades{options.profile, options.signing_time, !o.detached,
                             std::filesystem::path(o.file).filename().string()};
    try {
      if (xades.enveloped) sign::XmlDocument check(content);
    } catch (const UserError&) {
      xades.enveloped = false;  // not XML: only a detached signature can sign it
    }
    document = sign::sign_xades(*key, certificate.get(), chain, content, xades, evidence);
    if (out.empty())
      out = xades.enveloped ? std::filesystem::path(o.file).replace_extension().string() + "-imzali.xml" : o.file + ".xsig.xml";
  } else {
    document = to_string(sign::sign_cades_file(*key, certificate.get(), chain, o.file, options, evidence));
    if (out.empty()) out = o.file + ".p7s";
  }
  write_output(out, document);
  if (out != "-") std::cerr << message("sign.written", {{"file", out}}) << "\n";
}

void run_verify(const Context& ctx, const VerifyOptions& o) {
  Config config = ctx.config();
  sign::TrustAnchors trust;
  for (auto& c : home_authorities(config)) trust.add(std::move(c));
  trust.add_directory(config.path("verify.trust_dir"));
  if (!o.trust.empty()) {
    if (std::filesystem::is_directory(o.trust)) trust.add_directory(o.trust);
    else trust.add_pem_bundle(read_input(o.trust));
  }
  sign::ValidationSettings settings;
  if (!o.at.empty()) settings.at = parse_time(o.at);
  settings.online = config.boolean("verify.online") && !o.offline;
  settings.policies = sign::PolicySettings::from(config);
  sign::EvidenceFetcher evidence(tsa_url(config, ""));
  std::optional<std::filesystem::path> data;
  if (!o.data.empty()) data = o.data;
  sign::ValidationReport report = sign::validate_file(o.file, data, trust, settings, evidence);

  std::string text;
  if (o.report == "json") text = sign::to_json(report);
  else if (o.report == "xml") text = sign::to_xml(report);
  else if (o.report == "html") text = sign::to_html(report, process_lang());
  std::string out = o.out;
  if (o.report == "pdf") {
    text = web::validation_report_pdf(report, process_lang());
    if (out == "-") out = std::filesystem::path(o.file).replace_extension().string() + "-rapor.pdf";  // not to a terminal
  }
  if (!text.empty()) write_output(out, text);
  if (o.report.empty() || out != "-") {
    for (const auto& s : report.signatures)
      std::cout << message("verify.summary", {{"id", s.id}, {"indication", sign::indication_name(s.indication)},
                                              {"sub", s.sub_indication.empty() ? "-" : s.sub_indication},
                                              {"signer", s.signer}, {"level", s.level}})
                << "\n";
    std::cout << message("verify.overall", {{"indication", sign::indication_name(report.overall())}}) << "\n";
  }
  switch (report.overall()) {
    case sign::Indication::total_passed: return;
    case sign::Indication::total_failed: throw Exit{1};
    case sign::Indication::indeterminate: throw Exit{4};
  }
}

}  // namespace

void add_sign_commands(CLI::App& app, Context& ctx) {
  static SignOptions s;
  auto* sign_cmd = app.add_subcommand("sign", help_text("help.sign_cmd"));
  sign_cmd->add_option("file", s.file, help_text("help.sign_opt_file"))->required()->check(CLI::ExistingFile);
  sign_cmd->add_option("--format", s.format, help_text("help.sign_opt_format"))->check(CLI::IsMember({"cades", "pades", "xades"}));
  sign_cmd->add_flag("--visible", s.visible, help_text("help.sign_opt_visible"));
  sign_cmd->add_option("--page", s.page, help_text("help.sign_opt_page"))->check(CLI::PositiveNumber);
  sign_cmd->add_option("--rect", s.rect, help_text("help.sign_opt_rect"));
  sign_cmd->add_flag("--attached", s.attached, help_text("help.sign_opt_attached"));
  sign_cmd->add_flag("--detached", s.detached, help_text("help.sign_opt_detached"));
  auto* profile = sign_cmd->add_option("--profile", s.profile, help_text("help.sign_opt_profile"));
  sign_cmd->add_option("--level", s.level, help_text("help.sign_opt_level"))->excludes(profile);
  sign_cmd->add_option("--out", s.out, help_text("help.sign_opt_out"));
  sign_cmd->add_option("--tsa", s.tsa, help_text("help.sign_opt_tsa"));
  sign_cmd->add_option("--module", s.module, help_text("help.card_opt_module"));
  sign_cmd->add_option("--slot", s.slot, help_text("help.card_opt_slot"));
  sign_cmd->add_flag("--pin-stdin", s.pin_stdin, help_text("help.card_opt_pin_stdin"));
  sign_cmd->add_option("--key", s.key, help_text("help.sign_opt_key"));
  sign_cmd->add_option("--cert", s.cert, help_text("help.sign_opt_cert"));
  sign_cmd->add_option("--chain", s.chain, help_text("help.sign_opt_chain"));
  sign_cmd->callback([&ctx] { run_sign(ctx, s); });

  static VerifyOptions v;
  auto* verify = app.add_subcommand("verify", help_text("help.verify_cmd"));
  verify->add_option("file", v.file, help_text("help.verify_opt_file"))->required()->check(CLI::ExistingFile);
  verify->add_option("--data", v.data, help_text("help.verify_opt_data"))->check(CLI::ExistingFile);
  verify->add_option("--at", v.at, help_text("help.verify_opt_at"));
  verify->add_option("--report", v.report, help_text("help.verify_opt_report"))->check(CLI::IsMember({"json", "xml", "html", "pdf"}));
  verify->add_option("--out", v.out, help_text("help.verify_opt_out"));
  verify->add_option("--trust", v.trust, help_text("help.verify_opt_trust"));
  verify->add_flag("--offline", v.offline, help_text("help.verify_opt_offline"));
  verify->callback([&ctx] { run_verify(ctx, v); });
}

}  // namespace tugra::cli
