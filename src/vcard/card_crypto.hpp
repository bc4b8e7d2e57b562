// The virtual card's key operations, done with OpenSSL: key generation
// (RSA 2048/3072, EC P-256/P-384) and the PKCS#11 signing mechanisms.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace tugra::vcard {

using Bytes = std::vector<std::uint8_t>;

// A CK_RV to hand back to the caller.
struct CardError {
  CK_RV rv;
};

struct GeneratedKey {
  Bytes key_der;     // the private key (OpenSSL DER), for the card file
  Bytes modulus;     // RSA
  Bytes exponent;    // RSA
  Bytes ec_params;   // EC: explicit curve parameters, as AKIS cards report them
  Bytes ec_point;    // EC: DER OCTET STRING of the uncompressed point
  CK_ULONG bits = 0;
};

GeneratedKey generate_rsa(CK_ULONG bits, const Bytes& public_exponent);
// `params`: the CKA_EC_PARAMS of the template (named curve OID, or explicit
// parameters of P-256/P-384). Throws CardError(CKR_CURVE_NOT_SUPPORTED).
GeneratedKey generate_ec(const Bytes& params);

// Checks that `mechanism` can sign with a key of `key_type` and copies its
// parameters; throws CardError.
struct SignMechanism {
  CK_MECHANISM_TYPE type = 0;
  CK_RSA_PKCS_PSS_PARAMS pss{};
};
SignMechanism check_sign_mechanism(const CK_MECHANISM& mechanism, CK_KEY_TYPE key_type);
std::size_t signature_size(const Bytes& key_der);
Bytes sign(const Bytes& key_der, const SignMechanism& mechanism, const Bytes& data);

// The mechanisms the card offers, with their CK_MECHANISM_INFO.
struct MechanismEntry {
  CK_MECHANISM_TYPE type;
  CK_MECHANISM_INFO info;
};
const std::vector<MechanismEntry>& mechanisms();

}  // namespace tugra::vcard
