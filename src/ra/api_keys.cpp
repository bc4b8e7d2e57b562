#include "ra/api_keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "crypto/openssl.hpp"
#include "store/ledger.hpp"

namespace tugra::ra {
namespace {

constexpr std::string_view kPrefix = "tgr_";
constexpr std::size_t kSecretBytes = 32;

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string s = trim(text.substr(start, end - start));
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    start = end + 1;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& api_scopes(const std::string& kind) {
  static const std::vector<std::string> institution = {"staff", "applications", "webhook"};
  static const std::vector<std::string> operator_scopes = {"production", "shipments", "holders"};
  static const std::vector<std::string> none;
  return kind == "institution" ? institution : kind == "operator" ? operator_scopes : none;
}

NewApiKey ApiKeys::add(const std::string& kind, std::int64_t institution_id, const std::string& name,
                       const std::string& scopes, const std::string& actor) {
  const auto& allowed = api_scopes(kind);
  if (allowed.empty()) throw UserError("api_key.bad_kind", {{"kind", kind}});
  std::string label = trim(name);
  int n = utf8_length(label);
  if (n <= 0 || n > 64) throw UserError("api_key.bad_name");
  auto chosen = scopes.empty() ? allowed : split_scopes(scopes);
  for (const auto& s : chosen)
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
      throw UserError("api_key.bad_scope", {{"scope", s}, {"allowed", join(allowed, ", ")}});
  if (chosen.empty()) throw UserError("api_key.bad_scope", {{"scope", scopes}, {"allowed", join(allowed, ", ")}});
  if (kind == "institution" && !store::InstitutionRepository(ledger_.database()).find(institution_id))
    throw UserError("institution.not_found", {{"id", std::to_string(institution_id)}});

  Bytes secret = random_bytes(kSecretBytes);
  NewApiKey out;
  auto& k = out.record;
  k.kind = kind;
  k.institution_id = kind == "institution" ? institution_id : 0;
  k.name = label;
  k.scopes = join(chosen, ",");
  k.secret_hash = ossl::sha256_hex(secret);
  k.created_at = now_seconds();
  ledger_.write([&] {
    store::ApiKeyRepository(ledger_.database()).insert(k);
    ledger_.record("api_key.added", std::to_string(k.id),
                   nlohmann::json{{"kind", kind}, {"institution", k.institution_id}, {"name", k.name},
                                  {"scopes", k.scopes}}.dump(),
                   actor);
  });
  ledger_.checkpoint();
  out.token = std::string(kPrefix) + std::to_string(k.id) + "_" + base64url_encode(secret);
  sodium_memzero(secret.data(), secret.size());
  return out;
}

std::vector<store::ApiKeyRecord> ApiKeys::list(std::int64_t institution_id) {
  return store::ApiKeyRepository(ledger_.database()).list(institution_id);
}

void ApiKeys::revoke(std::int64_t id, const std::string& actor) {
  ledger_.write([&] {
    if (!store::ApiKeyRepository(ledger_.database()).revoke(id, now_seconds()))
      throw UserError("api_key.not_found", {{"id", std::to_string(id)}});
    ledger_.record("api_key.revoked", std::to_string(id), "{}", actor);
  });
  ledger_.checkpoint();
}

std::optional<store::ApiKeyRecord> ApiKeys::authenticate(const std::string& token) {
  // tgr_<decimal id>_<43 characters of base64url>
  if (token.size() > 128 || token.rfind(kPrefix, 0) != 0) return std::nullopt;
  std::size_t sep = token.find('_', kPrefix.size());
  if (sep == std::string::npos || sep == kPrefix.size() || sep - kPrefix.size() > 12) return std::nullopt;
  std::string digits = token.substr(kPrefix.size(), sep - kPrefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  Bytes secret;
  try {
    secret = base64url_decode(token.substr(sep + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (secret.size() != kSecretBytes) return std::nullopt;
  auto key = store::ApiKeyRepository(ledger_.database()).find(std::stoll(digits));
  if (!key || key->revoked_at != 0) return std::nullopt;
  std::string hash = ossl::sha256_hex(secret);
  if (hash.size() != key->secret_hash.size() ||
      sodium_memcmp(hash.data(), key->secret_hash.data(), hash.size()) != 0)
    return std::nullopt;
  return key;
}

bool has_scope(const store::ApiKeyRecord& key, const std::string& scope) {
  auto scopes = split_scopes(key.scopes);
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string api_actor(const store::ApiKeyRecord& key) { return "api-key:" + std::to_string(key.id); }

store::Officer api_officer(const store::ApiKeyRecord& key) {
  store::Officer o;
  o.institution_id = key.institution_id;
  o.username = std::to_string(key.id);
  o.role = "api-key";
  return o;
}

}  // namespace tugra::ra
