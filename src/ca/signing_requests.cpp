// Certifying keys of other duties: an OCSP responder's key (renewed, or the
// first of a new issuing CA generation) or a time-stamping unit's (renewed),
// queued by the status role (status/responder_renewal.hpp). The status and
// TSA tokens never leave the status host, and the issuing key never leaves
// this one.
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
    // "<issuing id>-ocsp" or "<issuing id>-tsa": that issuing CA's responder
    // or time-stamping unit, signed by its key.
    std::string issuer;
    bool tsa = false;
    for (const auto& a : store::AuthorityRepository(db).issuing()) {
      if (!a.certificate) continue;
      if (store::responder_of(a.id) == request.authority_id) issuer = a.id;
      if (store::tsa_of(a.id) == request.authority_id) issuer = a.id, tsa = true;
    }
    if (issuer.empty() || !holds_key(issuer)) continue;
    auto key = ossl::PublicKey::from_der(base64_decode(request.public_key));
    check_key_strength(key.pkey());
    const X509* issuing = issuing_certificate(issuer);
    std::int64_t now = now_seconds();
    Validity validity =
        Validity::years_from(now, static_cast<int>(config_.integer(tsa ? "ca.tsa_years" : "ca.ocsp_years")));
    // Like every certificate of this CA, never beyond the CA itself.
    validity.not_after = std::min(validity.not_after, ossl::unix_seconds(X509_get0_notAfter(issuing)));
    const Signer& signer_key = signer(issuer);
    std::string name = generation_name(config_.str(tsa ? "ca.tsa_name" : "ca.ocsp_name"), generation_of(issuer));
    auto builder = tsa ? time_stamping_unit(settings_, name, key, validity, issuing, issuer)
                       : ocsp_responder(settings_, name, key, validity, issuing);
    Bytes der = assemble_certificate(builder.tbs(signer_key.scheme()), signer_key);
    auto cert = ossl::cert_from_der(der);
    std::string serial_hex = ossl::serial_hex(X509_get0_serialNumber(cert.get()));
    bool mine = false;
    ledger_.write([&] {
      // Another ca process may have certified it first: its certificate stands.
      mine = store::SigningRequestRepository(db).complete(request.id, base64_encode(der));
      if (!mine) return;
      store::AuthorityRepository authorities(db);
      std::string subject = name_to_string(X509_get_subject_name(cert.get()));
      if (authorities.find(request.authority_id)) {
        authorities.replace_key(request.authority_id, request.key_label, request.public_key, subject,
                                base64_encode(der));
      } else {
        store::AuthorityRecord a{request.authority_id, tsa ? "tsa" : "ocsp-responder", subject, request.key_label,
                                 config_.str(tsa ? "ca.tsa_key_algorithm" : "ca.ocsp_key_algorithm"),
                                 request.public_key, base64_encode(der), now};
        authorities.insert(a);
      }
      ledger_.record(tsa ? "ca.tsa_certified" : "ca.responder_certified", request.authority_id,
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
