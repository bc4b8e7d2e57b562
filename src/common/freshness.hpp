// When signed status information (an OCSP response, a CRL) is renewed: once
// half of its validity has passed. Relying parties that cache until
// nextUpdate then never hold an answer older than half its life, and a
// publisher that misses one round still renews in time. The status service
// (pre-signed OCSP responses, the CRLs it serves) and the `ca` role's CRL
// publisher both ask this one rule.
#pragma once

#include <cstdint>

namespace tugra::freshness {

// Whether something valid from `this_update` to `next_update` should be
// signed again at `now`.
constexpr bool needs_renewal(std::int64_t this_update, std::int64_t next_update, std::int64_t now) {
  return now >= this_update + (next_update - this_update) / 2;
}

// The same for a validity given as a length.
constexpr bool needs_renewal_after(std::int64_t this_update, std::int64_t validity_seconds, std::int64_t now) {
  return needs_renewal(this_update, this_update + validity_seconds, now);
}

}  // namespace tugra::freshness
