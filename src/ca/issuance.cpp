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

#include <algorithm>
#include <map>

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

CertificateAuthority::Draft CertificateAuthority::draft(const IssueRequest& req, const IssuerView& issuer) const {
  check_holder(req.holder);
  if (!nes_policy::allowed_years(req.years)) throw UserError("ca.bad_years", {{"years", std::to_string(req.years)}});
  std::optional<MonetaryLimit> limit;
  if (req.limit) limit = parse_limit(*req.limit, settings_.currency);
  ossl::PublicKey key = request_public_key(req);
  check_key_strength(key.pkey());
  Bytes spki = key.der();

  Draft d;
  d.issuer = issuer.id;
  if (req.renews) d.renews = normalize_serial(*req.renews);
  nlohmann::json request = {{"tckn", req.holder.tckn},
                            {"given_name", req.holder.given_name},
                            {"surname", req.holder.surname},
                            {"locality", req.holder.locality ? nlohmann::json(*req.holder.locality) : nlohmann::json()},
                            {"public_key", base64_encode(spki)},
                            {"years", req.years},
                            {"limit", limit ? nlohmann::json(format_limit(*limit)) : nlohmann::json()},
                            {"suspended", req.suspended},
                            {"renews", d.renews ? nlohmann::json(*d.renews) : nlohmann::json()}};
  store::CertificateRecord& intent = d.intent;
  intent.request = request.dump();
  intent.request_key = req.request_id ? "id:" + *req.request_id : "sha256:" + ossl::sha256_hex(as_bytes(intent.request));
  intent.renews = d.renews;
  try {
    Bytes serial = random_serial();
    Validity validity = Validity::years_from(now_seconds(), req.years);
    // A holder certificate never outlives the issuing CA: refused, or cut at
    // the CA's end when ca.holder_beyond_issuer = "cap".
    std::int64_t issuer_end = ossl::unix_seconds(X509_get0_notAfter(issuer.certificate));
    if (validity.not_after > issuer_end) {
      if (!issuer.cap_at_issuer_end)
        throw UserError("ca.outlives_issuer", {{"years", std::to_string(req.years)}, {"until", format_utc(issuer_end)}});
      validity.not_after = issuer_end;
    }
    auto builder = issuer.profile->build(req.holder, key, serial, validity, limit);
    auto problems = lint_nes_certificate(builder.cert(), settings_, key.pkey(), issuer.certificate);
    if (!problems.empty()) {
      std::string list;
      for (const auto& p : problems) list += (list.empty() ? "" : "; ") + message(p);
      throw UserError("ca.lint_failed", {{"problems", list}});
    }
    intent.serial = hex_encode(serial, true);
    intent.issuer = issuer.id;
    intent.tckn = req.holder.tckn;
    intent.subject = name_to_string(X509_get_subject_name(builder.cert()));
    intent.not_before = validity.not_before;
    intent.not_after = validity.not_after;
    intent.status = store::CertStatus::pending;
    intent.tbs = base64_encode(builder.tbs(issuer.scheme));
  } catch (const UserError& e) {
    d.build_error = e;
  }
  return d;
}

CertificateAuthority::Prepared CertificateAuthority::check_draft(const Draft& d, const IssueRequest& req) {
  store::CertificateRepository certs(ledger_.database());
  if (d.renews) {
    auto old = certs.find(*d.renews);
    if (!old || old->status == store::CertStatus::pending) throw UserError("ca.not_found", {{"serial", *d.renews}});
    if (old->tckn != req.holder.tckn) throw UserError("ca.renewal_other_holder", {{"serial", *d.renews}});
  }
  // A retry of an earlier request gets the same certificate, not a second one.
  if (auto existing = certs.find_by_request_key(d.intent.request_key)) {
    if (existing->request != d.intent.request) throw UserError("ca.request_id_conflict", {{"id", d.intent.request_key}});
    // Handing back a revoked certificate as if it were the answer would be a
    // trap: say so; a new request id makes a new certificate.
    if (existing->status == store::CertStatus::revoked)
      throw UserError("ca.request_revoked", {{"serial", existing->serial}, {"state", message("status.revoked")}});
    IssueResult result;
    result.existed = true;
    result.record = existing->status == store::CertStatus::pending ? finish_issuance(*existing, true, result.der)
                                                                   : *existing;
    if (result.der.empty()) result.der = base64_decode(result.record.certificate.value_or(""));
    return {std::move(result), {}};
  }
  if (d.build_error) throw *d.build_error;
  return {std::nullopt, d.intent};
}

