#include "crypto/algorithm.hpp"

#include "common/error.hpp"
#include "crypto/der.hpp"

namespace tugra {

KeyAlgorithm parse_key_algorithm(std::string_view name) {
  if (name == "ecdsa-p256") return {KeyType::ec_p256, SignatureScheme::ecdsa_sha256};
  if (name == "ecdsa-p384") return {KeyType::ec_p384, SignatureScheme::ecdsa_sha384};
  if (name == "rsa-2048") return {KeyType::rsa_2048, SignatureScheme::rsa_pkcs1_sha256};
  if (name == "rsa-3072") return {KeyType::rsa_3072, SignatureScheme::rsa_pkcs1_sha256};
  if (name == "rsa-4096") return {KeyType::rsa_4096, SignatureScheme::rsa_pkcs1_sha256};
  if (name == "rsa-4096-pss") return {KeyType::rsa_4096, SignatureScheme::rsa_pss_sha256};
  throw UserError("crypto.unknown_algorithm", {{"name", std::string(name)}});
}

bool is_ec(KeyType key) { return key == KeyType::ec_p256 || key == KeyType::ec_p384; }

int rsa_bits(KeyType key) {
  switch (key) {
    case KeyType::rsa_2048: return 2048;
    case KeyType::rsa_3072: return 3072;
    case KeyType::rsa_4096: return 4096;
    default: return 0;
  }
}

const char* curve_name(KeyType key) { return key == KeyType::ec_p384 ? "P-384" : "P-256"; }

const EVP_MD* digest_of(SignatureScheme scheme) {
  return scheme == SignatureScheme::ecdsa_sha384 ? EVP_sha384() : EVP_sha256();
}

Bytes algorithm_identifier(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::ecdsa_sha256: return der::sequence({der::oid("1.2.840.10045.4.3.2")});
    case SignatureScheme::ecdsa_sha384: return der::sequence({der::oid("1.2.840.10045.4.3.3")});
    case SignatureScheme::rsa_pkcs1_sha256:
      return der::sequence({der::oid("1.2.840.113549.1.1.11"), der::null()});
    case SignatureScheme::rsa_pss_sha256: {
      // RSASSA-PSS-params (RFC 4055): SHA-256, MGF1 with SHA-256, salt 32.
      Bytes sha256 = der::sequence({der::oid("2.16.840.1.101.3.4.2.1"), der::null()});
      Bytes mgf1 = der::sequence({der::oid("1.2.840.113549.1.1.8"), sha256});
      Bytes params = der::sequence({der::tlv(0xA0, sha256), der::tlv(0xA1, mgf1),
                                    der::tlv(0xA2, der::integer(32))});
      return der::sequence({der::oid("1.2.840.113549.1.1.10"), params});
    }
  }
  return {};
}

SignatureScheme scheme_for_key(const EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return SignatureScheme::rsa_pkcs1_sha256;
  return EVP_PKEY_get_bits(key) > 256 ? SignatureScheme::ecdsa_sha384 : SignatureScheme::ecdsa_sha256;
}

}  // namespace tugra
