#include "web/trusted_proxies.hpp"

#include <arpa/inet.h>

#include <optional>
#include <sstream>

#include "common/error.hpp"

namespace tugra::web {
namespace {

struct Address {
  std::array<unsigned char, 16> bytes{};
  int family = 0;
};

std::optional<Address> parse_address(std::string_view text) {
  std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) a.family = AF_INET;
  else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) a.family = AF_INET6;
  else return std::nullopt;
  return a;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The address in its usual spelling (so that "::0001" and "::1" are one client).
std::string canonical(const Address& a) {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.family, a.bytes.data(), out, sizeof out);
  return out;
}

}  // namespace

TrustedProxies::TrustedProxies(const std::string& list) {
  std::istringstream words(list);
  for (std::string word; words >> word;) {
    auto slash = word.find('/');
    auto address = parse_address(std::string_view(word).substr(0, slash));
    int bits = address && address->family == AF_INET ? 32 : 128;
    int prefix = bits;
    if (address && slash != std::string::npos) {
      try {
        std::size_t used = 0;
        prefix = std::stoi(word.substr(slash + 1), &used);
        if (used != word.size() - slash - 1) prefix = -1;
      } catch (const std::exception&) {
        prefix = -1;
      }
    }
    if (!address || prefix < 0 || prefix > bits) throw UserError("serve.bad_trusted_proxy", {{"entry", word}});
    blocks_.push_back({address->bytes, address->family, prefix});
  }
}

bool TrustedProxies::trusts(std::string_view text) const {
  auto address = parse_address(text);
  if (!address) return false;
  for (const auto& b : blocks_) {
    if (b.family != address->family) continue;
    int whole = b.prefix / 8, rest = b.prefix % 8;
    bool match = std::equal(b.bytes.begin(), b.bytes.begin() + whole, address->bytes.begin());
    if (match && rest) {
      unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
      match = (b.bytes[whole] & mask) == (address->bytes[whole] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::string TrustedProxies::client(const std::string& peer, std::string_view forwarded_for) const {
  if (blocks_.empty() || forwarded_for.empty() || !trusts(peer)) return peer;
  std::string client = peer;
  // From the right: each trusted hop vouches for the one before it.
  while (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    std::string_view hop = trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    auto address = parse_address(hop);
    if (!address) break;  // garbage: the last hop we could trust is the answer
    client = canonical(*address);
    if (!trusts(client)) break;
  }
  return client;
}

}  // namespace tugra::web
