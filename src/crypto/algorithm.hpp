// Key types and signature schemes, and their names in configuration files.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace tugra {

enum class KeyType { ec_p256, ec_p384, rsa_2048, rsa_3072, rsa_4096 };
enum class SignatureScheme { ecdsa_sha256, ecdsa_sha384, rsa_pkcs1_sha256, rsa_pss_sha256 };

struct KeyAlgorithm {
  KeyType key;
  SignatureScheme scheme;
};

// "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "rsa-4096-pss".
// Throws UserError for anything else.
KeyAlgorithm parse_key_algorithm(std::string_view name);

bool is_ec(KeyType key);
int rsa_bits(KeyType key);
const char* curve_name(KeyType key);  // "P-256" / "P-384"
const EVP_MD* digest_of(SignatureScheme scheme);
// The scheme a holder key signs with: RSA PKCS#1 v1.5 with SHA-256, or
// ECDSA with SHA-256 (P-256) or SHA-384 (larger curves).
SignatureScheme scheme_for_key(const EVP_PKEY* key);
// The DER AlgorithmIdentifier that certificates, CRLs and OCSP responses carry.
Bytes algorithm_identifier(SignatureScheme scheme);

}  // namespace tugra
