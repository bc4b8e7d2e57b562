// Issuing holder certificates. The order is Boulder's: check the request,
// build and lint the TBSCertificate, write it to the database as an intent,
// then sign, then record the result. A crash after the intent leaves a
// 'pending' row that recover_pending() completes with the very same bytes.
#include <nlohmann/json.hpp>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "ca/nes_policy.hpp"
#include "ca/lint.hpp"
#include "ca/revocation.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/fault.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"

#include <openssl/err.h>

namespace tugra::ca {
namespace {

ossl::PublicKey request_public_key(const IssueRequest& req) {
  if (req.public_key.has_value() == req.csr.has_value()) throw UserError("ca.need_key_or_csr");
  if (req.public_key) {
    try {
      return ossl::PublicKey::parse(*req.public_key);
    } catch (const ossl::Error&) {
      throw UserError("ca.bad_public_key");
    }
  }
  ossl::Req csr;
  try {
    csr = ossl::request_from_pem_or_der(*req.csr);
  } catch (const ossl::Error&) {
    throw UserError("ca.bad_csr");
  }
  const X509_PUBKEY* csr_key = X509_REQ_get_X509_PUBKEY(csr.get());
  std::optional<ossl::PublicKey> key;
  try {
    if (csr_key) key = ossl::PublicKey::from(csr_key);
  } catch (const ossl::Error&) {
  }
  if (!key || X509_REQ_verify(csr.get(), key->pkey()) != 1) {
    ERR_clear_error();
    throw UserError("ca.csr_signature");
  }
  return std::move(*key);
}

}  // namespace

IssueResult CertificateAuthority::issue(const IssueRequest& req) {
  check_holder(req.holder);
  if (!nes_policy::allowed_years(req.years)) throw UserError("ca.bad_years", {{"years", std::to_string(req.years)}});
  std::optional<MonetaryLimit> limit;
  if (req.limit) limit = parse_limit(*req.limit, settings_.currency);
  ossl::PublicKey key = request_public_key(req);
  check_key_strength(key.pkey());
  Bytes spki = key.der();

  store::CertificateRepository certs(ledger_.database());
  std::optional<std::string> renews;
  if (req.renews) {
    renews = normalize_serial(*req.renews);
    auto old = certs.find(*renews);
    if (!old || old->status == store::CertStatus::pending) throw UserError("ca.not_found", {{"serial", *renews}});
    if (old->tckn != req.holder.tckn) throw UserError("ca.renewal_other_holder", {{"serial", *renews}});
  }

  nlohmann::json request = {{"tckn", req.holder.tckn},
                            {"given_name", req.holder.given_name},
                            {"surname", req.holder.surname},
                            {"locality", req.holder.locality ? nlohmann::json(*req.holder.locality) : nlohmann::json()},
                            {"public_key", base64_encode(spki)},
                            {"years", req.years},
                            {"limit", limit ? nlohmann::json(format_limit(*limit)) : nlohmann::json()},
                            {"suspended", req.suspended},
                            {"renews", renews ? nlohmann::json(*renews) : nlohmann::json()}};
  std::string request_text = request.dump();
  std::string request_key = req.request_id ? "id:" + *req.request_id
                                           : "sha256:" + ossl::sha256_hex(as_bytes(request_text));

  // A retry of an earlier request gets the same certificate, not a second one.
  if (auto existing = certs.find_by_request_key(request_key)) {
    if (existing->request != request_text) throw UserError("ca.request_id_conflict", {{"id", request_key}});
    // Handing back a revoked certificate as if it were the answer would be a
    // trap: say so; a new request id makes a new certificate.
    if (existing->status == store::CertStatus::revoked)
      throw UserError("ca.request_revoked", {{"serial", existing->serial}, {"state", message("status.revoked")}});
    IssueResult result;
    result.existed = true;
    result.record = existing->status == store::CertStatus::pending ? finish_issuance(*existing, true, result.der)
                                                                   : *existing;
    if (result.der.empty()) result.der = base64_decode(result.record.certificate.value_or(""));
    return result;
  }

  const std::string issuer = current_issuer();
  const Signer& nes = signer(issuer);
  const X509* issuer_cert = issuing_certificate(issuer);
  Bytes serial = random_serial();
  Validity validity = Validity::years_from(now_seconds(), req.years);
  // A holder certificate never outlives the issuing CA: refused, or cut at
  // the CA's end when ca.holder_beyond_issuer = "cap".
  std::int64_t issuer_end = ossl::unix_seconds(X509_get0_notAfter(issuer_cert));
  if (validity.not_after > issuer_end) {
    if (config_.str("ca.holder_beyond_issuer") != "cap")
      throw UserError("ca.outlives_issuer", {{"years", std::to_string(req.years)}, {"until", format_utc(issuer_end)}});
    validity.not_after = issuer_end;
  }
  auto builder = nes_profile(issuer).build(req.holder, key, serial, validity, limit);
  auto problems = lint_nes_certificate(builder.cert(), settings_, key.pkey(), issuer_cert);
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) list += (list.empty() ? "" : "; ") + message(p);
    throw UserError("ca.lint_failed", {{"problems", list}});
  }

  store::CertificateRecord intent;
  intent.serial = hex_encode(serial, true);
  intent.issuer = issuer;
  intent.tckn = req.holder.tckn;
  intent.subject = name_to_string(X509_get_subject_name(builder.cert()));
  intent.not_before = validity.not_before;
  intent.not_after = validity.not_after;
  intent.status = store::CertStatus::pending;
  intent.renews = renews;
  intent.request_key = request_key;
  intent.request = request_text;
  intent.tbs = base64_encode(builder.tbs(nes.scheme()));

  ledger_.write([&] {
    certs.insert_intent(intent);
    ledger_.record("certificate.intent", intent.serial,
           nlohmann::json{{"tckn", intent.tckn}, {"request_key", request_key}}.dump());
  });
  fault_point("issue.after_intent");

  IssueResult result;
  result.record = finish_issuance(intent, false, result.der);
  return result;
}

