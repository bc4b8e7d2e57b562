#include "ra/webhooks.hpp"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/http_client.hpp"
#include "ra/master_key.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"
#include "store/records.hpp"

namespace tugra::ra {
namespace {

constexpr const char* kCertificateCursor = "webhooks";
constexpr std::int64_t kLongestDelay = 3600;

struct Raced {};  // another process moved the cursor first

std::string secret_associated_data(std::int64_t institution_id) {
  return "tugra-webhook-secret:" + std::to_string(institution_id);
}

void add_event(store::Database& db, std::int64_t institution_id, const std::string& type, const nlohmann::json& data) {
  store::WebhookEvent e;
  e.institution_id = institution_id;
  e.type = type;
  e.body = data.dump();
  e.created_at = now_seconds();
  e.next_attempt_at = e.created_at;
  store::WebhookRepository(db).add(e);
}

}  // namespace

std::string webhook_signature(const std::string& secret, std::int64_t at, const std::string& body) {
  std::string signed_text = std::to_string(at) + "." + body;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_text.data()),
                                signed_text.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return "t=" + std::to_string(at) + ",v1=" + hex_encode(ByteView(mac, sizeof mac));
}

std::string Webhooks::subscribe(std::int64_t institution_id, const std::string& url, const std::string& actor) {
  bool printable = std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (url.rfind("https://", 0) != 0 || url.size() <= 8 || url.size() > 2048 || !printable)
    throw UserError("webhook.bad_url");
  Bytes raw = random_bytes(32);
  std::string secret = "whsec_" + base64url_encode(raw);
  sodium_memzero(raw.data(), raw.size());
  store::WebhookRecord hook{institution_id, url,
                            master_key_->seal(as_bytes(secret), secret_associated_data(institution_id)),
                            now_seconds()};
  ledger_.write([&] {
    store::WebhookRepository(ledger_.database()).put(hook);
    ledger_.record("webhook.subscribed", std::to_string(institution_id), nlohmann::json{{"url", url}}.dump(), actor);
  });
  ledger_.checkpoint();
  return secret;
}

void Webhooks::unsubscribe(std::int64_t institution_id, const std::string& actor) {
  ledger_.write([&] {
    if (!store::WebhookRepository(ledger_.database()).remove(institution_id)) throw UserError("webhook.none");
    ledger_.record("webhook.removed", std::to_string(institution_id), "{}", actor);
  });
  ledger_.checkpoint();
}

std::optional<store::WebhookRecord> Webhooks::subscription(std::int64_t institution_id) {
  return store::WebhookRepository(ledger_.database()).find(institution_id);
}

std::vector<store::WebhookDelivery> Webhooks::deliveries(std::int64_t institution_id, std::int64_t after_id,
                                                         int limit) {
  return store::WebhookRepository(ledger_.database()).deliveries(institution_id, after_id, limit);
}


void queue_application_event(store::Database& db, const store::Application& a) {
  if (a.state == store::ApplicationState::draft) return;  // not the institution's yet
  if (!store::WebhookRepository(db).find(a.institution_id)) return;
  add_event(db, a.institution_id, "application.state_changed",
            {{"application", a.id}, {"tckn", a.tckn}, {"state", store::to_string(a.state)},
             {"changed_at", format_iso(a.updated_at ? a.updated_at : now_seconds())}});
}

