// Webhooks: an institution's HTTPS address told of its applications'
// state changes and its staff's certificates' status changes. Events are
// written to an outbox in the same transaction as the change they tell of
// (certificate changes are picked up from the certificates' change
// sequence, so the CA's issuance path carries no extra work), then sent
// with an HMAC-SHA256 signature over "<timestamp>.<body>", retried with
// doubling delays, and every attempt is logged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/api_records.hpp"
#include "store/portal_records.hpp"

namespace tugra::store {
class Database;
class Ledger;
}

namespace tugra::ra {

class MasterKey;

struct WebhookSettings {
  int max_attempts = 12;            // then the event is marked failed
  std::int64_t retry_seconds = 30;  // the first retry's delay, doubled each time, at most an hour
  std::int64_t lease_seconds = 120; // how long one sender holds an event it is sending
  std::string ca_file;              // trusted besides the system's CAs (a private CA's receivers)
};

// One event ready to send: the body and headers as they go out.
struct OutgoingWebhook {
  std::int64_t event_id = 0, institution_id = 0;
  int attempts = 0;  // before this one
  std::string url, body;
  std::vector<std::string> headers;
};

struct WebhookResult {
  int status = 0;     // the receiver's HTTP status, 0 when none came
  std::string error;  // why it failed
  bool delivered() const { return status >= 200 && status < 300; }
};

class Webhooks {
 public:
  Webhooks(store::Ledger& ledger, std::shared_ptr<const MasterKey> master_key)
      : ledger_(ledger), master_key_(std::move(master_key)) {}

  // Adds or replaces the institution's webhook; returns the new signing
  // secret (shown once). UserError("webhook.bad_url") unless https://.
  std::string subscribe(std::int64_t institution_id, const std::string& url, const std::string& actor);
  // UserError("webhook.none") when there is none.
  void unsubscribe(std::int64_t institution_id, const std::string& actor);
  std::optional<store::WebhookRecord> subscription(std::int64_t institution_id);
  std::vector<store::WebhookDelivery> deliveries(std::int64_t institution_id, std::int64_t after_id, int limit);

  // Certificates whose status changed since the last call become events of
  // their holder's institution; returns how many were written.
  int collect_certificate_events(int limit = 1000);
  // Events due now, leased to this sender and signed.
  std::vector<OutgoingWebhook> lease(const WebhookSettings& settings, int limit);
  // The attempt's outcome: delivered, another try later, or given up.
  void record(const OutgoingWebhook& webhook, const WebhookResult& result, const WebhookSettings& settings);

 private:
  store::Ledger& ledger_;
  std::shared_ptr<const MasterKey> master_key_;
};

// Sends one webhook (no database work): a POST with a 10 s budget.
WebhookResult send_webhook(const OutgoingWebhook& webhook, const WebhookSettings& settings);

// Inside the caller's write: an application's new state, for its
// institution's webhook if it has one.
void queue_application_event(store::Database& db, const store::Application& application);

// "t=<unix time>,v1=<hex HMAC-SHA256 over '<t>.<body>' keyed by the secret as shown>"
std::string webhook_signature(const std::string& secret, std::int64_t at, const std::string& body);

}  // namespace tugra::ra
