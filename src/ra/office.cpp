#include "ra/office.hpp"

#include "ca/certificates.hpp"
#include "ca/revocation.hpp"
#include "notify/notifier.hpp"
#include "ra/identity_registry.hpp"
#include "ra/ldap_directory.hpp"
#include "ra/lockout.hpp"
#include "store/ledger.hpp"
#include "store/portal_records.hpp"
#include "store/production_records.hpp"
#include "store/records.hpp"

namespace tugra::ra {

DeskSettings desk_settings(const Config& config) {
  DeskSettings desk;
  desk.identity_failures = static_cast<int>(config.integer("portal.identity_failures"));
  desk.lockout_seconds = config.integer("portal.lockout_minutes") * 60;
  desk.currency = config.str("profile.currency");
  return desk;
}

HolderSettings holder_settings(const Config& config) {
  HolderSettings holder;
  holder.word_failures = static_cast<int>(config.integer("portal.holder_word_failures"));
  holder.reset_link_seconds = config.integer("portal.reset_link_minutes") * 60;
  holder.unlock_seconds = config.integer("portal.unlock_minutes") * 60;
  holder.holder_keeps_puk = config.boolean("card.holder_keeps_puk");
  holder.public_base_url = config.str("service.public_base_url");
  holder.call_centre = config.str("portal.call_centre");
  return holder;
}

Office::Office(const Config& config, std::shared_ptr<const MasterKey> master_key, const std::string& actor)
    : ledger_(store::Ledger::open(config, actor)),
      notifications_(std::make_unique<notify::Notifications>(config, ledger_->database())),
      applications_(std::make_unique<ApplicationDesk>(*ledger_, *notifications_, desk_settings(config))),
      holders_(std::make_unique<HolderDesk>(*ledger_, *notifications_, holder_settings(config), master_key)),
      signed_documents_(std::make_unique<SignedDocuments>(*ledger_, *holders_, *applications_)),
      officers_(std::make_unique<OfficerAuth>(*ledger_, master_key)),
      drivers_(std::make_unique<DriverCatalog>(*ledger_, config.home() / "drivers")),
      shipments_(std::make_unique<Shipments>(*ledger_)),
      pages_(std::make_unique<PageCatalog>(*ledger_)),
      directory_(std::make_unique<Directory>(*ledger_)),
      api_keys_(std::make_unique<ApiKeys>(*ledger_)),
      webhooks_(std::make_unique<Webhooks>(*ledger_, master_key)),
      currency_(config.str("profile.currency")),
      sms_failures_(static_cast<int>(config.integer("portal.sms_code_failures"))),
      sms_lock_seconds_(config.integer("portal.lockout_minutes") * 60) {}

ImportReport Office::upsert_staff(std::int64_t institution_id, const std::vector<CsvRow>& rows,
                                  const std::string& actor) {
  return ra::upsert_staff(*ledger_, institution_id, rows, actor);
}

void Office::remove_staff(std::int64_t institution_id, const std::string& tckn, const std::string& actor) {
  ra::remove_staff(*ledger_, institution_id, tckn, actor);
}

std::vector<store::Application> Office::applications_page(std::int64_t institution_id, const std::string& state,
                                                          std::int64_t after_id, int limit) {
  return store::ApplicationRepository(ledger_->database()).page(institution_id, state, after_id, limit);
}

std::vector<store::ProductionRequest> Office::production_page(const std::string& state, std::int64_t after_id,
                                                              int limit) {
  return store::ProductionRepository(ledger_->database()).page(state, after_id, limit);
}

std::optional<store::ProductionRequest> Office::production_request(std::int64_t id) {
  return store::ProductionRepository(ledger_->database()).find(id);
}

store::ProductionRequest Office::enqueue_production(const ProductionOrder& order, const std::string& actor) {
  return ra::enqueue_production(*ledger_, order, currency_, false, actor);
}

std::optional<store::KeptAnswer> Office::claim_idempotency(std::int64_t key_id, const std::string& idempotency_key,
                                                           const std::string& request_hash) {
  std::optional<store::KeptAnswer> kept;
  ledger_->write([&] {
    kept = store::IdempotencyRepository(ledger_->database()).claim(key_id, idempotency_key, request_hash);
  });
  return kept;
}

void Office::keep_answer(std::int64_t key_id, const std::string& idempotency_key, int status,
                         const std::string& body) {
  ledger_->write([&] { store::IdempotencyRepository(ledger_->database()).keep(key_id, idempotency_key, status, body); });
}

void Office::release_idempotency(std::int64_t key_id, const std::string& idempotency_key) {
  ledger_->write([&] { store::IdempotencyRepository(ledger_->database()).release(key_id, idempotency_key); });
}

int Office::forget_answers_before(std::int64_t at) {
  int n = 0;
  ledger_->write([&] { n = store::IdempotencyRepository(ledger_->database()).forget_older_than(at); });
  return n;
}

int Office::publish_to_ldap(LdapPublisher& publisher) { return publisher.publish(*ledger_); }

namespace {
std::string sms_scope(const std::string& who) { return "sms:" + who; }
}  // namespace

bool Office::sms_code_begin(const std::string& who) {
  return Lockout(*ledger_, sms_failures_, sms_lock_seconds_).begin(sms_scope(who));
}

bool Office::sms_code_wrong(const std::string& who) {
  bool locked = Lockout(*ledger_, sms_failures_, sms_lock_seconds_).failed(sms_scope(who), "portal.sms_code_wrong", who, who);
  ledger_->checkpoint();
  return locked;
}

void Office::sms_code_right(const std::string& who) {
  Lockout(*ledger_, sms_failures_, sms_lock_seconds_).clear(sms_scope(who));
}

bool Office::sms_codes_locked(const std::string& who) {
  return Lockout(*ledger_, sms_failures_, sms_lock_seconds_).locked(sms_scope(who));
}

Office::~Office() = default;

std::vector<Bytes> Office::authority_certificates() {
  std::vector<Bytes> out;
  for (const auto& a : store::AuthorityRepository(ledger_->database()).all())
    if (a.certificate) out.push_back(base64_decode(*a.certificate));
  return out;
}

std::vector<store::AuthorityRecord> Office::authorities() {
  return store::AuthorityRepository(ledger_->database()).all();
}

std::string Office::reason_name(int code) { return ca::revocation_reason_name(code); }

std::optional<store::CertificateRecord> Office::certificate(const std::string& serial) {
  return store::CertificateRepository(ledger_->database()).find(serial);
}

std::optional<store::Application> Office::application(std::int64_t id) {
  return store::ApplicationRepository(ledger_->database()).find(id);
}

std::optional<store::Institution> Office::institution(std::int64_t id) {
  return store::InstitutionRepository(ledger_->database()).find(id);
}

std::optional<store::Officer> Office::officer(std::int64_t id) {
  return store::OfficerRepository(ledger_->database()).find(id);
}

std::optional<store::DriverRecord> Office::driver(std::int64_t id) {
  return store::DriverRepository(ledger_->database()).find(id);
}

std::string Office::card_progress(std::int64_t production_request_id) {
  return store::ProductionRepository(ledger_->database()).progress(production_request_id);
}

void Office::send_sms(const std::string& mobile, const std::string& body) { notifications_->sms(mobile, body); }

void Office::send_email(const std::string& to, const std::string& subject, const std::string& body) {
  notifications_->email(to, subject, body);
}

std::vector<store::OutboxMessage> Office::outbox(const std::string& recipient, int limit) {
  return store::OutboxRepository(ledger_->database()).list(recipient, limit);
}

void Office::lift_suspension(const std::string& serial, const std::string& actor) {
  ca::StatusOptions options;
  options.actor = actor;
  ca::Certificates(*ledger_).unsuspend(serial, options);
  ledger_->checkpoint();
}

bool Office::database_ok() { return ledger_->database().recover(); }

Office::Gauges Office::gauges() {
  auto waiting = store::count_waiting(ledger_->database());
  Gauges g;
  g.applications_to_decide = waiting.applications_to_decide;
  g.production_queued = waiting.production_queued;
  g.signing_requests = waiting.signing_requests;
  g.webhooks_waiting = waiting.webhooks_waiting;
  g.webhooks_failed = waiting.webhooks_failed;
  g.sms_failures = notify::failures(notify::Channel::sms);
  g.email_failures = notify::failures(notify::Channel::email);
  return g;
}

void Office::record_holder_login(const std::string& tckn) {
  ledger_->write([&] { ledger_->record("holder.login", tckn, "{}", "holder:" + tckn); });
  ledger_->checkpoint();
}

}  // namespace tugra::ra
