// Which web pages may talk to the card agent: the configured portal
// origins, exactly (scheme, host and port), and the CORS and Private Network
// Access answers that let their pages, and only theirs, read the replies.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tugra::agent {

using Headers = std::vector<std::pair<std::string, std::string>>;

class OriginPolicy {
 public:
  // `origins`: space- or comma-separated; each normalised (lower-case
  // scheme and host, no trailing slash, default ports dropped).
  explicit OriginPolicy(const std::string& origins);
  bool allowed(const std::string& origin) const;
  const std::set<std::string>& origins() const { return origins_; }

  // The headers of an answer to `origin` (an allowed one).
  static Headers cors(const std::string& origin);
  // The answer to a preflight from `origin`: CORS plus, when the browser
  // asked (Access-Control-Request-Private-Network: true), the permission
  // for a public page to reach this loopback address.
  static Headers preflight(const std::string& origin, bool private_network_requested);

 private:
  std::set<std::string> origins_;
};

// "HTTPS://Portal.Example:443/" -> "https://portal.example"; "" when it is not an origin.
std::string normalise_origin(const std::string& text);

}  // namespace tugra::agent
