#include "agent/origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace tugra::agent {

std::string normalise_origin(const std::string& text) {
  std::string s = text;
  while (!s.empty() && s.back() == '/') s.pop_back();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string scheme;
  if (s.rfind("http://", 0) == 0) scheme = "http";
  else if (s.rfind("https://", 0) == 0) scheme = "https";
  else return "";
  std::string host = s.substr(scheme.size() + 3);
  if (host.empty() || host.find_first_of("/?#@ \t") != std::string::npos) return "";
  if (scheme == "http" && host.size() > 3 && host.compare(host.size() - 3, 3, ":80") == 0) host.resize(host.size() - 3);
  if (scheme == "https" && host.size() > 4 && host.compare(host.size() - 4, 4, ":443") == 0) host.resize(host.size() - 4);
  return scheme + "://" + host;
}

OriginPolicy::OriginPolicy(const std::string& origins) {
  std::string item;
  auto flush = [&] {
    if (!item.empty()) {
      if (std::string o = normalise_origin(item); !o.empty()) origins_.insert(o);
      item.clear();
    }
  };
  for (char c : origins) {
    if (c == ' ' || c == ',' || c == '\t' || c == '\n') flush();
    else item += c;
  }
  flush();
}

bool OriginPolicy::allowed(const std::string& origin) const {
  // The browser sends the origin exactly; a page whose Origin is "null"
  // (a sandboxed frame, a file) is never allowed.
  return !origin.empty() && origins_.count(origin) > 0;
}

Headers OriginPolicy::cors(const std::string& origin) {
  return {{"Access-Control-Allow-Origin", origin}, {"Vary", "Origin"}};
}

Headers OriginPolicy::preflight(const std::string& origin, bool private_network_requested) {
  Headers h = cors(origin);
  h.emplace_back("Access-Control-Allow-Methods", "GET, POST");
  h.emplace_back("Access-Control-Allow-Headers", "Content-Type");
  h.emplace_back("Access-Control-Max-Age", "600");
  if (private_network_requested) h.emplace_back("Access-Control-Allow-Private-Network", "true");
  return h;
}

}  // namespace tugra::agent