int Webhooks::collect_certificate_events(int limit) {
  // Read first: most polls find nothing and need no write transaction.
  {
    store::Database& db = ledger_.database();
    std::int64_t from = store::CursorRepository(db).get(kCertificateCursor);
    if (from >= 0 && store::CertificateRepository(db).changed_since(from, 1).empty()) return 0;
  }
  int written = 0;
  try {
    ledger_.write([&] {
      store::Database& db = ledger_.database();
      store::WebhookRepository hooks(db);
      store::CertificateRepository certs(db);
      store::ApplicationRepository applications(db);
      store::CursorRepository cursors(db);
      std::int64_t from = cursors.get(kCertificateCursor);
      if (from < 0) {
        // The first run starts at the present: what changed before there
        // was a webhook to tell is not news.
        cursors.set(kCertificateCursor, hooks.newest_certificate_change());
        return;
      }
      auto rows = certs.changed_since(from, limit);
      if (rows.empty()) return;
      if (!hooks.any()) {
        if (!cursors.advance(kCertificateCursor, from, rows.back().change_seq)) throw Raced();
        return;
      }
      for (const auto& row : rows) {
        auto cert = certs.find(row.serial);
        auto application = cert ? applications.latest(cert->tckn) : std::nullopt;
        if (application && hooks.find(application->institution_id)) {
          nlohmann::json data{{"serial", row.serial}, {"tckn", cert->tckn}, {"status", store::to_string(row.status)}};
          if (row.revoked_at) data["revoked_at"] = format_iso(row.revoked_at);
          add_event(db, application->institution_id, "certificate.status_changed", data);
          ++written;
        }
      }
      // Two portal processes may read the same cursor (PostgreSQL's read
      // committed): the second one's events are rolled back with its move.
      if (!cursors.advance(kCertificateCursor, from, rows.back().change_seq)) throw Raced();
    });
  } catch (const Raced&) {
    return 0;
  }
  return written;
}

std::vector<OutgoingWebhook> Webhooks::lease(const WebhookSettings& settings, int limit) {
  std::vector<OutgoingWebhook> out;
  std::int64_t now = now_seconds();
  if (!store::WebhookRepository(ledger_.database()).has_due(now)) return out;
  ledger_.write([&] {
    store::WebhookRepository hooks(ledger_.database());
    for (const auto& e : hooks.lease_due(now, now + settings.lease_seconds, limit)) {
      OutgoingWebhook w;
      w.event_id = e.id;
      w.institution_id = e.institution_id;
      w.attempts = e.attempts;
      w.body = nlohmann::json{{"id", std::to_string(e.id)},
                              {"type", e.type},
                              {"created_at", format_iso(e.created_at)},
                              {"data", nlohmann::json::parse(e.body)}}
                   .dump();
      if (auto hook = hooks.find(e.institution_id)) {
        Bytes secret = master_key_->unseal(hook->secret, secret_associated_data(e.institution_id));
        std::string key(secret.begin(), secret.end());
        w.url = hook->url;
        w.headers = {"Content-Type: application/json", "User-Agent: Tugra-Webhook/1",
                     "Tugra-Webhook-Id: " + std::to_string(e.id),
                     "Tugra-Signature: " + webhook_signature(key, now, w.body)};
        sodium_memzero(key.data(), key.size());
        sodium_memzero(secret.data(), secret.size());
      }
      out.push_back(std::move(w));
    }
  });
  return out;
}

WebhookResult send_webhook(const OutgoingWebhook& w, const WebhookSettings& settings) {
  WebhookResult r;
  if (w.url.empty()) {
    r.error = "no webhook";
    return r;
  }
  try {
    HttpOptions options;
    options.connect_seconds = 5;
    options.total_seconds = 10;
    options.ca_file = settings.ca_file;
    options.https_only = true;
    auto reply = http_request("POST", w.url, w.body, w.headers, options);
    r.status = static_cast<int>(reply.status);
    if (!r.delivered()) r.error = "HTTP " + std::to_string(r.status);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

void Webhooks::record(const OutgoingWebhook& w, const WebhookResult& result, const WebhookSettings& settings) {
  std::int64_t now = now_seconds();
  ledger_.write([&] {
    store::WebhookRepository hooks(ledger_.database());
    store::WebhookDelivery d;
    d.event_id = w.event_id;
    d.institution_id = w.institution_id;
    d.attempted_at = now;
    d.status = result.status;
    d.error = result.error.substr(0, 500);
    hooks.log(d);
    if (result.delivered()) {
      hooks.delivered(w.event_id, now);
      return;
    }
    int attempts = w.attempts + 1;
    bool give_up = attempts >= settings.max_attempts || w.url.empty();
    std::int64_t delay = std::min(kLongestDelay, settings.retry_seconds << std::min(attempts - 1, 20));
    hooks.retry(w.event_id, attempts, give_up ? 0 : now + delay, now);
  });
}

}  // namespace tugra::ra
