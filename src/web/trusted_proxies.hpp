// Which peers may tell us the client's address (service.trusted_proxies):
// behind a reverse proxy every connection comes from the proxy, and the
// client is in X-Forwarded-For. The header is believed only from these
// peers; from anyone else it is ignored, so it cannot be spoofed to dodge a
// rate limit or to write someone else's address into the audit log.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace tugra::web {

class TrustedProxies {
 public:
  // Space-separated addresses and CIDR blocks: "127.0.0.1 10.0.0.0/8 ::1".
  // Throws UserError naming a malformed entry.
  explicit TrustedProxies(const std::string& list);

  bool trusts(std::string_view address) const;
  // The client: the peer itself, or, when the peer is trusted, the
  // right-most X-Forwarded-For address that is not a trusted proxy (the
  // left part of the header is whatever the client chose to send).
  std::string client(const std::string& peer, std::string_view forwarded_for) const;

 private:
  struct Block {
    std::array<unsigned char, 16> bytes{};
    int family = 0;  // AF_INET or AF_INET6
    int prefix = 0;  // bits that must match
  };
  std::vector<Block> blocks_;
};

}  // namespace tugra::web
