#include "sign/pades.hpp"

#include "crypto/signer.hpp"

namespace tugra::sign {

std::string sign_pades(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                       const std::string& pdf, const PadesOptions& options, const EvidenceFetcher& evidence) {
  // Room for the CMS: the signer's certificate and chain, a timestamp.
  const bool lt = options.profile.level >= Level::lt, lta = options.profile.level == Level::lta;
  PdfSignatureSlot slot(pdf, options.signing_time, lt ? 32768 : 16384, options.visible);
  CadesOptions cades{options.profile, false, options.signing_time, false};
  if (lta) cades.profile.level = Level::lt;  // the CMS itself is LT; the PDF adds the archive timestamp
  CadesSignature signature(certificate, key.scheme(), ossl::digest(digest_of(key.scheme()), slot.signed_bytes()), cades);
  // LT: the revocation data goes to the PDF's DSS in an update of its own
  // after the signature (EN 319 142-1 §5.4.2), not inside the CMS.
  ValidationData validation;
  std::string signed_pdf =
      slot.fill(signature.complete(key.sign(signature.to_be_signed()), chain, nullptr, evidence, lt ? &validation : nullptr));
  if (!lt) return signed_pdf;
  std::string with_data = add_validation_data(signed_pdf, validation);
  if (!lta) return with_data;
  // LTA: a document timestamp over everything so far, the DSS included (EN 319 142-1 §5.5).
  PdfSignatureSlot archive(with_data, 0, 16384, std::nullopt, true);
  return archive.fill(evidence.timestamp(archive.signed_bytes()));
}

}  // namespace tugra::sign
