// Opening (and at `init`, creating) the PKCS#11 token that holds the CA keys,
// as the configuration describes it.
#pragma once

#include <memory>

#include "common/config.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {

// The configured PKCS#11 module, shared by every user in the process; with
// SoftHSM2 it is pointed at the home's SoftHSM2 configuration first.
std::shared_ptr<pkcs11::Module> load_ca_module(const Config& config);
// Opens the configured token and logs in (PIN from TUGRA_PKCS11_PIN or
// pkcs11.pin_file).
std::unique_ptr<Token> open_ca_token(const Config& config);
// For `init`: with SoftHSM2 configured in the home, writes its configuration
// and initialises a token with random SO and user PINs (kept in the home's
// secrets/, mode 0600); with any other module the token must already exist.
std::unique_ptr<Token> create_ca_token(const Config& config);

}  // namespace tugra::ca
