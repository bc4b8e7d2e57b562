// PAdES signatures (ETSI EN 319 142-1 baseline, BTK profiles P1-P4): a CAdES
// signature over the PDF's byte range (SubFilter ETSI.CAdES.detached),
// added to the PDF by an incremental update so that earlier signatures stay
// valid; visible (a box with the signer and the time) or not.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/openssl.hpp"
#include "sign/cades.hpp"
#include "sign/pdf_file.hpp"

namespace tugra {
class Signer;
}

namespace tugra::sign {

struct PadesOptions {
  SignatureProfile profile;
  std::int64_t signing_time = 0;
  std::optional<VisibleSignature> visible;
};

// The signed PDF.
std::string sign_pades(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                       const std::string& pdf, const PadesOptions& options, const EvidenceFetcher& evidence);

}  // namespace tugra::sign