std::shared_ptr<const CertificateAuthority::IssuerView> CertificateAuthority::issuer_view() const {
  std::lock_guard lock(issuer_view_mutex_);
  return issuer_view_;
}

std::shared_ptr<const CertificateAuthority::IssuerView> CertificateAuthority::refresh_issuer_view() {
  // Read once a batch: the current issuer changes only at a rollover.
  std::string id = current_issuer();
  if (auto view = issuer_view(); view && view->id == id) return view;
  auto view = std::make_shared<IssuerView>();
  view->id = id;
  view->certificate = issuing_certificate(id);
  view->profile = &nes_profile(id);
  view->scheme = signer(id).scheme();
  view->cap_at_issuer_end = config_.str("ca.holder_beyond_issuer") == "cap";
  std::lock_guard lock(issuer_view_mutex_);
  issuer_view_ = view;
  return view;
}

IssueResult CertificateAuthority::issue(const IssueRequest& req) {
  auto outcome = issue_batch({req});
  if (outcome.front().error) throw *outcome.front().error;
  return std::move(*outcome.front().result);
}

std::vector<IssueOutcome> CertificateAuthority::issue_batch(const std::vector<IssueRequest>& requests) {
  Batch batch = check_batch(requests);
  std::vector<Bytes> ders;
  write_step(batch, {}, ders);
  for (std::size_t k = 0; k < batch.intents.size(); ++k) ders.push_back(sign(batch.intents[k], *batch.keys[k]));
  auto done = write_step({}, batch.intents, ders);
  for (std::size_t k = 0; k < batch.fresh.size(); ++k)
    batch.out[batch.fresh[k]].result = IssueResult{done[k], ders[k], false};
  for (const auto& [repeat, first] : batch.repeats) {
    batch.out[repeat].result = batch.out[first].result;
    batch.out[repeat].result->existed = true;
  }
  return std::move(batch.out);
}

CertificateAuthority::Batch CertificateAuthority::check_batch(const std::vector<IssueRequest>& requests,
                                                             const std::vector<const Draft*>& drafts) {
  Batch b;
  b.out.resize(requests.size());
  std::map<std::string, std::size_t> first_of;  // request key -> request index
  auto issuer = refresh_issuer_view();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    try {
      // A draft made before a rollover is made again for the new issuer.
      const Draft* given = i < drafts.size() ? drafts[i] : nullptr;
      auto prepared = given && given->issuer == issuer->id ? check_draft(*given, requests[i])
                                                           : check_draft(draft(requests[i], *issuer), requests[i]);
      if (prepared.earlier) {
        b.out[i].result = std::move(prepared.earlier);
      } else if (auto it = first_of.find(prepared.intent.request_key); it != first_of.end()) {
        if (b.intents[std::find(b.fresh.begin(), b.fresh.end(), it->second) - b.fresh.begin()].request !=
            prepared.intent.request)
          throw UserError("ca.request_id_conflict", {{"id", prepared.intent.request_key}});
        b.repeats.emplace_back(i, it->second);
      } else {
        first_of.emplace(prepared.intent.request_key, i);
        b.fresh.push_back(i);
        b.keys.push_back(&signer(prepared.intent.issuer));
        b.intents.push_back(std::move(prepared.intent));
      }
    } catch (const UserError& e) {
      b.out[i].error = e;
    }
  }
  return b;
}

