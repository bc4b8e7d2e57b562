#include "ra/production.hpp"

#include <cstdio>

#include <chrono>
#include <nlohmann/json.hpp>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "ca/nes_policy.hpp"
#include "store/ledger.hpp"
#include "ca/lint.hpp"
#include "ca/qc_statements.hpp"
#include "ca/revocation.hpp"
#include "card/personalisation.hpp"
#include "common/error.hpp"
#include "common/clock.hpp"
#include "common/fault.hpp"
#include "crypto/openssl.hpp"
#include "ra/contact.hpp"
#include "ra/holder_secrets.hpp"
#include "ra/shipments.hpp"
#include "store/holder_records.hpp"
#include "notify/notifier.hpp"

namespace tugra::ra {
namespace {

constexpr int kReasonSuperseded = 4;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

bool same_key(const store::CertificateRecord& cert, const Bytes& spki) {
  if (!cert.certificate) return false;
  auto x509 = ossl::cert_from_der(base64_decode(*cert.certificate));
  return ossl::public_key_der(X509_get0_pubkey(x509.get())) == spki;
}

std::string label_for(const store::ProductionRequest& r) { return "Tugra NES " + std::to_string(r.id); }

}  // namespace

Production::Production(ca::CertificateAuthority& ca, const card::CardReader& reader, HolderSecrets& secrets,
                       KeyType key_type, notify::Notifications* notifications)
    : ca_(ca), ledger_(ca.ledger()), reader_(reader), secrets_(secrets), key_type_(key_type),
      notifications_(notifications) {}

void Production::tell_holder(const store::ProductionRequest& r) {
  if (!notifications_) return;
  // The holder's own channel once they have an account (an application made one), else both.
  auto holder = store::HolderRepository(ledger_.database()).find(r.tckn);
  std::string body = message("notify.card_produced", {{"name", r.given_name + " " + r.surname},
                                                      {"tracking", r.tracking_number}});
  try {
    notifications_->preferred(holder ? holder->channel : "both", holder ? holder->mobile : r.phone,
                              holder ? holder->email : r.email, message("notify.holder_subject"), body);
  } catch (const UserError& e) {
    // The card is made whatever the message does; the outbox keeps what failed.
    std::fprintf(stderr, "tugra: notice of card %s failed: %s\n", r.card_serial.c_str(), e.what());
  }
}

std::string Production::issue_request_id(const store::ProductionRequest& r) {
  return "production-" + std::to_string(r.id) + "-" + std::to_string(r.attempt);
}

store::ProductionRequest production_request_for(const ProductionOrder& order, const std::string& currency) {
  ca::check_holder({order.tckn, order.given_name, order.surname, std::nullopt});
  if (!ca::nes_policy::allowed_years(order.years)) throw UserError("production.bad_years", {{"years", std::to_string(order.years)}});
  if (order.limit) ca::parse_limit(*order.limit, currency);
  check_email(order.email);
  store::ProductionRequest r;
  r.tckn = order.tckn;
  r.given_name = order.given_name;
  r.surname = order.surname;
  r.phone = normalise_mobile(order.phone);
  r.email = order.email;
  r.years = order.years;
  r.monetary_limit = order.limit.value_or("");
  r.renews = order.renews.value_or("");
  return r;
}

void queue_production_request(store::Ledger& ledger, store::ProductionRequest& r, const std::string& actor) {
  store::ProductionRepository(ledger.database()).insert(r);
  ledger.record("production.queued", r.tckn, nlohmann::json{{"request", r.id}, {"years", r.years}}.dump(), actor);
}

store::ProductionRequest enqueue_production(store::Ledger& ledger, const ProductionOrder& order,
                                            const std::string& currency, bool force, const std::string& actor) {
  auto r = production_request_for(order, currency);
  ledger.write([&] {
    // Checked inside the write transaction: two enqueues at once cannot both pass.
    auto open = store::ProductionRepository(ledger.database()).open_count(r.tckn);
    if (open > 0 && !force) throw UserError("production.already_open", {{"tckn", r.tckn}});
    queue_production_request(ledger, r, actor);
    if (open > 0)
      ledger.record("production.forced", r.tckn, nlohmann::json{{"request", r.id}, {"open", open}}.dump(), actor);
  });
  ledger.checkpoint();
  return r;
}

void Production::save(const store::ProductionRequest& r, store::ProductionState expected) {
  if (!store::ProductionRepository(ledger_.database()).update(r, expected))
    throw UserError("production.state_changed", {{"request", std::to_string(r.id)}});
}

void Production::step(const store::ProductionRequest& r, const char* event, const std::string& details) {
  ledger_.write([&] {
    save(r, store::ProductionState::in_progress);
    ledger_.record(event, r.tckn, details);
  });
}

void Production::claim(store::ProductionRequest& r) {
  auto blank = card::CardWriter(reader_).blank_card();
  if (!blank) throw UserError("production.no_blank_card");
  PinPuk secret = random_pin_puk();
  r.state = store::ProductionState::in_progress;
  r.card_label = label_for(r);
  r.card_serial = blank->serial;  // a hint: some modules give the serial only at initialisation
  ledger_.write([&] {
    secrets_.store(r.id, r.tckn, secret);
    save(r, store::ProductionState::queued);
    ledger_.record("device.claimed", r.tckn,
               nlohmann::json{{"request", r.id}, {"card", r.card_serial}, {"label", r.card_label}}.dump());
  });
  fault_point("production.claimed");
}

void Production::personalise(store::ProductionRequest& r, ProductionTimes& times) {
  auto start = Clock::now();
  if (r.state == store::ProductionState::queued) claim(r);
  auto secret = secrets_.for_request(r.id);
  if (!secret) throw UserError("production.secret_missing", {{"request", std::to_string(r.id)}});
  times.storage += since(start);

  card::CardWriter writer(reader_);
  auto card = reader_.find_by_label(r.card_label);
  std::optional<Bytes> key;
  if (card && !card->dead() && card->pin.set && !card->pin.locked) {
    try {
      key = writer.signing_key(card->slot, secret->pin);
    } catch (const UserError&) {  // a PIN the card does not know: start the card again
    }
  }

  auto cert = ca::Certificates(ledger_).find_by_request_id(issue_request_id(r));
  if (cert && (!key || !same_key(*cert, *key))) {
    // Issued for a key the card no longer holds: never let it be used.
    if (cert->status != store::CertStatus::revoked) ca::Certificates(ledger_).revoke(cert->serial, kReasonSuperseded);
    r.attempt += 1;
    step(r, "device.certificate_abandoned",
         nlohmann::json{{"request", r.id}, {"certificate", cert->serial}}.dump());
    cert.reset();
  }

  if (!key) {
    std::optional<card::CardInfo> target = card;
    if (!target && !r.card_serial.empty())
      for (auto& c : reader_.cards())
        if (c.blank && c.serial == r.card_serial) target = c;
    if (!target) target = writer.blank_card();
    if (!target) throw UserError("production.no_blank_card");

    start = Clock::now();
    card = writer.initialise(target->slot, secret->puk, secret->pin, r.card_label);
    times.card += since(start);
    r.card_serial = card->serial;
    step(r, "device.initialised", nlohmann::json{{"request", r.id}, {"card", r.card_serial}}.dump());
    fault_point("production.initialised");

    start = Clock::now();
    key = writer.generate_signing_key(card->slot, secret->pin, key_type_);
    times.key += since(start);
    step(r, "device.key_generated",
         nlohmann::json{{"request", r.id},
                        {"card", r.card_serial},
                        {"public_key_sha256", ossl::sha256_hex(*key)}}
             .dump());
    fault_point("production.key_generated");
  }

  if (!cert) {
    start = Clock::now();
    ca::IssueRequest request;
    request.holder = {r.tckn, r.given_name, r.surname, std::nullopt};
    request.public_key = to_string(*key);
    request.years = r.years;
    if (!r.monetary_limit.empty()) request.limit = r.monetary_limit;
    if (!r.renews.empty()) request.renews = r.renews;
    request.suspended = true;  // on hold until the holder activates the card
    request.request_id = issue_request_id(r);
    cert = ca_.issue(request).record;
    times.issue += since(start);
    fault_point("production.issued");
  }

  start = Clock::now();
  if (!writer.has_certificate(card->slot)) {
    writer.write_certificate(card->slot, secret->pin, base64_decode(*cert->certificate));
    step(r, "device.certificate_written",
         nlohmann::json{{"request", r.id}, {"card", r.card_serial}, {"certificate", cert->serial}}.dump());
    fault_point("production.certificate_written");
  }

  store::ProductionRequest done = r;
  done.state = store::ProductionState::done;
  done.certificate_serial = cert->serial;
  done.tracking_number = new_tracking_number();
  ledger_.write([&] {
    auto& db = ledger_.database();
    store::CardRepository(db).insert({done.card_serial, done.id, done.tckn, cert->serial, done.card_label, 0});
    store::ShipmentRecord shipment;
    shipment.tracking_number = done.tracking_number;
    shipment.request_id = done.id;
    shipment.card_serial = done.card_serial;
    shipment.state = "preparing";
    shipment.created_at = shipment.updated_at = now_seconds();
    store::ShipmentRepository(db).insert(shipment);
    save(done, store::ProductionState::in_progress);
    ledger_.record("device.personalised", done.tckn,
                   nlohmann::json{{"request", done.id}, {"card", done.card_serial}, {"certificate", cert->serial}}
                       .dump());
    ledger_.record("shipment.created", done.tracking_number,
                   nlohmann::json{{"request", done.id}, {"card", done.card_serial}}.dump());
  });
  r = done;
  times.storage += since(start);
  fault_point("production.completed");
  tell_holder(done);
}

void Production::fail(store::ProductionRequest& r, const std::string& why) {
  if (auto cert = ca::Certificates(ledger_).find_by_request_id(issue_request_id(r)); cert && cert->status != store::CertStatus::revoked)
    ca::Certificates(ledger_).revoke(cert->serial, kReasonSuperseded);
  store::ProductionState was = r.state;
  r.state = store::ProductionState::failed;
  r.error = why;
  ledger_.write([&] {
    secrets_.destroy_request(r.id);
    save(r, was);
    ledger_.record("device.failed", r.tckn, nlohmann::json{{"request", r.id}, {"card", r.card_serial}, {"error", why}}.dump());
  });
  secrets_.purge();
}

ProductionReport Production::run(int batch, const std::function<void(const ProductionProgress&)>& progress) {
  ProductionReport report;
  auto requests = store::ProductionRepository(ledger_.database()).next(batch > 0 ? batch : 1000000000);
  int index = 0;
  for (auto& r : requests) {
    ProductionProgress p;
    p.index = ++index;
    p.total = static_cast<int>(requests.size());
    p.request = &r;
    p.resumed = r.state == store::ProductionState::in_progress;
    report.resumed += p.resumed;
    try {
      personalise(r, report.times);
      ++report.done;
    } catch (const UserError& e) {
      if (e.key() == "production.no_blank_card") {
        ledger_.checkpoint();
        throw;
      }
      fail(r, e.what());
      p.failure = e.what();
      ++report.failed;
    }
    if (progress) progress(p);
  }
  report.remaining = store::ProductionRepository(ledger_.database()).open_count();
  ledger_.checkpoint();
  return report;
}

}  // namespace tugra::ra
