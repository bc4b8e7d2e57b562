#include "common/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace tugra {
namespace {

enum class Type { string, integer, boolean };

struct KeyInfo {
  const char* key;  // "section.name"
  Type type;
  const char* default_value;
  const char* comment;
};

// The single list of configuration keys: the defaults, the generated file and
// the validation of user files all come from here.
constexpr KeyInfo kKeys[] = {
    {"service.public_base_url", Type::string, "http://127.0.0.1:8080",
     "Public base URL written into certificates (CRL DP, OCSP, caIssuers, CPS)."},
    {"service.listen", Type::string, "127.0.0.1:8080", "Address and port `tugra serve` listens on."},
    {"service.threads", Type::integer, "0",
     "HTTP worker threads; 0: half the cores (at least one), leaving the rest to the portal's threads, "
     "the status service and the database; on a status host (`--roles status` over plain HTTP) every "
     "core, as its loops never wait (docs/PERFORMANCE.md)."},
    {"service.tls_certificate", Type::string, "",
     "PEM certificate chain for HTTPS (relative to the home); empty: plain HTTP (e.g. behind a proxy)."},
    {"service.tls_key", Type::string, "", "PEM private key for HTTPS."},
    {"service.max_body_bytes", Type::integer, "65536",
     "Largest request body accepted: 413 beyond it (and the connection closed beyond four times it)."},
    {"service.metrics_from", Type::string, "127.0.0.1 ::1",
     "Addresses (space-separated) that may read /metrics; others get 403. Empty: nobody."},
    {"service.trusted_proxies", Type::string, "",
     "Reverse proxies (space-separated addresses or CIDR blocks) whose X-Forwarded-For is believed: the "
     "client address in the access log, rate limits and audit records is then the proxy's client. Empty: "
     "the header is ignored."},
    {"service.poll_milliseconds", Type::integer, "1000",
     "How often the server looks for status changes made by any process."},
    {"crl.nes_hours", Type::integer, "24", "nextUpdate of the NES CA's CRL, in hours after thisUpdate."},
    {"crl.root_days", Type::integer, "365", "nextUpdate of the root CA's CRL, in days (at most a year)."},
    {"crl.full_every_minutes", Type::integer, "0",
     "0: a full CRL after every status change. N: full CRLs at most every N minutes (and before "
     "nextUpdate), a delta CRL (/crl/nes-delta.crl) after every change in between."},
    {"crl.debounce_seconds", Type::integer, "2",
     "A new CRL follows a status change after this quiet time (several changes make one CRL)."},
    {"retention.outbox_days", Type::integer, "30",
     "Days an outbox message keeps its body (SMS codes, reset links); then `tugra purge` or the ca role "
     "blanks it, keeping who was sent what kind of message when."},
    {"retention.full_crls", Type::integer, "30",
     "Full CRLs kept per CA (the newest); older ones, and delta CRLs before the oldest kept, are deleted."},
    {"retention.every_hours", Type::integer, "24", "How often the ca role applies the retention rules."},
    {"ocsp.validity_hours", Type::integer, "12",
     "nextUpdate of OCSP responses; pre-signed responses are re-signed at half of it."},
    {"database.url", Type::string, "sqlite:tugra.db",
     "\"sqlite:FILE\" (relative to the home) or \"postgresql://user:password@host:port/db\"."},
    {"database.sqlite_synchronous", Type::string, "full",
     "SQLite durability: \"full\" syncs each commit; \"normal\" survives a crash but not a power cut."},
    {"pkcs11.module", Type::string, "/usr/lib/softhsm/libsofthsm2.so",
     "PKCS#11 module holding the CA keys (SoftHSM2 by default; an HSM's module in production); the default of the other tokens too."},
    {"pkcs11.softhsm_conf", Type::string, "softhsm2.conf",
     "SoftHSM2 configuration made by `tugra init` in the home; empty when using another module."},
    {"pkcs11.token_label", Type::string, "tugra-ca", "Label of the token that holds the CA keys."},
    {"pkcs11.pin_file", Type::string, "secrets/ca-token.pin",
     "File with the CA token's user PIN (relative to the home); TUGRA_PKCS11_PIN overrides it. Only the "
     "`ca` role and the CA commands (init, ca issue, crl generate, production run) need it."},
    {"pkcs11.slot", Type::integer, "-1", "Slot of the CA token; -1: found by token_label."},
    {"status_token.module", Type::string, "",
     "PKCS#11 module of the status token (OCSP responder key); empty: pkcs11.module."},
    {"status_token.token_label", Type::string, "tugra-status", "Label of the token that holds the OCSP responder key."},
    {"status_token.slot", Type::integer, "-1", "Slot of the status token; -1: found by token_label."},
    {"status_token.pin_file", Type::string, "secrets/status-token.pin",
     "File with the status token's user PIN; TUGRA_STATUS_TOKEN_PIN overrides it. The `status` role needs it."},
    {"tsa_token.module", Type::string, "",
     "PKCS#11 module of the TSA token (the RFC 3161 time-stamping key); empty: pkcs11.module."},
    {"tsa_token.token_label", Type::string, "tugra-tsa", "Label of the token that holds the time-stamping key."},
    {"tsa_token.slot", Type::integer, "-1", "Slot of the TSA token; -1: found by token_label."},
    {"tsa_token.pin_file", Type::string, "secrets/tsa-token.pin",
     "File with the TSA token's user PIN; TUGRA_TSA_TOKEN_PIN overrides it. The `status` role needs it."},
    {"tsa.policy_oid", Type::string, "2.999.5070.2.1",
     "The TSA policy OID in every TSTInfo (2.999 is the example arc: set your own, or 0.4.0.2023.1.1, "
     "ETSI EN 319 421's best-practices policy, when you follow it). A query naming another is refused."},
    {"tsa.accuracy_millis", Type::integer, "1000", "The accuracy the timestamps state, in milliseconds."},
    {"tsa.require_synchronised_clock", Type::boolean, "true",
     "Refuse to time-stamp (timeNotAvailable) while the kernel says the clock is not synchronised "
     "(adjtimex: TIME_ERROR, e.g. no NTP). Off only for tests on a machine without NTP."},
    {"audit_token.module", Type::string, "",
     "PKCS#11 module of the audit token (audit checkpoint key); empty: pkcs11.module."},
    {"audit_token.token_label", Type::string, "tugra-audit", "Label of the token that holds the audit key."},
    {"audit_token.slot", Type::integer, "-1", "Slot of the audit token; -1: found by token_label."},
    {"audit_token.pin_file", Type::string, "secrets/audit-token.pin",
     "File with the audit token's user PIN; TUGRA_AUDIT_TOKEN_PIN overrides it. Every role that writes "
     "audited records (portal, ca, the CLI) needs it."},
    {"ca.key_algorithm", Type::string, "ecdsa-p384",
     "Root and issuing CA key: \"ecdsa-p384\" or \"rsa-4096-pss\"."},
    {"ca.organization", Type::string, "Tugra", "Organisation (O) in the CA names."},
    {"ca.root_name", Type::string, "Tugra Kök Sertifika Hizmet Sağlayıcısı - Sürüm 1",
     "Common name of the root CA (at most 64 characters)."},
    {"ca.issuing_name", Type::string,
     "Tugra Nitelikli Elektronik Sertifika Hizmet Sağlayıcısı Sürüm 1",
     "Common name of the NES issuing CA (at most 64 characters, RFC 5280 ub-common-name)."},
    {"ca.ocsp_name", Type::string, "Tugra NES OCSP Yanıtlayıcısı - Sürüm 1",
     "Common name of the issuing CA's OCSP responder certificate."},
    {"ca.root_years", Type::integer, "20", "Validity of the root CA certificate in years."},
    {"ca.issuing_years", Type::integer, "10", "Validity of the issuing CA certificate in years."},
    {"ca.ocsp_key_algorithm", Type::string, "ecdsa-p256",
     "OCSP responder key: \"ecdsa-p256\" (fast live signing) or \"ecdsa-p384\"."},
    {"ca.ocsp_years", Type::integer, "2", "Validity of the OCSP responder certificate in years."},
    {"ca.tsa_name", Type::string, "Tugra Zaman Damgası Birimi - Sürüm 1",
     "Common name of the time-stamping unit's certificate."},
    {"ca.tsa_years", Type::integer, "5", "Validity of the time-stamping certificate in years."},
    {"ca.tsa_key_algorithm", Type::string, "ecdsa-p256", "Time-stamping key: \"ecdsa-p256\" or \"ecdsa-p384\"."},
    {"ca.holder_beyond_issuer", Type::string, "refuse",
     "A holder certificate that would outlive the issuing CA: \"refuse\" the request, or \"cap\" its end at the CA's."},
    {"profile.policy_oid", Type::string, "2.999.5070.1.1",
     "The provider's NES certificate policy OID (2.999 is the example arc: set your own)."},
    {"profile.cps_uri", Type::string, "",
     "Certification practice statement URL; empty means PUBLIC_BASE_URL/cps."},
    {"profile.user_notice", Type::string,
     "Bu sertifika, 5070 sayılı Elektronik İmza Kanununa göre nitelikli elektronik sertifikadır.",
     "UserNotice explicitText and BTK 5070 statement text (MA3 verifiers require it)."},
    {"profile.etsi_qcp_policy", Type::boolean, "true",
     "Also assert the ETSI QCP-n-qscd policy 0.4.0.194112.1.2."},
    {"profile.etsi_serial_number", Type::boolean, "false",
     "Subject serialNumber as PNOTR-<TCKN> with the ETSI semantics identifier (Kamu SM: off)."},
    {"profile.qc_pds_url", Type::string, "", "PKI disclosure statement URL (QcPDS); empty: none."},
    {"profile.currency", Type::string, "TRY", "ISO 4217 code of the monetary limit (QcLimitValue)."},
    {"sign.tsa_url", Type::string, "",
     "Time-stamping authority `tugra sign` asks for T and later levels; empty means PUBLIC_BASE_URL/tsa."},
    {"sign.policy_p2", Type::string,
     "2.16.792.1.61.0.1.5070.3.1.1 946eb93012eca0f7391e52b6164001d68d009395357a7caf56e12b701116a693",
     "BTK profile P2 signature policy: \"OID SHA256-OF-THE-POLICY-DOCUMENT [URI]\". The default hash is a "
     "stand-in (of the policy's title): set the hash of the document your verifiers use."},
    {"sign.policy_p3", Type::string,
     "2.16.792.1.61.0.1.5070.3.2.1 c2e866a54b6a4a476d5e70100306c8cced23455c73a5dd60934423ee38074f79",
     "BTK profile P3 signature policy, as sign.policy_p2."},
    {"sign.policy_p4", Type::string,
     "2.16.792.1.61.0.1.5070.3.3.1 e08284a11863027172149a8c628800fd118eab534965c69c5e9e6c153d5201a6",
     "BTK profile P4 signature policy, as sign.policy_p2."},
    {"verify.trust_dir", Type::string, "trust",
     "Directory of further trust anchors for `tugra verify` (PEM or DER root certificates, e.g. other Turkish "
     "NES roots); Tugra's own hierarchy is always trusted."},
    {"verify.online", Type::boolean, "true",
     "Fetch missing revocation data (OCSP, CRL) from the certificates' own URLs while verifying."},
    {"verify.max_upload_bytes", Type::integer, "20971520",
     "Largest file the portal's \"İmza Doğrula\" page accepts."},
    {"audit.public_key_file", Type::string, "audit-key.pem",
     "The audit key's public half (PEM), written by tugra init (or tugra audit key --out): tugra audit verify "
     "--offline checks the chain with it, without the audit token. Keep a copy away from this host."},
    {"audit.checkpoint_every", Type::integer, "100",
     "A signed checkpoint after this many audit records (and at the end of each command)."},
    {"audit.witness_file", Type::string, "audit-witness.log",
     "Append-only file (relative to the home) that receives every signed checkpoint, so that deleting the "
     "newest records with their checkpoints is found by `tugra audit verify`; empty: none."},
    {"audit.witness_url", Type::string, "",
     "A witness on another host: every signed checkpoint is POSTed there (text/plain, one \"seq hash "
     "signature\" line each) and `audit verify` GETs them all back and checks each is still in the "
     "database. Empty: the witness file only."},
    {"card.module", Type::string, "",
     "PKCS#11 module of the card readers (akisp11, OpenSC, SoftHSM2…); empty: Tugra's virtual card."},
    {"card.vcard_dir", Type::string, "vcards",
     "Where the virtual cards live (relative to the home); TUGRA_VCARD_DIR overrides it."},
    {"card.key_algorithm", Type::string, "rsa-2048",
     "Holder signing keys generated on the card: \"rsa-2048\", \"rsa-3072\", \"ecdsa-p256\" or \"ecdsa-p384\"."},
    {"card.holder_keeps_puk", Type::boolean, "true",
     "The holder's portal shows the PUK beside the PIN (AKIS cards produced since 2011 unlock without it)."},
    {"agent.url", Type::string, "http://127.0.0.1:24817",
     "Where the portal's pages find the holder's card agent (`tugra agent` on the holder's machine)."},
    {"agent.listen", Type::string, "127.0.0.1:24817",
     "Address and port `tugra agent` listens on: loopback only (127.0.0.1 or [::1])."},
    {"agent.origins", Type::string, "",
     "Portal origins (space-separated, e.g. https://portal.example) whose pages may use `tugra agent`; "
     "empty: the origin of service.public_base_url."},
    {"secrets.master_key_file", Type::string, "secrets/master.key",
     "Master key that wraps each holder secret's data key (PIN/PUK); made on first use, mode 0600."},
    {"portal.demo", Type::boolean, "false",
     "Demo mode: allows the /dev/outbox page and portal.captcha_fixed. Never on a real service."},
    {"portal.captcha_fixed", Type::string, "",
     "Demo mode only: every captcha has this answer (automated tests); refused otherwise."},
    {"portal.captcha_seconds", Type::integer, "300", "How long a captcha image can be answered."},
    {"portal.sms_code_seconds", Type::integer, "300", "How long an SMS confirmation code is valid."},
    {"portal.sms_code_attempts", Type::integer, "3", "Wrong SMS codes accepted before the code is void."},
    {"portal.sms_code_failures", Type::integer, "6",
     "Wrong SMS codes for one holder or application, across sessions, before its SMS step is locked for "
     "portal.lockout_minutes (each one audited)."},
    {"portal.session_minutes", Type::integer, "20", "A portal session ends after this idle time."},
    {"portal.session_max_hours", Type::integer, "8",
     "A portal session ends this long after it began, however active (a new log-in is needed)."},
    {"portal.identity_failures", Type::integer, "5",
     "Failed identity checks for one TCKN before the application login is locked."},
    {"portal.lockout_minutes", Type::integer, "30", "How long such a lock lasts."},
    {"portal.posts_per_minute", Type::integer, "60", "Form submissions accepted per minute from one address."},
    {"portal.captchas_per_minute", Type::integer, "120",
     "Captcha images served per minute to one address (an institution behind one NAT address counts once)."},
    {"portal.directory_searches_per_minute", Type::integer, "20",
     "Sertifika Sorgulama searches and downloads answered per minute to one address."},
    {"portal.argon2_ops", Type::integer, "2", "Argon2id passes for security words and passwords."},
    {"portal.argon2_memory_kib", Type::integer, "65536", "Argon2id memory in KiB (one hash takes ~50-100 ms here)."},
    {"portal.argon2_concurrency", Type::integer, "0",
     "Argon2id hashes computed at once (the rest wait); 0: half the cores, at least one (the other half stays "
     "with the HTTP threads and the status service)."},
    {"portal.officer_logins_per_minute", Type::integer, "10",
     "Officer and operator log-in attempts per minute from one address, refused before any password is hashed."},
    {"portal.holder_word_failures", Type::integer, "3",
     "Wrong security words before a holder's log-in is blocked (until the call centre unblocks it)."},
    {"portal.reset_link_minutes", Type::integer, "60", "How long a \"Güvenlik Sözcüğümü Unuttum\" link works."},
    {"portal.unlock_minutes", Type::integer, "15", "How long a card unlock authorisation waits for the card agent."},
    {"portal.argon2_queue", Type::integer, "2",
     "Log-ins that may wait for a hash (keep it below portal.threads minus argon2_concurrency, so a thread "
     "stays free for other pages); beyond that the page says to try again in a moment."},
    {"portal.threads", Type::integer, "4",
     "Threads that answer portal pages (database work, hashing) so the HTTP threads never wait."},
    {"portal.call_centre", Type::string, "444 5 576", "Call centre number shown on the pages."},
    {"portal.contact_email", Type::string, "bilgi@tugra.example",
     "The help e-mail address step 1/6 gives applicants (seed 000: \"bilgi@…\")."},
    {"api.requests_per_minute", Type::integer, "600",
     "REST API requests answered per minute for one key (429 and Retry-After beyond it)."},
    {"api.max_body_bytes", Type::integer, "8388608",
     "Largest staff list (POST /api/v1/institution/staff, up to 10,000 people) accepted: 413 beyond it."},
    {"api.key_failures_per_minute", Type::integer, "20",
     "Requests with a missing or wrong API key answered per minute to one address, before 429."},
    {"webhooks.poll_milliseconds", Type::integer, "1000",
     "How often the portal looks for webhook events to send, certificate changes to turn into events, and what to "
     "write to the LDAP directory."},
    {"webhooks.retry_seconds", Type::integer, "30",
     "Delay before a failed webhook is sent again; doubled each time, at most an hour."},
    {"webhooks.max_attempts", Type::integer, "12", "Attempts before a webhook event is given up (marked failed)."},
    {"webhooks.ca_file", Type::string, "",
     "PEM file of CAs trusted for webhook receivers besides the system's (relative to the home); empty: the "
     "system's only."},
    {"directory.ldap_url", Type::string, "",
     "An OpenLDAP server (ldap://host:port) the portal writes published certificates (userCertificate;binary) and "
     "each CA's newest CRL (certificateRevocationList;binary) to; empty: no LDAP directory."},
    {"directory.ldap_base", Type::string, "dc=tugra,dc=example",
     "The existing entry under which ou=certificates and ou=authorities are kept."},
    {"directory.ldap_bind_dn", Type::string, "", "The DN the portal binds as (it needs write access under the base)."},
    {"directory.ldap_password_file", Type::string, "",
     "A file holding the bind password (relative to the home; readable by the portal role only)."},
    {"notify.sms", Type::string, "outbox", "SMS adapter: \"outbox\" (database) or \"http\" (a gateway)."},
    {"notify.sms_url", Type::string, "", "HTTP SMS gateway URL (POST)."},
    {"notify.sms_auth_header", Type::string, "", "Header sent to the gateway, e.g. \"Authorization: Bearer …\"."},
    {"notify.sms_body", Type::string, "{\"to\":\"{to}\",\"text\":\"{text}\"}",
     "Request body with {to} and {text} placeholders."},
    {"notify.sms_content_type", Type::string, "application/json", "Content type of the gateway request."},
    {"notify.email", Type::string, "outbox", "E-mail adapter: \"outbox\" (database) or \"smtp\"."},
    {"notify.smtp_url", Type::string, "", "SMTP server, e.g. \"smtp://127.0.0.1:25\" or \"smtps://…\"."},
    {"notify.smtp_from", Type::string, "Tugra <noreply@tugra.localhost>", "Sender of e-mails."},
    {"notify.smtp_user", Type::string, "", "SMTP user (empty: no authentication)."},
    {"notify.smtp_password", Type::string, "", "SMTP password (TUGRA_NOTIFY_SMTP_PASSWORD keeps it out of files)."},
};

const KeyInfo* find_key(std::string_view key) {
  for (const auto& k : kKeys)
    if (key == k.key) return &k;
  return nullptr;
}

std::string env_name(std::string_view key) {
  std::string name = "TUGRA_";
  for (char c : key) name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return name;
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::filesystem::path resolve_home(const std::optional<std::string>& flag) {
  std::filesystem::path home;
  if (flag && !flag->empty())
    home = *flag;
  else if (const char* env = std::getenv("TUGRA_HOME"); env && *env)
    home = env;
  else
    home = "var";
  return std::filesystem::absolute(home).lexically_normal();
}

std::string Config::default_file_text() { return Config().file_text(); }

// Secrets given by environment stay there (the comment of each says so).
static bool kept_out_of_files(std::string_view key) { return key.find("password") != std::string_view::npos; }

std::string Config::file_text() const {
  std::ostringstream out;
  out << "# Tugra configuration. Every key is listed with its value (the default unless\n"
         "# `tugra init` was given another by environment).\n"
         "# An environment variable TUGRA_<SECTION>_<KEY> (upper case) overrides a key,\n"
         "# e.g. TUGRA_DATABASE_URL=postgresql://tugra@127.0.0.1/tugra.\n";
  std::string section;
  for (const auto& k : kKeys) {
    std::string_view key(k.key);
    auto dot = key.find('.');
    if (key.substr(0, dot) != section) {
      section = key.substr(0, dot);
      out << "\n[" << section << "]\n";
    }
    auto it = values_.find(k.key);
    std::string value = it == values_.end() || kept_out_of_files(key) ? k.default_value : it->second;
    out << "# " << k.comment << "\n" << key.substr(dot + 1) << " = "
        << (k.type == Type::string ? toml_quote(value) : value) << "\n";
  }
  return out.str();
}

std::filesystem::path Config::file_of(const std::filesystem::path& home) {
  const char* file = std::getenv("TUGRA_CONFIG");
  return file && *file ? std::filesystem::path(file) : home / "tugra.toml";
}

Config Config::load(const std::filesystem::path& home) {
  Config cfg;
  cfg.home_ = home;
  cfg.file_ = file_of(home);
  for (const auto& k : kKeys) cfg.values_[k.key] = k.default_value;

  const auto& file = cfg.file_;
  if (std::filesystem::exists(file)) {
    toml::table table;
    try {
      table = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
      throw UserError("config.syntax", {{"file", file.string()}, {"detail", std::string(e.description())}});
    }
    for (const auto& [section, node] : table) {
      const auto* sub = node.as_table();
      if (!sub) throw UserError("config.unknown_key", {{"key", std::string(section.str())}});
      for (const auto& [name, value] : *sub) {
        std::string key = std::string(section.str()) + "." + std::string(name.str());
        const KeyInfo* info = find_key(key);
        if (!info) throw UserError("config.unknown_key", {{"key", key}});
        if (info->type == Type::string && value.is_string())
          cfg.values_[key] = value.as_string()->get();
        else if (info->type == Type::integer && value.is_integer())
          cfg.values_[key] = std::to_string(value.as_integer()->get());
        else if (info->type == Type::boolean && value.is_boolean())
          cfg.values_[key] = value.as_boolean()->get() ? "true" : "false";
        else
          throw UserError("config.bad_type", {{"key", key}});
      }
    }
  }
  for (const auto& k : kKeys)
    if (const char* env = std::getenv(env_name(k.key).c_str())) cfg.values_[k.key] = env;
  return cfg;
}

std::vector<std::string> Config::differences(const Config& other) const {
  std::vector<std::string> keys;
  for (const auto& [key, value] : values_) {
    auto it = other.values_.find(key);
    if (it == other.values_.end() || it->second != value) keys.push_back(key);
  }
  return keys;
}

std::string Config::str(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("config: no key " + std::string(key));
  return it->second;
}

long long Config::integer(std::string_view key) const {
  std::string v = str(key);
  try {
    std::size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  throw UserError("config.bad_type", {{"key", std::string(key)}});
}

bool Config::boolean(std::string_view key) const {
  std::string v = str(key);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw UserError("config.bad_type", {{"key", std::string(key)}});
}

std::filesystem::path Config::path(std::string_view key) const {
  std::filesystem::path p = str(key);
  return p.is_absolute() ? p : home_ / p;
}

void Config::set(std::string_view key, std::string value) {
  if (!find_key(key)) throw std::logic_error("config: no key " + std::string(key));
  values_[std::string(key)] = std::move(value);
}

}  // namespace tugra
