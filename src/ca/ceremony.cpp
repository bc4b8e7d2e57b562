// Steps shared by the key ceremonies (ca/hierarchy.cpp, ca/rollover.cpp).
#include "ca/ceremony.hpp"

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca/profile.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/der.hpp"
#include "crypto/token.hpp"
#include "store/records.hpp"

namespace tugra::ca {

KeyPlan root_plan(const Config& c) { return {"root", "root-ca", "tugra-root", c.str("ca.key_algorithm"), Duty::ca}; }
KeyPlan issuing_plan(const Config& c, int generation) {
  std::string id = generation_id(generation);
  return {id, "issuing-ca", "tugra-" + id, c.str("ca.key_algorithm"), Duty::ca};
}
KeyPlan responder_plan(const Config& c) {
  return {"nes-ocsp", "ocsp-responder", "tugra-nes-ocsp", c.str("ca.ocsp_key_algorithm"), Duty::status};
}
KeyPlan tsa_plan(const Config& c) {
  return {"nes-tsa", "tsa", "tugra-nes-tsa", c.str("ca.tsa_key_algorithm"), Duty::tsa};
}
KeyPlan audit_plan() { return {"audit", "audit", "tugra-audit", "ecdsa-p256", Duty::audit}; }

// Reused, not replaced: a key a crashed ceremony left was never certified,
// and deleting keys is no job for an automatic step.
Key make_key(Token& token, const KeyPlan& plan) {
  if (token.has_key(plan.label)) return {token.public_key(plan.label), true};
  return {token.generate_key(parse_key_algorithm(plan.algorithm).key, plan.label), false};
}

std::unique_ptr<Signer> signer_of(Token& token, const KeyPlan& plan) {
  return token.signer(plan.label, parse_key_algorithm(plan.algorithm).scheme);
}

std::string serial_of(const X509* cert) { return ossl::serial_hex(X509_get0_serialNumber(cert)); }

void record_authority(store::Ledger& ledger, const KeyPlan& plan, const Key& key, const X509* cert,
                      std::int64_t now, bool key_here) {
  store::AuthorityRecord a;
  a.id = plan.id;
  a.kind = plan.kind;
  a.subject = cert ? name_to_string(X509_get_subject_name(cert)) : (plan.id == "audit" ? "audit key" : "");
  a.key_label = key_here ? plan.label : "";
  a.key_algorithm = plan.algorithm;
  a.public_key = base64_encode(key.spki);
  if (cert) a.certificate = base64_encode(ossl::to_der(cert));
  a.created_at = now;
  store::AuthorityRepository(ledger.database()).insert(a);
  if (key_here)
    ledger.record("ca.key_generated", plan.id,
                  nlohmann::json{{"label", plan.label}, {"algorithm", plan.algorithm}, {"token", duty_name(plan.duty)},
                                 {"reused", key.reused}}.dump());
  if (cert)
    ledger.record("ca.authority_certified", plan.id,
                  nlohmann::json{{"subject", a.subject}, {"serial", serial_of(cert)}}.dump());
}

ossl::Cert parse_certificate(const std::string& pem_or_der, const char* what) {
  try {
    return ossl::cert_from_pem_or_der(pem_or_der);
  } catch (const std::exception&) {
    ERR_clear_error();
    throw UserError("ca.bad_certificate_file", {{"what", what}});
  }
}

// A PKCS#10 request signed by a key in a token: OpenSSL builds the
// CertificationRequestInfo, the token signs it (X509_REQ_sign wants the key
// in this process).
std::string certification_request(const ossl::Name& subject, const ossl::PublicKey& key, const Signer& signer) {
  ossl::Ptr<X509_REQ, X509_REQ_free> req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 || X509_REQ_set_subject_name(req.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.pkey()) != 1)
    throw ossl::Error("building the certification request");
  unsigned char* info = nullptr;
  int len = i2d_re_X509_REQ_tbs(req.get(), &info);
  if (len <= 0) throw ossl::Error("encoding the certification request");
  Bytes tbs(info, info + len);
  OPENSSL_free(info);
  Bytes body = tbs;
  der::append(body, signer.algorithm_identifier());
  der::append(body, der::bit_string(signer.sign(tbs)));
  Bytes der = der::tlv(0x30, body);
  const unsigned char* p = der.data();
  ossl::Ptr<X509_REQ, X509_REQ_free> signed_req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  ossl::Ptr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  if (!signed_req || PEM_write_bio_X509_REQ(bio.get(), signed_req.get()) != 1)
    throw ossl::Error("writing the certification request");
  char* text = nullptr;
  long n = BIO_get_mem_data(bio.get(), &text);
  return std::string(text, static_cast<std::size_t>(n));
}

void write_audit_public_key(const Config& config, const Key& audit_key) {
  if (config.str("audit.public_key_file").empty()) return;
  write_file_atomic(config.path("audit.public_key_file"), ossl::public_key_pem(audit_key.spki), 0644);
}

void check_issuing_certificate(const X509* cert, const std::string& public_key, const X509* root) {
  if (ossl::public_key_der(X509_get0_pubkey(cert)) != base64_decode(public_key))
    throw UserError("ca.issuing_cert_wrong_key");
  bool chains = X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(root)) == 0 &&
                X509_verify(const_cast<X509*>(cert), X509_get0_pubkey(root)) == 1;
  ERR_clear_error();
  if (!chains) throw UserError("ca.issuing_cert_not_from_root");
}

}  // namespace tugra::ca
