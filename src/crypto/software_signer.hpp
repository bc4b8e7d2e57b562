// A Signer over a key held in process memory. For tests, benchmarks and the
// peer runs in bench/; CA keys live in a PKCS#11 token instead.
#pragma once

#include <memory>
#include <string_view>

#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"

namespace tugra {

class SoftwareSigner final : public Signer {
 public:
  static std::unique_ptr<SoftwareSigner> generate(KeyAlgorithm algorithm);
  // From a PEM private key.
  static std::unique_ptr<SoftwareSigner> from_pem(std::string_view pem, SignatureScheme scheme);

  SoftwareSigner(ossl::Pkey key, SignatureScheme scheme);
  SignatureScheme scheme() const override { return scheme_; }
  const Bytes& public_key_der() const override { return spki_; }
  Bytes sign_digest(ByteView digest) const override;

 private:
  ossl::Pkey key_;
  SignatureScheme scheme_;
  Bytes spki_;
};

}  // namespace tugra
