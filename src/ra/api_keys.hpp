// Keys of the REST API. An institution's key acts for that institution
// only (its staff list, its applications, its webhook); an operator key
// acts for the provider's call centre and card production. A key is shown
// once, as "tgr_<id>_<secret>"; only the SHA-256 of its 32 random bytes is
// stored (a slow password hash buys nothing against 256 bits of entropy, and
// every API request checks a key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/api_records.hpp"
#include "store/portal_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

// What a key may do; a key gets every scope of its kind unless narrowed.
const std::vector<std::string>& api_scopes(const std::string& kind);  // "institution" | "operator"

struct NewApiKey {
  store::ApiKeyRecord record;
  std::string token;  // shown once
};

class ApiKeys {
 public:
  explicit ApiKeys(store::Ledger& ledger) : ledger_(ledger) {}
  // `scopes`: comma-separated, empty for all of the kind. Audited as `actor`.
  // UserError: api_key.bad_kind, api_key.bad_scope, api_key.bad_name, institution.not_found.
  NewApiKey add(const std::string& kind, std::int64_t institution_id, const std::string& name,
                const std::string& scopes, const std::string& actor = "");
  std::vector<store::ApiKeyRecord> list(std::int64_t institution_id);
  // UserError("api_key.not_found") for an unknown or already revoked key.
  void revoke(std::int64_t id, const std::string& actor = "");
  // The live key a bearer token names; none for a malformed, unknown,
  // revoked or wrong one (compared in constant time).
  std::optional<store::ApiKeyRecord> authenticate(const std::string& token);

 private:
  store::Ledger& ledger_;
};

bool has_scope(const store::ApiKeyRecord& key, const std::string& scope);
// The audit actor of what a key does: "api-key:<id>".
std::string api_actor(const store::ApiKeyRecord& key);
// The key as the officer console's desk sees an officer: its institution,
// no TCKN of its own, and its audit name.
store::Officer api_officer(const store::ApiKeyRecord& key);

}  // namespace tugra::ra
