#include "crypto/software_signer.hpp"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace tugra {

std::unique_ptr<SoftwareSigner> SoftwareSigner::generate(KeyAlgorithm algorithm) {
  ossl::Pkey key(is_ec(algorithm.key)
                     ? EVP_EC_gen(curve_name(algorithm.key))
                     : EVP_RSA_gen(static_cast<unsigned>(rsa_bits(algorithm.key))));
  if (!key) throw ossl::Error("key generation");
  return std::make_unique<SoftwareSigner>(std::move(key), algorithm.scheme);
}

std::unique_ptr<SoftwareSigner> SoftwareSigner::from_pem(std::string_view pem, SignatureScheme scheme) {
  ossl::Ptr<BIO, BIO_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw ossl::Error("PEM_read_bio_PrivateKey");
  return std::make_unique<SoftwareSigner>(std::move(key), scheme);
}

SoftwareSigner::SoftwareSigner(ossl::Pkey key, SignatureScheme scheme)
    : key_(std::move(key)), scheme_(scheme), spki_(ossl::public_key_der(key_.get())) {}

Bytes SoftwareSigner::sign_digest(ByteView digest) const {
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) throw ossl::Error("EVP_PKEY_sign_init");
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), digest_of(scheme_)) != 1)
    throw ossl::Error("EVP_PKEY_CTX_set_signature_md");
  if (scheme_ == SignatureScheme::rsa_pss_sha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1)
      throw ossl::Error("RSA-PSS parameters");
  } else if (scheme_ == SignatureScheme::rsa_pkcs1_sha256) {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  }
  std::size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1)
    throw ossl::Error("EVP_PKEY_sign");
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1)
    throw ossl::Error("EVP_PKEY_sign");
  sig.resize(len);
  return sig;
}


}  // namespace tugra
