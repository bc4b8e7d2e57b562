#include "ca/authority.hpp"

#include <filesystem>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/openssl.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {

CertificateAuthority::CertificateAuthority(const Config& config, store::Ledger& ledger)
    : config_(config), ledger_(ledger), settings_(ProfileSettings::from_config(config)) {}

CertificateAuthority::~CertificateAuthority() = default;

std::unique_ptr<CertificateAuthority> CertificateAuthority::open(const Config& config, store::Ledger& ledger) {
  if (!std::filesystem::exists(config.file()))
    throw UserError("ca.not_initialized", {{"home", config.home().string()}});
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(config, ledger));
  store::AuthorityRepository authorities(ledger.database());
  auto issuing = authorities.issuing();
  if (issuing.empty()) {
    // A root home of the offline-root ceremony has no issuing CA of its own.
    if (authorities.find("root")) return ca;
    throw UserError("ca.not_initialized", {{"home", config.home().string()}});
  }
  if (!issuing.front().certificate) throw UserError("ca.issuing_pending", {{"home", config.home().string()}});
  ca->recover_pending();
  return ca;
}

Token& CertificateAuthority::token() {
  if (!token_) token_ = open_duty_token(config_, Duty::ca);
  return *token_;
}

const Signer& CertificateAuthority::signer(const std::string& authority_id) {
  for (const auto& [id, s] : signers_)
    if (id == authority_id && s) return *s;
  if (duty_of_authority(authority_id) != Duty::ca) throw std::logic_error("not a CA key: " + authority_id);
  auto a = authority(authority_id);
  auto scheme = parse_key_algorithm(a.key_algorithm).scheme;
  signers_.emplace_back(authority_id, token().signer(a.key_label, scheme));
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
    if (id == authority_id) return std::move(s);
  return nullptr;
}

store::AuthorityRecord CertificateAuthority::authority(const std::string& id) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (const auto& a : authorities_)
      if (a.id == id) return a;
    authorities_ = store::AuthorityRepository(ledger_.database()).all();
  }
  throw UserError("ca.unknown_authority", {{"ca", id}, {"home", config_.home().string()}});
}

std::string CertificateAuthority::current_issuer() {
  auto current = store::AuthorityRepository(ledger_.database()).current_issuing_id();
  if (!current) throw UserError("ca.issuing_pending", {{"home", config_.home().string()}});
  return *current;
}

bool CertificateAuthority::retired(const std::string& issuing_id) {
  auto mine = authority(issuing_id);
  auto current = store::AuthorityRepository(ledger_.database()).current_issuing();
  if (!current || current->id == issuing_id || current->created_at < mine.created_at) return false;
  return store::CertificateRepository(ledger_.database()).latest_not_after(issuing_id) <= now_seconds();
}

const NesProfile& CertificateAuthority::nes_profile(const std::string& issuing_id) {
  auto& profile = nes_profiles_[issuing_id];
  if (!profile) profile = std::make_unique<NesProfile>(settings_, issuing_certificate(issuing_id), issuing_id);
  return *profile;
}

const X509* CertificateAuthority::issuing_certificate(const std::string& issuing_id) {
  auto& cert = issuing_certs_[issuing_id];
  if (!cert) {
    auto a = authority(issuing_id);
    if (a.kind != "issuing-ca" || !a.certificate) throw UserError("crl.unknown_ca", {{"ca", issuing_id}});
    cert = ossl::cert_from_der(base64_decode(*a.certificate));
  }
  return cert.get();
}

std::string authority_certificates_pem(store::Database& db, const std::vector<std::string>& ids) {
  std::string pem;
  store::AuthorityRepository authorities(db);
  for (const auto& id : ids) {
    auto a = authorities.find(id);
    if (!a || !a->certificate) throw UserError("ca.not_initialized", {{"home", ""}});
    pem += ossl::to_pem(ossl::cert_from_der(base64_decode(*a->certificate)).get());
  }
  return pem;
}

std::string CertificateAuthority::chain_pem() {
  return authority_certificates_pem(ledger_.database(), {current_issuer(), "root"});
}

}  // namespace tugra::ca