std::vector<store::CertificateRecord> CertificateAuthority::write_step(
    const Batch& next, const std::vector<store::CertificateRecord>& signed_intents, std::vector<Bytes>& ders,
    bool defer_sync) {
  std::vector<store::CertificateRecord> done;
  if (next.intents.empty() && signed_intents.empty()) return done;
  if (!signed_intents.empty()) fault_point("issue.after_sign");
  ledger_.write(
      [&] {
        done = record_issued(signed_intents, ders, false);
        // Every intent of the batch in this commit: the rule (no signature
        // before its intent is on disk) holds for each, and they share the sync.
        store::CertificateRepository certs(ledger_.database());
        for (const auto& intent : next.intents) {
          certs.insert_intent(intent);
          ledger_.record("certificate.intent", intent.serial,
                         nlohmann::json{{"tckn", intent.tckn}, {"request_key", intent.request_key}}.dump());
        }
      },
      // Certificates alone: their intents are already on disk, and if a
      // power cut loses this commit, recover_pending() signs the same
      // TBSCertificates again.
      next.intents.empty() ? store::Durability::relaxed
      : defer_sync         ? store::Durability::deferred
                           : store::Durability::full);
  if (!next.intents.empty() && !defer_sync) fault_point("issue.after_intent");
  return done;
}

void CertificateAuthority::sync_intents() {
  ledger_.database().sync();
  fault_point("issue.after_intent");
}

Bytes CertificateAuthority::sign_intent(const store::CertificateRecord& intent) {
  return sign(intent, signer(intent.issuer));
}

Bytes CertificateAuthority::sign(const store::CertificateRecord& intent, const Signer& key) {
  Bytes der = assemble_certificate(base64_decode(intent.tbs), key);
  // An RSA signature computed with a faulty CRT step leaks the key: check
  // every RSA signature before it leaves (ECDSA has no such failure mode).
  if (key.scheme() == SignatureScheme::rsa_pss_sha256 || key.scheme() == SignatureScheme::rsa_pkcs1_sha256) {
    auto cert = ossl::cert_from_der(der);
    ossl::Pkey pub = ossl::public_key_from_der(key.public_key_der());
    if (X509_verify(cert.get(), pub.get()) != 1) throw ossl::Error("issued certificate does not verify");
  }
  return der;
}

std::vector<store::CertificateRecord> CertificateAuthority::record_issued(
    const std::vector<store::CertificateRecord>& intents, std::vector<Bytes>& ders, bool recovered) {
  std::vector<store::CertificateRecord> done(intents);
  store::CertificateRepository certs(ledger_.database());
  for (std::size_t k = 0; k < done.size(); ++k) {
    auto& d = done[k];
    bool suspended = nlohmann::json::parse(d.request).value("suspended", false);
    d.status = suspended ? store::CertStatus::suspended : store::CertStatus::valid;
    d.certificate = base64_encode(ders[k]);
    if (suspended) {
      d.revoked_at = d.not_before;
      d.revocation_reason = kReasonCertificateHold;
    }
    if (!certs.complete(d.serial, *d.certificate, d.status, d.revoked_at, d.revocation_reason)) {
      // Completed first by another process, or a retry of the same request: its certificate stands.
      d = certs.find(d.serial).value();
      ders[k] = base64_decode(d.certificate.value_or(""));
      continue;
    }
    nlohmann::json details = {{"tckn", d.tckn}, {"status", store::to_string(d.status)},
                              {"not_after", d.not_after}, {"recovered", recovered}};
    if (d.renews) details["renews"] = *d.renews;
    certs.mark_changed(d.serial, ledger_.record("certificate.issued", d.serial, details.dump()).seq);
  }
  return done;
}

store::CertificateRecord CertificateAuthority::finish_issuance(const store::CertificateRecord& intent, bool recovered,
                                                              Bytes& der) {
  // An intent read back from the database may be committed and not yet
  // synced (IssuanceQueue's sync thread is on it): on disk first, then signed.
  ledger_.database().sync();
  std::vector<Bytes> ders{sign_intent(intent)};
  fault_point("issue.after_sign");
  std::vector<store::CertificateRecord> done;
  // The intent is already on disk: a relaxed commit, as write_step's.
  ledger_.write([&] { done = record_issued({intent}, ders, recovered); }, store::Durability::relaxed);
  der = std::move(ders.front());
  return done.front();
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
