#include "ca/authority.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "ca/ca_token.hpp"
#include "ca/revocation.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {

std::string normalize_serial(const std::string& text) {
  std::string s;
  std::string_view in(text);
  if (in.rfind("0x", 0) == 0 || in.rfind("0X", 0) == 0) in.remove_prefix(2);
  for (char c : in) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) throw UserError("ca.bad_serial", {{"serial", text}});
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  while (s.size() > 2 && s.substr(0, 2) == "00") s.erase(0, 2);
  if (s.empty() || s.size() > 40) throw UserError("ca.bad_serial", {{"serial", text}});
  if (s.size() % 2) s = "0" + s;
  return s;
}

CertificateAuthority::CertificateAuthority(const Config& config, std::string actor)
    : config_(config), actor_(std::move(actor)), settings_(ProfileSettings::from_config(config)) {
  db_ = store::Database::open(config_);
  audit_ = std::make_unique<store::AuditLog>(*db_, nullptr, config_.integer("audit.checkpoint_every"));
}

CertificateAuthority::~CertificateAuthority() {
  try {
    checkpoint();
  } catch (...) {
    // A failed checkpoint is caught up by the next command; the chain itself is intact.
  }
}

std::unique_ptr<CertificateAuthority> CertificateAuthority::open(const Config& config, const std::string& actor) {
  if (!std::filesystem::exists(config.home() / "tugra.toml"))
    throw UserError("ca.not_initialized", {{"home", config.home().string()}});
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(config, actor));
  if (!store::AuthorityRepository(*ca->db_).find("nes"))
    throw UserError("ca.not_initialized", {{"home", config.home().string()}});
  ca->recover_pending();
  return ca;
}

Token& CertificateAuthority::token() {
  if (!token_) token_ = open_ca_token(config_);
  if (signers_.empty()) {
    // The audit key signs checkpoints; it is the first signer a writer needs.
    signers_.emplace_back("audit", token_->signer("tugra-audit", SignatureScheme::ecdsa_sha256));
    audit_->set_checkpoint_signer(signers_.back().second.get());
  }
  return *token_;
}

const Signer& CertificateAuthority::signer(const std::string& authority_id) {
  token();
  for (const auto& [id, s] : signers_)
    if (id == authority_id) return *s;
  auto a = authority(authority_id);
  auto scheme = parse_key_algorithm(a.key_algorithm).scheme;
  signers_.emplace_back(authority_id, token_->signer(a.key_label, scheme));
  return *signers_.back().second;
}

void CertificateAuthority::replace_signer_for_benchmark(const std::string& authority_id,
                                                        std::unique_ptr<Signer> replacement) {
  token();
  for (auto& [id, s] : signers_)
    if (id == authority_id) {
      s = std::move(replacement);
      return;
    }
  signers_.emplace_back(authority_id, std::move(replacement));
}

std::unique_ptr<Signer> CertificateAuthority::take_signer_for_benchmark(const std::string& authority_id) {
  signer(authority_id);
  for (auto& [id, s] : signers_)
    if (id == authority_id) {
      auto taken = std::move(s);
      s = nullptr;
      return taken;
    }
  return nullptr;
}

store::AuthorityRecord CertificateAuthority::authority(const std::string& id) {
  if (authorities_.empty()) authorities_ = store::AuthorityRepository(*db_).all();
  for (const auto& a : authorities_)
    if (a.id == id) return a;
  throw UserError("ca.not_initialized", {{"home", config_.home().string()}});
}

const NesProfile& CertificateAuthority::nes_profile() {
  if (!nes_profile_) nes_profile_ = std::make_unique<NesProfile>(settings_, issuing_certificate());
  return *nes_profile_;
}

const X509* CertificateAuthority::issuing_certificate() {
  if (!issuing_cert_) issuing_cert_ = ossl::cert_from_der(base64_decode(authority("nes").certificate.value_or("")));
  return issuing_cert_.get();
}

Bytes CertificateAuthority::audit_public_key() { return token().public_key("tugra-audit"); }

