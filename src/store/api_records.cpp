#include "store/api_records.hpp"

#include <soci/soci.h>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/prepared.hpp"

namespace tugra::store {

// --- keys ---------------------------------------------------------------------

void ApiKeyRepository::insert(ApiKeyRecord& k) {
  k.id = next_id(db_, "api_keys");
  long long id = k.id, inst = k.institution_id, at = k.created_at;
  db_.sql() << "INSERT INTO api_keys (id, kind, institution_id, name, scopes, secret_hash, created_at) "
               "VALUES (:id, :k, :i, :n, :s, :h, :a)",
      soci::use(id), soci::use(k.kind), soci::use(inst), soci::use(k.name), soci::use(k.scopes),
      soci::use(k.secret_hash), soci::use(at);
}

namespace {

std::vector<ApiKeyRecord> select_keys(Database& db, const std::string& where, long long param) {
  std::vector<ApiKeyRecord> out;
  ApiKeyRecord k;
  long long id = 0, inst = 0, created = 0, revoked = 0;
  soci::statement st = (db.sql().prepare << "SELECT id, kind, institution_id, name, scopes, secret_hash, created_at, "
                                            "revoked_at FROM api_keys " + where,
                        soci::use(param), soci::into(id), soci::into(k.kind), soci::into(inst), soci::into(k.name),
                        soci::into(k.scopes), soci::into(k.secret_hash), soci::into(created), soci::into(revoked));
  st.execute();
  while (st.fetch()) {
    k.id = id;
    k.institution_id = inst;
    k.created_at = created;
    k.revoked_at = revoked;
    out.push_back(k);
  }
  return out;
}

}  // namespace

std::optional<ApiKeyRecord> ApiKeyRepository::find(std::int64_t id) {
  auto keys = select_keys(db_, "WHERE id = :p", id);
  if (keys.empty()) return std::nullopt;
  return keys.front();
}

std::vector<ApiKeyRecord> ApiKeyRepository::list(std::int64_t institution_id) {
  if (institution_id == 0) return select_keys(db_, "WHERE id > :p ORDER BY id", 0);
  return select_keys(db_, "WHERE institution_id = :p ORDER BY id", institution_id);
}

bool ApiKeyRepository::revoke(std::int64_t id, std::int64_t at) {
  long long i = id, when = at;
  return change_prepared(db_, "UPDATE api_keys SET revoked_at = :a WHERE id = :i AND revoked_at = 0", soci::use(when),
                         soci::use(i)) == 1;
}

// --- idempotency keys -------------------------------------------------------------

std::optional<KeptAnswer> IdempotencyRepository::claim(std::int64_t key_id, const std::string& idempotency_key,
                                                       const std::string& request_hash) {
  long long k = key_id, now = now_seconds();
  if (change_prepared(db_,
                      "INSERT INTO api_idempotency (key_id, idempotency_key, request_hash, status, body, created_at) "
                      "VALUES (:k, :i, :h, 0, '', :t) ON CONFLICT (key_id, idempotency_key) DO NOTHING",
                      soci::use(k), soci::use(idempotency_key), soci::use(request_hash), soci::use(now)) == 1)
    return std::nullopt;
  KeptAnswer kept;
  run_prepared(db_, "SELECT request_hash, status, body FROM api_idempotency WHERE key_id = :k AND idempotency_key = :i",
               soci::use(k), soci::use(idempotency_key), soci::into(kept.request_hash), soci::into(kept.status),
               soci::into(kept.body));
  return kept;
}

void IdempotencyRepository::keep(std::int64_t key_id, const std::string& idempotency_key, int status,
                                 const std::string& body) {
  long long k = key_id;
  change_prepared(db_, "UPDATE api_idempotency SET status = :s, body = :b WHERE key_id = :k AND idempotency_key = :i",
                  soci::use(status), soci::use(body), soci::use(k), soci::use(idempotency_key));
}

void IdempotencyRepository::release(std::int64_t key_id, const std::string& idempotency_key) {
  long long k = key_id;
  change_prepared(db_, "DELETE FROM api_idempotency WHERE key_id = :k AND idempotency_key = :i", soci::use(k),
                  soci::use(idempotency_key));
}

int IdempotencyRepository::forget_older_than(std::int64_t at) {
  long long t = at;
  return static_cast<int>(change_prepared(db_, "DELETE FROM api_idempotency WHERE created_at < :t", soci::use(t)));
}

// --- webhooks ---------------------------------------------------------------------

void WebhookRepository::put(const WebhookRecord& h) {
  long long inst = h.institution_id, at = h.created_at;
  db_.sql() << "INSERT INTO webhooks (institution_id, url, secret, created_at) VALUES (:i, :u, :s, :a) "
               "ON CONFLICT (institution_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, "
               "created_at = excluded.created_at",
      soci::use(inst), soci::use(h.url), soci::use(h.secret), soci::use(at);
}

std::optional<WebhookRecord> WebhookRepository::find(std::int64_t institution_id) {
  WebhookRecord h;
  long long inst = institution_id, at = 0;
  if (!run_prepared(db_, "SELECT url, secret, created_at FROM webhooks WHERE institution_id = :i", soci::use(inst),
                    soci::into(h.url), soci::into(h.secret), soci::into(at)))
    return std::nullopt;
  h.institution_id = institution_id;
  h.created_at = at;
  return h;
}

bool WebhookRepository::remove(std::int64_t institution_id) {
  long long inst = institution_id;
  return change_prepared(db_, "DELETE FROM webhooks WHERE institution_id = :i", soci::use(inst)) == 1;
}

void WebhookRepository::add(WebhookEvent& e) {
  e.id = next_id(db_, "webhook_events");
  long long id = e.id, inst = e.institution_id, at = e.created_at, next = e.next_attempt_at;
  change_prepared(db_,
                  "INSERT INTO webhook_events (id, institution_id, type, body, created_at, next_attempt_at) "
                  "VALUES (:id, :i, :t, :b, :a, :n)",
                  soci::use(id), soci::use(inst), soci::use(e.type), soci::use(e.body), soci::use(at),
                  soci::use(next));
}

namespace {

constexpr const char* kEventColumns =
    "SELECT id, institution_id, type, body, created_at, attempts, next_attempt_at, delivered_at, failed_at "
    "FROM webhook_events ";

std::vector<WebhookEvent> select_events(Database& db, const std::string& where, long long p1, long long p2,
                                        int limit) {
  std::vector<WebhookEvent> out;
  WebhookEvent e;
  long long id = 0, inst = 0, created = 0, next = 0, delivered = 0, failed = 0;
  soci::statement st = (db.sql().prepare << kEventColumns + where, soci::use(p1), soci::use(p2), soci::use(limit),
                        soci::into(id), soci::into(inst), soci::into(e.type), soci::into(e.body), soci::into(created),
                        soci::into(e.attempts), soci::into(next), soci::into(delivered), soci::into(failed));
  st.execute();
  while (st.fetch()) {
    e.id = id;
    e.institution_id = inst;
    e.created_at = created;
    e.next_attempt_at = next;
    e.delivered_at = delivered;
    e.failed_at = failed;
    out.push_back(e);
  }
  return out;
}

}  // namespace

bool WebhookRepository::has_due(std::int64_t now) {
  long long n = now, id = 0;
  return run_prepared(db_,
                      "SELECT id FROM webhook_events WHERE delivered_at = 0 AND failed_at = 0 AND "
                      "next_attempt_at <= :n AND lease_until <= :l ORDER BY id LIMIT 1",
                      soci::use(n), soci::use(n), soci::into(id));
}

std::vector<WebhookEvent> WebhookRepository::lease_due(std::int64_t now, std::int64_t lease_until, int limit) {
  auto due = select_events(db_,
                           "WHERE delivered_at = 0 AND failed_at = 0 AND next_attempt_at <= :n AND lease_until <= :l "
                           "ORDER BY id LIMIT :lim",
                           now, now, limit);
  std::vector<WebhookEvent> leased;
  long long until = lease_until, n = now;
  for (auto& e : due) {
    long long id = e.id;
    // Taken only if nobody took it since the read.
    if (change_prepared(db_, "UPDATE webhook_events SET lease_until = :u WHERE id = :id AND lease_until <= :n",
                        soci::use(until), soci::use(id), soci::use(n)) == 1)
      leased.push_back(e);
  }
  return leased;
}

void WebhookRepository::delivered(std::int64_t event_id, std::int64_t at) {
  long long id = event_id, t = at;
  change_prepared(db_, "UPDATE webhook_events SET delivered_at = :t, attempts = attempts + 1, lease_until = 0 "
                       "WHERE id = :id",
                  soci::use(t), soci::use(id));
}

void WebhookRepository::retry(std::int64_t event_id, int attempts, std::int64_t next_at, std::int64_t at) {
  long long id = event_id, next = next_at, failed = next_at == 0 ? at : 0;
  change_prepared(db_,
                  "UPDATE webhook_events SET attempts = :a, next_attempt_at = :n, failed_at = :f, lease_until = 0 "
                  "WHERE id = :id",
                  soci::use(attempts), soci::use(next), soci::use(failed), soci::use(id));
}


void WebhookRepository::log(WebhookDelivery& d) {
  d.id = next_id(db_, "webhook_deliveries");
  long long id = d.id, ev = d.event_id, inst = d.institution_id, at = d.attempted_at;
  change_prepared(db_,
                  "INSERT INTO webhook_deliveries (id, event_id, institution_id, attempted_at, status, error) "
                  "VALUES (:id, :e, :i, :a, :s, :r)",
                  soci::use(id), soci::use(ev), soci::use(inst), soci::use(at), soci::use(d.status),
                  soci::use(d.error));
}

std::vector<WebhookDelivery> WebhookRepository::deliveries(std::int64_t institution_id, std::int64_t after_id,
                                                           int limit) {
  std::vector<WebhookDelivery> out;
  WebhookDelivery d;
  long long inst = institution_id, after = after_id, id = 0, ev = 0, at = 0;
  soci::statement st =
      (db_.sql().prepare << "SELECT d.id, d.event_id, d.attempted_at, d.status, d.error, e.type "
                            "FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id "
                            "WHERE d.institution_id = :i AND d.id > :a ORDER BY d.id LIMIT :l",
       soci::use(inst), soci::use(after), soci::use(limit), soci::into(id), soci::into(ev), soci::into(at),
       soci::into(d.status), soci::into(d.error), soci::into(d.type));
  st.execute();
  while (st.fetch()) {
    d.id = id;
    d.event_id = ev;
    d.institution_id = institution_id;
    d.attempted_at = at;
    out.push_back(d);
  }
  return out;
}

bool WebhookRepository::any() {
  long long n = 0;
  run_prepared(db_, "SELECT COUNT(*) FROM webhooks", soci::into(n));
  return n > 0;
}

std::int64_t CursorRepository::get(const std::string& name) {
  long long position = 0;
  if (!run_prepared(db_, "SELECT position FROM cursors WHERE name = :n", soci::use(name), soci::into(position)))
    return -1;
  return position;
}

std::int64_t WebhookRepository::newest_certificate_change() {
  long long seq = 0;
  soci::indicator ind = soci::i_null;
  run_prepared(db_, "SELECT MAX(change_seq) FROM certificates", soci::into(seq, ind));
  return ind == soci::i_ok ? seq : 0;
}

void CursorRepository::set(const std::string& name, std::int64_t position) {
  long long p = position;
  change_prepared(db_,
                  "INSERT INTO cursors (name, position) VALUES (:n, :p) "
                  "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                  soci::use(name), soci::use(p));
}

bool CursorRepository::advance(const std::string& name, std::int64_t from, std::int64_t to) {
  long long f = from, t = to;
  return change_prepared(db_, "UPDATE cursors SET position = :t WHERE name = :n AND position = :f", soci::use(t),
                         soci::use(name), soci::use(f)) == 1;
}

}  // namespace tugra::store
