// Issuing-CA rollover: a new issuing key and certificate ("nes-2", then
// "nes-3", …) beside the old ones. Nothing of an old generation is touched:
// it keeps its key, its CRL URL (/crl/nes.crl) and its OCSP responder, and
// the ca role keeps publishing its CRLs until the last certificate it
// signed has expired (CertificateAuthority::retired). New holder
// certificates are signed by the newest generation whose OCSP responder is
// certified (store::AuthorityRepository::current_issuing), so none is ever
// issued that relying parties cannot check.
//
//   rollover()            one step, on a home that holds the root key
//   request_rollover()    with an offline root: the new key and its PKCS#10 request,
//                         signed on the root home by `tugra root sign-issuing`
//   complete_rollover()   that certificate, checked against the new key and the root
#include <nlohmann/json.hpp>

#include "ca/authority.hpp"
#include "ca/ceremony.hpp"
#include "ca/lint.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {

int CertificateAuthority::next_generation(std::string& name) {
  auto generations = store::AuthorityRepository(ledger_.database()).issuing();
  if (generations.empty()) throw UserError("ca.not_initialized", {{"home", config_.home().string()}});
  for (const auto& g : generations)
    if (!g.certificate) throw UserError("ca.rollover_pending", {{"ca", g.id}});
  int generation = generation_of(generations.back().id) + 1;
  if (name.empty()) name = generation_name(config_.str("ca.issuing_name"), generation);
  try {
    check_name_field(name, "CN", 64);
  } catch (const UserError&) {
    throw UserError("ca.bad_ca_name", {{"key", "--name"}});
  }
  // A new name per generation: CRLs and certificates of two CAs are never confused by name.
  auto subject = ca_name(settings_, name);
  for (const auto& g : generations) {
    auto cert = ossl::cert_from_der(base64_decode(*g.certificate));
    if (X509_NAME_cmp(X509_get_subject_name(cert.get()), subject.get()) == 0)
      throw UserError("ca.name_taken", {{"name", name}, {"ca", g.id}});
  }
  return generation;
}

std::string CertificateAuthority::rollover(std::string name) {
  int generation = next_generation(name);
  if (!holds_key("root")) throw UserError("ca.root_offline");
  const KeyPlan plan = issuing_plan(config_, generation);
  Key key = make_key(token(), plan);
  std::int64_t now = now_seconds();
  certify_issuing(ossl::PublicKey::from_der(key.spki), name, "rollover", plan.id, [&](const X509* cert) {
    record_authority(ledger_, plan, key, cert, now);
    ledger_.record("ca.rollover", plan.id, nlohmann::json{{"from", current_issuer()}, {"mode", "one-step"}}.dump());
  });
  authorities_.clear();
  publish_crl(plan.id);
  ledger_.checkpoint();
  return plan.id;
}

std::string CertificateAuthority::request_rollover(std::string name, std::string& csr_pem) {
  int generation = next_generation(name);
  const KeyPlan plan = issuing_plan(config_, generation);
  Key key = make_key(token(), plan);
  auto subject = ca_name(settings_, name);
  csr_pem = certification_request(subject, ossl::PublicKey::from_der(key.spki), *signer_of(token(), plan));
  std::int64_t now = now_seconds();
  ledger_.write([&] {
    record_authority(ledger_, plan, key, nullptr, now);  // certified by complete_rollover()
    ledger_.record("ca.rollover_requested", plan.id,
                   nlohmann::json{{"subject", name_to_string(subject.get())},
                                  {"public_key_sha256", ossl::sha256_hex(key.spki)}}.dump());
  });
  authorities_.clear();
  ledger_.checkpoint();
  return plan.id;
}

std::string CertificateAuthority::complete_rollover(const std::string& certificate) {
  store::AuthorityRepository authorities(ledger_.database());
  std::optional<store::AuthorityRecord> pending;
  for (auto& g : authorities.issuing())
    if (!g.certificate) pending = g;
  if (!pending) throw UserError("ca.not_awaiting_issuing_cert", {{"home", config_.home().string()}});
  auto cert = parse_certificate(certificate, "issuing");
  auto root = ossl::cert_from_der(base64_decode(authority("root").certificate.value_or("")));
  check_issuing_certificate(cert.get(), pending->public_key, root.get());
  std::string subject = name_to_string(X509_get_subject_name(cert.get()));
  ledger_.write([&] {
    authorities.replace_key(pending->id, pending->key_label, pending->public_key, subject,
                            base64_encode(ossl::to_der(cert.get())));
    ledger_.record("ca.authority_certified", pending->id,
                   nlohmann::json{{"subject", subject}, {"serial", serial_of(cert.get())}}.dump());
    ledger_.record("ca.rollover", pending->id, nlohmann::json{{"from", current_issuer()}, {"mode", "offline-root"}}.dump());
  });
  authorities_.clear();
  publish_crl(pending->id);
  ledger_.checkpoint();
  return pending->id;
}

}  // namespace tugra::ca
