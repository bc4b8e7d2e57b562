#include "sign/signature_profile.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "common/config.hpp"
#include "common/error.hpp"

namespace tugra::sign {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

SignaturePolicy parse_policy(const Config& config, const std::string& key) {
  std::istringstream in(config.str(key));
  SignaturePolicy policy;
  std::string hash;
  in >> policy.oid >> hash >> policy.uri;
  Bytes sha256;
  try {
    sha256 = hex_decode(hash);
  } catch (const std::exception&) {
  }
  if (policy.oid.empty() || sha256.size() != 32) throw UserError("config.bad_type", {{"key", key}});
  policy.sha256 = std::move(sha256);
  return policy;
}

}  // namespace

Level parse_level(std::string_view text) {
  std::string t = upper(text);
  if (t.rfind("B-", 0) == 0 && t.size() > 2) t = t.substr(2);
  if (t == "B") return Level::b;
  if (t == "T") return Level::t;
  if (t == "LT") return Level::lt;
  if (t == "LTA") return Level::lta;
  throw UserError("sign.bad_level", {{"level", std::string(text)}});
}

std::string level_name(Level level) {
  switch (level) {
    case Level::b: return "B-B";
    case Level::t: return "B-T";
    case Level::lt: return "B-LT";
    case Level::lta: return "B-LTA";
  }
  return "";
}

PolicySettings PolicySettings::from(const Config& config) {
  return {parse_policy(config, "sign.policy_p2"), parse_policy(config, "sign.policy_p3"),
          parse_policy(config, "sign.policy_p4")};
}

std::string PolicySettings::profile_of(std::string_view oid) const {
  if (oid == p2.oid) return "P2";
  if (oid == p3.oid) return "P3";
  if (oid == p4.oid) return "P4";
  return "";
}

const SignaturePolicy* PolicySettings::policy_of(std::string_view profile) const {
  if (profile == "P2") return &p2;
  if (profile == "P3") return &p3;
  if (profile == "P4") return &p4;
  return nullptr;
}

SignatureProfile btk_profile(std::string_view name, const PolicySettings& policies) {
  std::string n = upper(name);
  if (n == "P1") return {"P1", Level::b, std::nullopt, RevocationKind::any};
  if (n == "P2") return {"P2", Level::t, policies.p2, RevocationKind::crl};
  if (n == "P3") return {"P3", Level::lt, policies.p3, RevocationKind::crl};
  if (n == "P4") return {"P4", Level::lt, policies.p4, RevocationKind::ocsp};
  throw UserError("sign.bad_profile", {{"profile", std::string(name)}});
}

SignatureProfile baseline_profile(Level level) { return {level_name(level), level, std::nullopt, RevocationKind::any}; }

}  // namespace tugra::sign
