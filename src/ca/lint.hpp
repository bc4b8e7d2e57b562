// Checks the CA runs on its own output before the key signs it, and on the
// inputs that go into it. Each problem is a message catalog key.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <vector>

#include "ca/profile.hpp"
#include "common/bytes.hpp"

namespace tugra::ca {

// Refuses weak or unsupported keys: RSA < 2048 bits, EC other than
// P-256/P-384/P-521 (BTK Tebliğ art. 6/1). Throws UserError.
void check_key_strength(const EVP_PKEY* key);
void check_key_strength(ByteView spki);
// Refuses a name field that is empty, has leading/trailing spaces, control
// characters or invalid UTF-8, or is longer than `max` characters.
void check_name_field(const std::string& value, const char* field, int max);
// Refuses an invalid TCKN, empty or over-long names, control characters.
void check_holder(const Holder& holder);

// Problems found in a holder certificate about to be signed; empty when clean.
// `subject_key` is the key the certificate carries, already parsed; `issuer`
// the CA certificate that will sign it (a holder certificate must not
// outlive it).
std::vector<std::string> lint_nes_certificate(const X509* cert, const ProfileSettings& settings,
                                              const EVP_PKEY* subject_key, const X509* issuer);

}  // namespace tugra::ca
