// The evidence a signature gathers from outside: a signature timestamp
// from a TSA (RFC 3161 over HTTP), and revocation data from the URLs the
// certificates themselves name (CRL distribution points, the OCSP
// responder of the authority information access). Each fetch has the HTTP
// client's timeouts and fails with a message naming what is missing.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/config.hpp"
#include "crypto/openssl.hpp"

namespace tugra::sign {

// What a signature needs to be validated later without asking anyone (LT):
// the certificates of the chains and the revocation data of each (DER).
struct ValidationData {
  std::vector<Bytes> certificates, crls, ocsp_responses;
};

// The certificates a timestamp token carries (its TSA's, asked with certReq).
std::vector<ossl::Cert> timestamp_certificates(ByteView token);

std::vector<std::string> crl_urls(const X509* certificate);
std::vector<std::string> ocsp_urls(const X509* certificate);
std::vector<std::string> ca_issuer_urls(const X509* certificate);

// Where this service's timestamps come from: sign.tsa_url, else the
// service's own TSA (service.public_base_url + "/tsa").
std::string configured_tsa_url(const Config& config);

class EvidenceFetcher {
 public:
  explicit EvidenceFetcher(std::string tsa_url) : tsa_url_(std::move(tsa_url)) {}

  // A TimeStampToken (DER ContentInfo) over the SHA-256 of `data`, with a
  // nonce that the reply must echo and the TSA's certificate included.
  Bytes timestamp(ByteView data, const EVP_MD* md = EVP_sha256()) const;
  // The CRL (DER) from the first distribution point that answers.
  Bytes crl(const X509* certificate) const;
  // The issuer of `certificate` from its caIssuers URL (DER or PEM there).
  Bytes issuer_certificate(const X509* certificate) const;
  // An OCSPResponse (DER, status successful) for `certificate`.
  Bytes ocsp(const X509* certificate, const X509* issuer) const;

  const std::string& tsa_url() const { return tsa_url_; }

 private:
  std::string tsa_url_;
};

}  // namespace tugra::sign
