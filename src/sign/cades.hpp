// CAdES signatures (ETSI EN 319 122-1 baseline; BTK profiles P1-P4):
// a CMS SignedData whose signed attributes are content-type,
// message-digest, signing-time, signing-certificate-v2 and, for P2-P4,
// the signature-policy identifier. T adds a signature timestamp; LT adds
// every certificate of the chains and their revocation data (CRLs, and
// OCSP responses as RFC 5940 other revocation info) to SignedData.
//
// Signing is two steps so that the key can be anywhere — in this process,
// in a PKCS#11 token, or on a holder's card behind the card agent:
// to_be_signed() gives the bytes to sign, complete() takes the signature.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/algorithm.hpp"
#include "crypto/openssl.hpp"
#include "sign/evidence.hpp"
#include "sign/signature_profile.hpp"

namespace tugra {
class Signer;
}

namespace tugra::sign {

struct CadesOptions {
  SignatureProfile profile;
  bool attached = false;           // the content inside the signature
  std::int64_t signing_time = 0;   // unix seconds (the signing-time attribute)
  // PAdES carries the time in the signature dictionary's /M instead
  // (EN 319 142-1 §5.4: no signing-time attribute).
  bool signing_time_attribute = true;
};

// Fetches the validation data of `signer` (its chain up to the root) and of
// the TSA certificates of its timestamp.
ValidationData gather_validation_data(const X509* signer, const std::vector<ossl::Cert>& chain,
                                      const std::vector<ossl::Cert>& tsa_certificates, RevocationKind kind,
                                      const EvidenceFetcher& evidence);

class CadesSignature {
 public:
  // `content_digest` is digest_of(scheme) over the content; `certificate`
  // is the signer's.
  CadesSignature(const X509* certificate, SignatureScheme scheme, Bytes content_digest, CadesOptions options);

  // The DER SET OF signed attributes: what the key signs (with digest_of(scheme)).
  const Bytes& to_be_signed() const { return to_be_signed_; }

  // The ContentInfo (DER) around `signature`. `chain` holds the signer's
  // issuers up to the root; `content` is required when attached. Fetches the
  // timestamp and revocation data the level needs (UserError naming what
  // could not be had). LT data goes inside SignedData, or to `elsewhere`
  // when given (PAdES keeps it in the PDF's DSS).
  Bytes complete(ByteView signature, const std::vector<ossl::Cert>& chain, const Bytes* content,
                 const EvidenceFetcher& evidence, ValidationData* elsewhere = nullptr) const;

 private:
  ossl::Cert certificate_;
  SignatureScheme scheme_;
  CadesOptions options_;
  Bytes content_digest_;
  Bytes to_be_signed_;
};

// The digest of a file, read in 1 MiB blocks (memory stays flat however large it is).
Bytes digest_file(const EVP_MD* md, const std::filesystem::path& file);

// The signer's chain (issuing CA … root): from `known` where a certificate's
// issuer is there, else fetched from caIssuers URLs.
std::vector<ossl::Cert> complete_chain(const X509* certificate, const std::vector<ossl::Cert>& known,
                                       const EvidenceFetcher& evidence);

// Signs `file` with `key` in one go (the CLI's path): detached unless
// options.attached.
Bytes sign_cades_file(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                      const std::filesystem::path& file, const CadesOptions& options, const EvidenceFetcher& evidence);

}  // namespace tugra::sign
