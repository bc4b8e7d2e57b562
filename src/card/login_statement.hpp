// E-İmzalı Giriş: the statement a holder's card signs to log in to a portal,
// written by the card agent and checked by the portal. Plain text, so that
// the holder reads on the agent's page exactly what the card signs: which
// site (the page's origin, as the browser reported it to the agent), the
// portal's one-time number and the time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tugra::card {

struct LoginStatement {
  std::string origin;  // "https://portal.example"
  std::string nonce;
  std::int64_t time = 0;  // unix seconds

  std::string text() const;
  // The statement in `text`, or nullopt when it is not one, exactly as text() writes it.
  static std::optional<LoginStatement> parse(const std::string& text);
};

}  // namespace tugra::card
