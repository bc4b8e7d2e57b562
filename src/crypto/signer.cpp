#include "crypto/signer.hpp"

#include <openssl/rsa.h>

#include "crypto/openssl.hpp"

namespace tugra {

Bytes Signer::sign(ByteView data) const {
  return sign_digest(ossl::digest(digest_of(scheme()), data));
}

bool verify_signature(ByteView spki, SignatureScheme scheme, ByteView data, ByteView signature) {
  ossl::Pkey key = ossl::public_key_from_der(spki);
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, digest_of(scheme), nullptr, key.get()) != 1)
    throw ossl::Error("EVP_DigestVerifyInit");
  if (scheme == SignatureScheme::rsa_pss_sha256) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                          data.size()) == 1;
}

}  // namespace tugra