store::CertificateRecord CertificateAuthority::finish_issuance(const store::CertificateRecord& intent, bool recovered,
                                                              Bytes& der) {
  const Signer& nes = signer(intent.issuer);
  Bytes tbs = base64_decode(intent.tbs);
  der = assemble_certificate(tbs, nes);
  // An RSA signature computed with a faulty CRT step leaks the key: check
  // every RSA signature before it leaves (ECDSA has no such failure mode).
  if (nes.scheme() == SignatureScheme::rsa_pss_sha256 || nes.scheme() == SignatureScheme::rsa_pkcs1_sha256) {
    auto cert = ossl::cert_from_der(der);
    ossl::Pkey key = ossl::public_key_from_der(nes.public_key_der());
    if (X509_verify(cert.get(), key.get()) != 1) throw ossl::Error("issued certificate does not verify");
  }
  fault_point("issue.after_sign");

  bool suspended = nlohmann::json::parse(intent.request).value("suspended", false);
  store::CertificateRecord done = intent;
  ledger_.write([&] {
    store::CertificateRepository certs(ledger_.database());
    done.status = suspended ? store::CertStatus::suspended : store::CertStatus::valid;
    done.certificate = base64_encode(der);
    if (suspended) {
      done.revoked_at = done.not_before;
      done.revocation_reason = kReasonCertificateHold;
    }
    if (!certs.complete(done.serial, *done.certificate, done.status, done.revoked_at, done.revocation_reason)) {
      // Another process completed it first; its certificate stands.
      done = certs.find(intent.serial).value();
      der = base64_decode(done.certificate.value_or(""));
      return;
    }
    nlohmann::json details = {{"tckn", done.tckn}, {"status", store::to_string(done.status)},
                              {"not_after", done.not_after}, {"recovered", recovered}};
    if (done.renews) details["renews"] = *done.renews;
    certs.mark_changed(done.serial, ledger_.record("certificate.issued", done.serial, details.dump()).seq);
  },
        // The intent is already on disk: if a power cut loses this commit,
        // recover_pending() signs the same TBSCertificate again.
        store::Durability::relaxed);
  return done;
}

int CertificateAuthority::recover_pending(std::int64_t min_age_seconds) {
  auto pending = store::CertificateRepository(ledger_.database()).pending();
  std::int64_t now = now_seconds();
  int done = 0;
  for (const auto& intent : pending) {
    if (min_age_seconds > 0 && intent.created_at > now - min_age_seconds) continue;
    Bytes der;
    finish_issuance(intent, true, der);
    ++done;
  }
  return done;
}

}  // namespace tugra::ca
