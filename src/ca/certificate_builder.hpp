// Builds an X.509 certificate whose signature comes from a Signer.
//
// The fields are set on an OpenSSL X509 object (so OpenSSL does the ASN.1),
// `tbs()` encodes the TBSCertificate for the signer's algorithm, and
// `assemble_certificate()` signs those bytes and wraps them. Keeping the TBS
// bytes separate is what lets the CA write them to its issuance log before
// the key signs anything.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"

namespace tugra::ca {

class CertificateBuilder {
 public:
  CertificateBuilder();
  CertificateBuilder& serial(ByteView big_endian);
  CertificateBuilder& validity(std::int64_t not_before, std::int64_t not_after);
  CertificateBuilder& subject(const X509_NAME* name);
  // The issuer; for a self-signed certificate pass nullptr (issuer = subject).
  CertificateBuilder& issuer(const X509* issuer_cert);
  CertificateBuilder& public_key(const ossl::PublicKey& key);
  // An extension in OpenSSL's configuration syntax, e.g.
  // (NID_key_usage, "critical,digitalSignature"). Set subject, issuer and key first.
  CertificateBuilder& extension(int nid, const std::string& value);
  CertificateBuilder& add_extension(const X509_EXTENSION* ext);  // copied
  CertificateBuilder& extension_der(const char* oid, ByteView value, bool critical);
  CertificateBuilder& extension_object(int nid, void* value, bool critical);

  const X509* cert() const { return cert_.get(); }
  // The DER TBSCertificate, with the signature algorithm of `scheme`.
  Bytes tbs(SignatureScheme scheme);

 private:
  ossl::Cert cert_;
  const X509* issuer_ = nullptr;
};

// Signs `tbs` with `signer` and returns the DER certificate.
Bytes assemble_certificate(ByteView tbs, const Signer& signer);

// X509_NAME helpers.
ossl::Name make_name(std::initializer_list<std::pair<int, std::string>> entries);
using ossl::name_to_string;

}  // namespace tugra::ca
