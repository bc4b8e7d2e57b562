// The REST API's tables (migration 014): keys, the answers kept under
// idempotency keys, and the webhooks' subscriptions, outbox and delivery log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tugra::store {

class Database;

struct ApiKeyRecord {
  std::int64_t id = 0;
  std::string kind;                 // "institution" | "operator"
  std::int64_t institution_id = 0;  // 0 for an operator key
  std::string name;
  std::string scopes;               // comma-separated
  std::string secret_hash;          // SHA-256 of the secret, hex
  std::int64_t created_at = 0, revoked_at = 0;
};

class ApiKeyRepository {
 public:
  explicit ApiKeyRepository(Database& db) : db_(db) {}
  void insert(ApiKeyRecord& key);  // assigns id and created_at
  std::optional<ApiKeyRecord> find(std::int64_t id);
  std::vector<ApiKeyRecord> list(std::int64_t institution_id);  // every key when 0
  bool revoke(std::int64_t id, std::int64_t at);                // false when unknown or already revoked

 private:
  Database& db_;
};

struct KeptAnswer {
  std::string request_hash;
  int status = 0;  // 0 while the first request is still being answered
  std::string body;
};

class IdempotencyRepository {
 public:
  explicit IdempotencyRepository(Database& db) : db_(db) {}
  // Claims the key for a request (status 0); the stored answer instead when
  // the key was used before.
  std::optional<KeptAnswer> claim(std::int64_t key_id, const std::string& idempotency_key,
                                  const std::string& request_hash);
  void keep(std::int64_t key_id, const std::string& idempotency_key, int status, const std::string& body);
  void release(std::int64_t key_id, const std::string& idempotency_key);  // a refused request keeps nothing
  int forget_older_than(std::int64_t at);

 private:
  Database& db_;
};

struct WebhookRecord {
  std::int64_t institution_id = 0;
  std::string url, secret;  // secret: sealed by the master key
  std::int64_t created_at = 0;
};

struct WebhookEvent {
  std::int64_t id = 0, institution_id = 0;
  std::string type, body;
  std::int64_t created_at = 0;
  int attempts = 0;
  std::int64_t next_attempt_at = 0, delivered_at = 0, failed_at = 0;
};

struct WebhookDelivery {
  std::int64_t id = 0, event_id = 0, institution_id = 0, attempted_at = 0;
  int status = 0;
  std::string error;
  std::string type;  // the event's, read with it
};

class WebhookRepository {
 public:
  explicit WebhookRepository(Database& db) : db_(db) {}
  void put(const WebhookRecord& hook);  // adds, or replaces the institution's
  std::optional<WebhookRecord> find(std::int64_t institution_id);
  bool remove(std::int64_t institution_id);

  // The outbox. add() assigns the id; `body` is the JSON sent.
  void add(WebhookEvent& event);
  // Up to `limit` events due at `now`, leased until `lease_until` (another
  // process skips them meanwhile).
  bool has_due(std::int64_t now);
  std::vector<WebhookEvent> lease_due(std::int64_t now, std::int64_t lease_until, int limit);
  void delivered(std::int64_t event_id, std::int64_t at);
  // Another attempt at `next_at`, or none (failed_at = at) when `next_at` is 0.
  void retry(std::int64_t event_id, int attempts, std::int64_t next_at, std::int64_t at);
  void log(WebhookDelivery& delivery);
  // The institution's attempts after `after_id`, oldest first, with their events' types.
  std::vector<WebhookDelivery> deliveries(std::int64_t institution_id, std::int64_t after_id, int limit);

  bool any();  // some institution has a webhook
  std::int64_t newest_certificate_change();

 private:
  Database& db_;
};

// How far a follower of a sequence (the certificates' changes, CRL numbers) has come.
class CursorRepository {
 public:
  explicit CursorRepository(Database& db) : db_(db) {}
  std::int64_t get(const std::string& name);  // -1 before the first set()
  void set(const std::string& name, std::int64_t position);
  // Moves the cursor from `from` to `to`; false when another process moved it first.
  bool advance(const std::string& name, std::int64_t from, std::int64_t to);

 private:
  Database& db_;
};

}  // namespace tugra::store
