#include "sign/pades.hpp"

#include "crypto/signer.hpp"

namespace tugra::sign {
namespace {

bool lt(const PadesOptions& o) { return o.profile.level >= Level::lt; }

CadesOptions cades_options(const PadesOptions& o) {
  CadesOptions cades{o.profile, false, o.signing_time, false};
  if (o.profile.level == Level::lta) cades.profile.level = Level::lt;  // the CMS itself is LT; the PDF adds the archive timestamp
  return cades;
}

}  // namespace

// Room for the CMS: the signer's certificate and chain, a timestamp.
PadesSignature::PadesSignature(const X509* certificate, SignatureScheme scheme, const std::string& pdf,
                               const PadesOptions& options)
    : options_(options),
      slot_(pdf, options.signing_time, lt(options) ? 32768 : 16384, options.visible),
      cades_(certificate, scheme, ossl::digest(digest_of(scheme), slot_.signed_bytes()), cades_options(options)) {}

std::string PadesSignature::complete(ByteView signature, const std::vector<ossl::Cert>& chain,
                                     const EvidenceFetcher& evidence) const {
  // LT: the revocation data goes to the PDF's DSS in an update of its own
  // after the signature (EN 319 142-1 §5.4.2), not inside the CMS.
  ValidationData validation;
  std::string signed_pdf = slot_.fill(cades_.complete(signature, chain, nullptr, evidence, lt(options_) ? &validation : nullptr));
  if (!lt(options_)) return signed_pdf;
  std::string with_data = add_validation_data(signed_pdf, validation);
  if (options_.profile.level != Level::lta) return with_data;
  // LTA: a document timestamp over everything so far, the DSS included (EN 319 142-1 §5.5).
  PdfSignatureSlot archive(with_data, 0, 16384, std::nullopt, true);
  return archive.fill(evidence.timestamp(archive.signed_bytes()));
}

std::string sign_pades(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                       const std::string& pdf, const PadesOptions& options, const EvidenceFetcher& evidence) {
  PadesSignature signature(certificate, key.scheme(), pdf, options);
  return signature.complete(key.sign(signature.to_be_signed()), chain, evidence);
}

}  // namespace tugra::sign
