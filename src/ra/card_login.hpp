// E-İmzalı Giriş, the checks that need no state of the holder's: the card
// agent's signed log-in statement against the page's origin and the
// portal's nonce, the signature against the certificate, and the
// certificate against this service's CAs and its own issuance records.
#pragma once

#include <cstdint>
#include <string>

namespace tugra::store {
class Database;
}

namespace tugra::ra {

struct CardLoginCheck {
  std::string tckn, serial;  // of the certificate, when the checks passed
  std::string failure;       // else why not (English, for the audit record)
};

// `certificate` and `signature` in base64; `statement` as the agent wrote it.
// Fresh means within `window` seconds of `now`, either side.
CardLoginCheck check_card_login(store::Database& db, const std::string& certificate, const std::string& statement,
                                const std::string& signature, const std::string& origin, const std::string& nonce,
                                std::int64_t now, std::int64_t window = 300);

}  // namespace tugra::ra