void CertificateAuthority::write(const std::function<void()>& fn, store::Durability durability) {
  token();  // the audit key must be at hand for checkpoints inside the transaction
  store::Transaction tx(*db_, durability);
  fn();
  tx.commit();
  wrote_ = true;
}

store::AuditRecord CertificateAuthority::record(const std::string& event, const std::string& subject,
                                                const std::string& details, const std::string& actor) {
  return audit_->append({event, actor.empty() ? actor_ : actor, subject, details});
}

void CertificateAuthority::checkpoint() {
  if (!wrote_) return;
  store::Transaction tx(*db_);
  audit_->checkpoint_if_behind();
  tx.commit();
  wrote_ = false;
}

std::optional<store::CertificateRecord> CertificateAuthority::find(const std::string& serial) {
  return store::CertificateRepository(*db_).find(normalize_serial(serial));
}

std::optional<store::CertificateRecord> CertificateAuthority::find_by_request_id(const std::string& request_id) {
  return store::CertificateRepository(*db_).find_by_request_key("id:" + request_id);
}

std::vector<store::CertificateRecord> CertificateAuthority::list(const std::string& tckn) {
  return store::CertificateRepository(*db_).list(tckn);
}

std::string CertificateAuthority::chain_pem() {
  std::string pem;
  for (const char* id : {"nes", "root"}) {
    auto a = authority(id);
    pem += ossl::to_pem(ossl::cert_from_der(base64_decode(a.certificate.value_or(""))).get());
  }
  return pem;
}

store::CertificateRecord CertificateAuthority::change_status(
    const std::string& serial_text, const char* event, const std::function<void(store::CertificateRecord&)>& change,
    const StatusOptions& options) {
  std::string serial = normalize_serial(serial_text);
  store::CertificateRecord result;
  write([&] {
    store::CertificateRepository certs(*db_);
    auto rec = certs.find(serial);
    if (!rec) throw UserError("ca.not_found", {{"serial", serial}});
    if (rec->status == store::CertStatus::pending) throw UserError("ca.not_issued", {{"serial", serial}});
    change(*rec);
    certs.set_status(serial, rec->status, rec->revoked_at, rec->revocation_reason);
    nlohmann::json details = {{"status", store::to_string(rec->status)}, {"tckn", rec->tckn}};
    if (rec->revocation_reason) details["reason"] = *rec->revocation_reason;
    certs.mark_changed(serial, record(event, serial, details.dump(), options.actor).seq);
    if (options.also) options.also(*rec);
    result = *rec;
  });
  return result;
}

store::CertificateRecord CertificateAuthority::revoke(const std::string& serial, int reason,
                                                     const StatusOptions& options) {
  return change_status(serial, "certificate.revoked", [&](store::CertificateRecord& r) {
    if (r.status == store::CertStatus::revoked) throw UserError("ca.already_revoked", {{"serial", r.serial}});
    r.status = store::CertStatus::revoked;
    r.revoked_at = now_seconds();
    r.revocation_reason = reason;
  }, options);
}

store::CertificateRecord CertificateAuthority::suspend(const std::string& serial, const StatusOptions& options) {
  return change_status(serial, "certificate.suspended", [&](store::CertificateRecord& r) {
    if (r.status == store::CertStatus::revoked) throw UserError("ca.already_revoked", {{"serial", r.serial}});
    if (r.status == store::CertStatus::suspended) throw UserError("ca.already_suspended", {{"serial", r.serial}});
    r.status = store::CertStatus::suspended;
    r.revoked_at = now_seconds();
    r.revocation_reason = kReasonCertificateHold;
  }, options);
}

store::CertificateRecord CertificateAuthority::unsuspend(const std::string& serial, const StatusOptions& options) {
  return change_status(serial, "certificate.unsuspended", [&](store::CertificateRecord& r) {
    if (r.status != store::CertStatus::suspended) throw UserError("ca.not_suspended", {{"serial", r.serial}});
    r.status = store::CertStatus::valid;
    r.revoked_at.reset();
    r.revocation_reason.reset();
  }, options);
}

}  // namespace tugra::ca
