// RAII owners for OpenSSL objects and error reporting.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"

namespace tugra::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
template <typename T, auto Free>
using Ptr = std::unique_ptr<T, Deleter<Free>>;

using Pkey = Ptr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtx = Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtx = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using Cert = Ptr<X509, X509_free>;
using Name = Ptr<X509_NAME, X509_NAME_free>;
using Req = Ptr<X509_REQ, X509_REQ_free>;
using Algor = Ptr<X509_ALGOR, X509_ALGOR_free>;

// A SubjectPublicKeyInfo parsed once. OpenSSL 3's generic key decoder
// (d2i_PUBKEY) searches its provider framework on every call and costs
// ~275 µs here; the CA parses each request's key once, splitting the SPKI
// with OpenSSL's ASN.1 primitives and importing EC and RSA keys with
// EVP_PKEY_fromdata (~26 µs, and it still rejects points off the curve).
// Other key types go through the generic decoder.
class PublicKey {
 public:
  // From DER, or PEM "PUBLIC KEY"; throws Error when it is neither or the key is invalid.
  static PublicKey parse(std::string_view pem_or_der);
  static PublicKey from_der(ByteView der);
  // A copy of an X509_PUBKEY (e.g. a CSR's).
  static PublicKey from(const X509_PUBKEY* key);

  const X509_ALGOR* algorithm() const { return algorithm_.get(); }
  const ASN1_BIT_STRING* bits() const { return bits_.get(); }
  EVP_PKEY* pkey() const { return pkey_.get(); }
  const Bytes& der() const { return der_; }  // canonical SubjectPublicKeyInfo

 private:
  Algor algorithm_;
  Ptr<ASN1_BIT_STRING, ASN1_BIT_STRING_free> bits_;
  Pkey pkey_;
  Bytes der_;
};

// An exception carrying `what` and OpenSSL's queued errors (the queue is cleared).
class Error : public std::runtime_error {
 public:
  explicit Error(std::string_view what);
};

// OpenSSL 3 looks a built-in digest such as EVP_sha256() up in its provider
// store (a fetch, under a lock) on every use; this is the same algorithm
// fetched once, for hot paths (the TSA and OCSP replies hash twice each).
const EVP_MD* fetched(const EVP_MD* md);
Bytes digest(const EVP_MD* md, ByteView data);
// Lower-case hex of the SHA-256 of `data` (fingerprints, stored token hashes).
std::string sha256_hex(ByteView data);
std::int64_t unix_seconds(const ASN1_TIME* time);

// DER <-> objects.
Bytes to_der(const X509* cert);
// Any OpenSSL object through its i2d function (sized first, then written).
template <typename T>
Bytes der_of(const T* object, int (*i2d)(const T*, unsigned char**)) {
  int n = i2d(object, nullptr);
  if (n <= 0) throw Error("DER encoding");
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  i2d(object, &p);
  return out;
}
Cert cert_from_der(ByteView der);
Pkey public_key_from_der(ByteView spki);
Bytes public_key_der(const EVP_PKEY* key);
std::string to_pem(const X509* cert);
std::string name_to_string(const X509_NAME* name);  // RFC 2253, UTF-8 kept
// Subject and issuer are the same name: a root (or a certificate claiming to be one).
bool self_issued(const X509* cert);
// A serial number as the database keeps it: upper-case hex, whole bytes;
// empty for a negative or unreadable one.
// PEM "PUBLIC KEY" of a DER SubjectPublicKeyInfo.
std::string public_key_pem(ByteView spki);
std::string serial_hex(const ASN1_INTEGER* serial);
// Reads a PEM or DER certificate or CSR.
Cert cert_from_pem_or_der(std::string_view data);
// Every certificate of a PEM bundle, in order (none: an empty list).
std::vector<Cert> certs_from_pem(std::string_view pem);
Req request_from_pem_or_der(std::string_view data);

}  // namespace tugra::ossl
