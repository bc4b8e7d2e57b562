// RAII owners for OpenSSL objects and error reporting.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

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

// An exception carrying `what` and OpenSSL's queued errors (the queue is cleared).
class Error : public std::runtime_error {
 public:
  explicit Error(std::string_view what);
};

Bytes digest(const EVP_MD* md, ByteView data);

// DER <-> objects.
Bytes to_der(const X509* cert);
Cert cert_from_der(ByteView der);
Pkey public_key_from_der(ByteView spki);
Bytes public_key_der(const EVP_PKEY* key);
std::string to_pem(const X509* cert);
// Reads a PEM or DER certificate, CSR or public key.
Cert cert_from_pem_or_der(std::string_view data);
Req request_from_pem_or_der(std::string_view data);
Pkey public_key_from_pem_or_der(std::string_view data);

}  // namespace tugra::ossl
