// Certifying keys of other duties: the OCSP responder's renewed key, queued
// by the status role (status/responder_renewal.hpp). The status token never
// leaves the status host, and the issuing key never leaves this one.
#include <nlohmann/json.hpp>

#include "ca/authority.hpp"
#include "ca/lint.hpp"
#include "common/clock.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"

namespace tugra::ca {

int CertificateAuthority::certify_pending_requests() {
  auto& db = ledger_.database();
  int certified = 0;
  for (const auto& request : store::SigningRequestRepository(db).pending()) {
    if (request.authority_id != "nes-ocsp") continue;
    auto key = ossl::PublicKey::from_der(base64_decode(request.public_key));
    check_key_strength(key.pkey());
    std::int64_t now = now_seconds();
    Validity validity = Validity::years_from(now, static_cast<int>(config_.integer("ca.ocsp_years")));
    // Like every certificate of this CA, never beyond the CA itself.
    validity.not_after = std::min(validity.not_after, ossl::unix_seconds(X509_get0_notAfter(issuing_certificate())));
    const Signer& nes = signer("nes");
    auto builder = ocsp_responder(settings_, config_.str("ca.ocsp_name"), key, validity, issuing_certificate());
    Bytes der = assemble_certificate(builder.tbs(nes.scheme()), nes);
    auto cert = ossl::cert_from_der(der);
    std::string serial_hex = ossl::serial_hex(X509_get0_serialNumber(cert.get()));
    bool mine = false;
    ledger_.write([&] {
      // Another ca process may have certified it first: its certificate stands.
      mine = store::SigningRequestRepository(db).complete(request.id, base64_encode(der));
      if (!mine) return;
      store::AuthorityRepository(db).replace_key("nes-ocsp", request.key_label, request.public_key,
                                                 name_to_string(X509_get_subject_name(cert.get())),
                                                 base64_encode(der));
      ledger_.record("ca.responder_certified", "nes-ocsp",
                     nlohmann::json{{"request", request.id},
                                    {"label", request.key_label},
                                    {"serial", serial_hex},
                                    {"not_after", validity.not_after}}
                         .dump());
    });
    authorities_.clear();  // the responder's record changed
    certified += mine;
  }
  return certified;
}

}  // namespace tugra::ca
