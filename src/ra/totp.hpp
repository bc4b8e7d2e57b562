// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits),
// the second factor of institution officers; any authenticator app reads the
// otpauth:// URI.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.hpp"

namespace tugra::ra {

std::string base32_encode(ByteView data);
Bytes base32_decode(const std::string& text);  // throws std::invalid_argument

// The code for `unix_seconds`.
std::string totp_code(ByteView secret, std::int64_t unix_seconds);
// Accepts the code of the current step or the one before or after (clock
// drift); returns the matching step, or -1.
std::int64_t totp_verify(ByteView secret, const std::string& code, std::int64_t unix_seconds);
std::string totp_uri(const std::string& issuer, const std::string& account, const std::string& base32_secret);

}  // namespace tugra::ra
