// Publishing CRLs: every revoked or suspended certificate of an authority,
// expired or not, in a CRL with an increasing number, stored and audited.
#include <nlohmann/json.hpp>

#include "ca/authority.hpp"
#include "ca/crl_builder.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"

namespace tugra::ca {

store::CrlRecord CertificateAuthority::publish_crl(const std::string& authority_id) {
  if (authority_id != "nes" && authority_id != "root") throw UserError("crl.unknown_ca", {{"ca", authority_id}});
  auto issuer = ossl::cert_from_der(base64_decode(authority(authority_id).certificate.value_or("")));
  const Signer& key = signer(authority_id);

  store::CrlRecord crl;
  write([&] {
    // Inside the write transaction: the number cannot be taken by another process.
    store::CrlRepository crls(*db_);
    std::vector<CrlEntry> entries;
    for (const auto& row : store::CertificateRepository(*db_).revoked(authority_id))
      entries.push_back({row.serial, row.revoked_at, row.reason < 0 ? 0 : row.reason});
    std::int64_t now = now_seconds();
    std::int64_t validity = authority_id == "nes" ? config_.integer("crl.nes_hours") * 3600
                                                  : config_.integer("crl.root_days") * 86400;
    CrlParams params{crls.next_number(authority_id), now, now + validity,
                     ossl::unix_seconds(X509_get0_notBefore(issuer.get()))};
    crl = {authority_id, params.number, params.this_update, params.next_update,
           static_cast<std::int64_t>(entries.size()), base64_encode(build_crl(key, issuer.get(), params, entries))};
    crls.insert(crl);
    record("crl.published", authority_id,
           nlohmann::json{{"number", crl.number}, {"entries", crl.entries}, {"next_update", crl.next_update}}.dump());
  });
  return crl;
}

}  // namespace tugra::ca
