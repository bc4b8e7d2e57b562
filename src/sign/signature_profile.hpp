// What a signature carries beyond the signature itself: the ETSI baseline
// level (B, T, LT, LTA) and, for BTK's profiles P2-P4, the signature policy
// and the kind of revocation data it names (BTK "Elektronik İmza Kullanım
// Profilleri Rehberi", 2012).
//
//   P1  B   no policy, revocation checked by the verifier at check time
//   P2  T   policy 2.16.792.1.61.0.1.5070.3.1.1, CRL
//   P3  LT  policy …5070.3.2.1, CRL embedded
//   P4  LT  policy …5070.3.3.1, OCSP at signing time embedded
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace tugra {
class Config;
}

namespace tugra::sign {

enum class Level { b, t, lt, lta };
enum class RevocationKind { any, crl, ocsp };

// "B", "T", "LT", "LTA" (case-insensitive; "B-T" etc. too). UsageError otherwise.
Level parse_level(std::string_view text);
std::string level_name(Level level);  // "B-B", "B-T", "B-LT", "B-LTA"

struct SignaturePolicy {
  std::string oid;
  Bytes sha256;     // the hash of the policy document (sigPolicyHash)
  std::string uri;  // where the document is published (SPuri qualifier)
};

// The policies of P2, P3 and P4 as configured (sign.policy_p2 …): each
// "OID SHA256-HEX URI".
struct PolicySettings {
  SignaturePolicy p2, p3, p4;
  static PolicySettings from(const Config& config);
  // "P2" / "P3" / "P4" for a policy OID, empty for any other.
  std::string profile_of(std::string_view oid) const;
  const SignaturePolicy* policy_of(std::string_view profile) const;
};

struct SignatureProfile {
  std::string name;  // "P1".."P4", or the level name
  Level level = Level::b;
  std::optional<SignaturePolicy> policy;
  RevocationKind revocation = RevocationKind::any;
};

// --profile P1|P2|P3|P4 (UsageError otherwise).
SignatureProfile btk_profile(std::string_view name, const PolicySettings& policies);
// --level alone: an ETSI baseline signature without a policy.
SignatureProfile baseline_profile(Level level);

}  // namespace tugra::sign
