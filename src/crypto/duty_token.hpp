// The PKCS#11 tokens of a home, one per duty, each with its own PIN:
//
//   ca      root and issuing CA keys        [pkcs11]        secrets/ca-token.pin
//   status  OCSP responder key              [status_token]  secrets/status-token.pin
//   audit   audit checkpoint key            [audit_token]   secrets/audit-token.pin
//   tsa     time-stamping (RFC 3161) key    [tsa_token]     secrets/tsa-token.pin
//
// A process opens only the tokens of its roles, so a portal or status host
// that is taken over holds no CA key (docs/ARCHITECTURE.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "crypto/token.hpp"

namespace tugra {

enum class Duty { ca, status, audit, tsa };

// "ca", "status", "audit", "tsa": how messages and docs name the duty.
const char* duty_name(Duty duty);
// The duty whose token holds an authority's key ("root", "nes": ca;
// "nes-ocsp": status; "nes-tsa": tsa; "audit": audit).
Duty duty_of_authority(std::string_view authority_id);

// The duty's PKCS#11 module, shared by every user in the process; with
// SoftHSM2 it is pointed at the home's SoftHSM2 configuration first.
std::shared_ptr<pkcs11::Module> load_duty_module(const Config& config, Duty duty);
// Opens the duty's token and logs in with its PIN (the environment
// variable TUGRA_<SECTION>_PIN, else the PIN file). UserError
// "token.no_pin" names the duty and the missing file.
std::unique_ptr<Token> open_duty_token(const Config& config, Duty duty);
// For `init`: with SoftHSM2 configured in the home, writes its configuration
// and initialises the duty's token with random SO and user PINs (kept in
// the home's secrets/, mode 0600); with any other module the token must
// already exist.
std::unique_ptr<Token> create_duty_token(const Config& config, Duty duty);
// A signer that keeps its token (and so its login) open as long as it lives.
std::unique_ptr<Signer> open_duty_signer(const Config& config, Duty duty, std::string_view key_label,
                                         SignatureScheme scheme);

}  // namespace tugra
