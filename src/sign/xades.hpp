// XAdES signatures (ETSI EN 319 132-1 baseline, BTK profiles P1-P4): an
// XMLDSig signature with exclusive canonicalisation whose QualifyingProperties
// carry SigningTime, SigningCertificateV2 and, for P2-P4, the
// SignaturePolicyIdentifier; T adds a SignatureTimeStamp over the
// SignatureValue; LT adds CertificateValues and RevocationValues.
// Enveloped (inside the signed XML document, a reference with URI "") or
// detached (a reference to the signed file by its name).
//
// Two steps, as CAdES: to_be_signed() is the canonical SignedInfo,
// complete() takes the signature (in the Signer's form: DER for ECDSA).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/algorithm.hpp"
#include "crypto/openssl.hpp"
#include "sign/evidence.hpp"
#include "sign/signature_profile.hpp"

typedef struct _xmlNode xmlNode;

namespace tugra {
class Signer;
}

namespace tugra::sign {

struct XadesOptions {
  SignatureProfile profile;
  std::int64_t signing_time = 0;
  bool enveloped = true;     // else detached
  std::string detached_uri;  // the reference's URI when detached (the file's name)
};

class XadesSignature {
 public:
  // `content`: the XML document (enveloped) or the signed file (detached).
  XadesSignature(const X509* certificate, SignatureScheme scheme, const std::string& content, XadesOptions options);
  const Bytes& to_be_signed() const { return to_be_signed_; }
  // The enveloped document, or the detached signature document.
  std::string complete(ByteView signature, const std::vector<ossl::Cert>& chain, const EvidenceFetcher& evidence) const;

 private:
  ossl::Cert certificate_;
  SignatureScheme scheme_;
  XadesOptions options_;
  std::string content_;   // the signed file of a detached signature (archive timestamps cover it)
  std::string document_;  // the signature in place, SignatureValue still to fill
  Bytes to_be_signed_;
};

class XmlDocument;
// What an XAdES archive timestamp covers (EN 319 132-1 §5.5.2): the data of
// every reference, SignedInfo, SignatureValue and KeyInfo, the unsigned
// signature properties before `archive` (all when null) and any other
// ds:Object, each canonicalised. `detached`: the file a detached reference names.
std::string archive_input(const XmlDocument& doc, xmlNode* signature, xmlNode* archive, const std::string* detached);

std::string sign_xades(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                       const std::string& content, const XadesOptions& options, const EvidenceFetcher& evidence);

// ECDSA signatures: XMLDSig writes r and s side by side (RFC 4050), X.509
// and CMS a DER ECDSA-Sig-Value.
Bytes ecdsa_der_to_raw(ByteView der, std::size_t half);
Bytes ecdsa_raw_to_der(ByteView raw);

}  // namespace tugra::sign
