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

// A PAdES signature in two steps, for a key that is elsewhere (a holder's
// card behind the card agent): the PDF with its empty signature and the
// signed attributes to sign go out, the signature comes back.
class PadesSignature {
 public:
  PadesSignature(const X509* certificate, SignatureScheme scheme, const std::string& pdf, const PadesOptions& options);
  // What the holder is shown (and what the signature covers but /Contents).
  const std::string& prepared() const { return slot_.document(); }
  std::array<std::int64_t, 4> byte_range() const { return slot_.byte_range(); }
  const Bytes& to_be_signed() const { return cades_.to_be_signed(); }
  // The signed PDF: for LT its validation data in the DSS, for LTA a
  // document timestamp after it (fetched through `evidence`).
  std::string complete(ByteView signature, const std::vector<ossl::Cert>& chain, const EvidenceFetcher& evidence) const;

 private:
  PadesOptions options_;
  PdfSignatureSlot slot_;
  CadesSignature cades_;
};

// The signed PDF, in one go.
std::string sign_pades(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                       const std::string& pdf, const PadesOptions& options, const EvidenceFetcher& evidence);

}  // namespace tugra::sign
