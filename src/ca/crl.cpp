// Publishing CRLs: every revoked or suspended certificate of an authority,
// expired or not, in a CRL with an increasing number, stored and audited.
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <limits>
#include <unordered_set>

#include "ca/authority.hpp"
#include "ca/crl_builder.hpp"
#include "ca/revocation.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"

namespace tugra::ca {

namespace {

// With crl.full_every_minutes set, full CRLs of an issuing CA point relying
// parties at the delta CRLs published between them (FreshestCRL).
std::string freshest_url(const Config& config, const store::AuthorityRecord& authority) {
  if (authority.kind != "issuing-ca" || config.integer("crl.full_every_minutes") <= 0) return "";
  return config.str("service.public_base_url") + "/crl/" + authority.id + "-delta.crl";
}

// The serials a stored CRL lists (upper-case hex, as the database keeps them).
std::unordered_set<std::string> listed_serials(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::Ptr<X509_CRL, X509_CRL_free> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) throw ossl::Error("stored CRL does not parse");
  std::unordered_set<std::string> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    out.insert(ossl::serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
  return out;
}

}  // namespace

const RevokedList& CertificateAuthority::revoked_list(const std::string& authority_id,
                                                      store::CertificateRepository& certs, std::int64_t change_seq) {
  auto kept = revoked_lists_.find(authority_id);
  if (kept == revoked_lists_.end() || kept->second.change_seq > change_seq) {
    // The first CRL of this process (or a database that went back): every row.
    RevokedList list;
    // The last CRL's size, a good guess: the list is not copied as it grows.
    list.reserve(static_cast<std::size_t>(store::CrlRepository(ledger_.database()).latest_entries(authority_id)) + 1024);
    CrlEntry entry;
    certs.for_each_revoked(authority_id, [&](const store::CertificateRepository::RevokedRow& row) {
      entry.serial.assign(row.serial);
      entry.revoked_at = row.revoked_at;
      entry.reason = row.reason < 0 ? 0 : row.reason;
      list.append_unsorted(entry);
    });
    list.sort();
    list.change_seq = change_seq;
    // No malloc_trim() after this: memory handed back to the system is
    // faulted in again by every later CRL, which measured 0.4 s slower a CRL
    // (docs/PERFORMANCE.md) for about 110 MiB less resident memory.
    return revoked_lists_[authority_id] = std::move(list);
  }
  // What changed since: revoked or suspended is listed (with its latest
  // reason and date), anything else is not. The rows are read inside this
  // write transaction, so the list matches the database at change_seq.
  RevokedList& list = kept->second;
  for (const auto& row : certs.changed_since(list.change_seq, std::numeric_limits<std::int32_t>::max())) {
    if (row.issuer != authority_id) continue;
    if (row.status == store::CertStatus::revoked || row.status == store::CertStatus::suspended)
      list.put({row.serial, row.revoked_at, row.reason < 0 ? 0 : row.reason});
    else
      list.remove(row.serial);
  }
  list.change_seq = change_seq;
  return list;
}

store::CrlRecord CertificateAuthority::publish_crl(const std::string& authority_id, bool with_der) {
  auto authority_record = authority(authority_id);
  bool issuing = authority_record.kind == "issuing-ca";
  if ((!issuing && authority_record.kind != "root-ca") || !authority_record.certificate)
    throw UserError("crl.unknown_ca", {{"ca", authority_id}});
  auto issuer = ossl::cert_from_der(base64_decode(*authority_record.certificate));
  const Signer& key = signer(authority_id);

  store::CrlRecord crl;
  ledger_.write([&] {
    // Inside the write transaction: the number cannot be taken by another process.
    store::CrlRepository crls(ledger_.database());
    store::CertificateRepository certs(ledger_.database());
    std::int64_t change_seq = certs.latest_change_seq();
    const RevokedList& revoked = revoked_list(authority_id, certs, change_seq);
    std::int64_t now = now_seconds();
    std::int64_t validity = issuing ? config_.integer("crl.nes_hours") * 3600 : config_.integer("crl.root_days") * 86400;
    CrlParams params{crls.next_number(authority_id), now, now + validity,
                     ossl::unix_seconds(X509_get0_notBefore(issuer.get())), 0, freshest_url(config_, authority_record)};
    // Signed over the kept list and written from it into the database.
    SignedCrl signed_crl = sign_crl(key, issuer.get(), params, revoked);
    crl = {authority_id, params.number, params.this_update, params.next_update,
           static_cast<std::int64_t>(revoked.size()), "", 0, change_seq};
    crls.insert(crl, signed_crl.pieces());
    if (with_der) crl.der = to_string(signed_crl.joined());
    ledger_.record("crl.published", authority_id,
           nlohmann::json{{"number", crl.number}, {"entries", crl.entries}, {"next_update", crl.next_update}}.dump());
  });
  return crl;
}

store::CrlRecord CertificateAuthority::publish_delta_crl(const std::string& authority_id) {
  const X509* issuer = issuing_certificate(authority_id);
  auto base = store::CrlRepository(ledger_.database()).latest(authority_id);
  if (!base) return publish_crl(authority_id);
  const Signer& key = signer(authority_id);

  store::CrlRecord crl;
  ledger_.write([&] {
    store::CrlRepository crls(ledger_.database());
    std::int64_t now = now_seconds();
    // What changed after the base: revoked and suspended certificates with
    // their reasons, and lifted suspensions as removeFromCRL — only for a
    // serial the base lists (RFC 5280 §5.3.1): a certificate that became or
    // was issued valid after the base was never on it, so it is not named.
    auto on_base = listed_serials(base->der);
    std::vector<CrlEntry> entries;
    for (const auto& row : store::CertificateRepository(ledger_.database()).changed_since(base->change_seq, 10000000)) {
      if (row.issuer != authority_id) continue;
      if (row.status == store::CertStatus::revoked || row.status == store::CertStatus::suspended)
        entries.push_back({row.serial, row.revoked_at, row.reason < 0 ? 0 : row.reason});
      else if (row.status == store::CertStatus::valid && on_base.count(row.serial))
        entries.push_back({row.serial, now, kReasonRemoveFromCrl});
    }
    CrlParams params{crls.next_number(authority_id), now, base->next_update,
                     ossl::unix_seconds(X509_get0_notBefore(issuer)), base->number, ""};
    crl = {authority_id, params.number, params.this_update, params.next_update,
           static_cast<std::int64_t>(entries.size()), to_string(build_crl(key, issuer, params, entries)),
           base->number, 0};
    crls.insert(crl);
    ledger_.record("crl.delta_published", authority_id,
           nlohmann::json{{"number", crl.number}, {"base", base->number}, {"entries", crl.entries}}.dump());
  });
  return crl;
}

}  // namespace tugra::ca
