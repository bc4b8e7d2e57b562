// A throwaway CA for the fuzz targets that need certificates (the OCSP
// responder's, the TSA's): a software key, a root certificate, and a way to
// certify another software key with any profile.
#pragma once

#include <memory>

#include "ca/profile.hpp"
#include "crypto/software_signer.hpp"

namespace tugra::fuzz {

struct FuzzCa {
  ca::ProfileSettings settings;
  ca::Validity validity = ca::Validity::years_from(1700000000, 10);
  std::unique_ptr<SoftwareSigner> key = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  ossl::Cert cert;

  FuzzCa() {
    settings.public_base_url = "http://fuzz.test";
    settings.organization = "Fuzz";
    settings.policy_oid = "2.999.1";
    settings.cps_uri = "http://fuzz.test/cps";
    auto root = ca::root_ca(settings, "Fuzz CA", ossl::PublicKey::from_der(key->public_key_der()), validity);
    cert = certify(root);
  }
  // A new software key for a certificate of this CA.
  static std::unique_ptr<SoftwareSigner> new_key() { return SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256")); }
  ossl::Cert certify(ca::CertificateBuilder& b) const {
    return ossl::cert_from_der(ca::assemble_certificate(b.tbs(key->scheme()), *key));
  }
};

}  // namespace tugra::fuzz
