// The registration authority as one front office: a database connection
// (through the ledger) with every desk that works on it. The portal keeps a
// pool of these and reaches the core through nothing else; an office holds
// no CA key, only the ledger's audit key and the master key that seals
// holder secrets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/config.hpp"
#include "ra/api_keys.hpp"
#include "ra/applications.hpp"
#include "ra/directory.hpp"
#include "ra/drivers.hpp"
#include "ra/holder_desk.hpp"
#include "ra/institutions.hpp"
#include "ra/pages.hpp"
#include "ra/production.hpp"
#include "ra/shipments.hpp"
#include "ra/signed_documents.hpp"
#include "ra/webhooks.hpp"
#include "store/records.hpp"

namespace tugra::notify {
class Notifications;
}
namespace tugra::store {
class Ledger;
struct OutboxMessage;
}

namespace tugra::ra {

class MasterKey;
class LdapPublisher;

class Office {
 public:
  // `actor` is the audit records' default actor ("portal").
  Office(const Config& config, std::shared_ptr<const MasterKey> master_key, const std::string& actor);
  ~Office();

  ApplicationDesk& applications() { return *applications_; }
  HolderDesk& holders() { return *holders_; }
  OfficerAuth& officers() { return *officers_; }
  DriverCatalog& drivers() { return *drivers_; }
  Shipments& shipments() { return *shipments_; }
  SignedDocuments& signed_documents() { return *signed_documents_; }
  PageCatalog& pages() { return *pages_; }
  Directory& directory() { return *directory_; }
  ApiKeys& api_keys() { return *api_keys_; }
  Webhooks& webhooks() { return *webhooks_; }

  // The API's work, each audited as `actor` (an API key).
  ImportReport upsert_staff(std::int64_t institution_id, const std::vector<CsvRow>& rows, const std::string& actor);
  void remove_staff(std::int64_t institution_id, const std::string& tckn, const std::string& actor);
  std::vector<store::Application> applications_page(std::int64_t institution_id, const std::string& state,
                                                    std::int64_t after_id, int limit);
  std::vector<store::ProductionRequest> production_page(const std::string& state, std::int64_t after_id, int limit);
  std::optional<store::ProductionRequest> production_request(std::int64_t id);
  store::ProductionRequest enqueue_production(const ProductionOrder& order, const std::string& actor);
  // Idempotency keys: the kept answer of a key already used (status 0:
  // still being answered), or none (the key is now this request's).
  std::optional<store::KeptAnswer> claim_idempotency(std::int64_t key_id, const std::string& idempotency_key,
                                                     const std::string& request_hash);
  void keep_answer(std::int64_t key_id, const std::string& idempotency_key, int status, const std::string& body);
  void release_idempotency(std::int64_t key_id, const std::string& idempotency_key);
  int forget_answers_before(std::int64_t at);
  // Writes what changed to the LDAP directory (LdapPublisher::publish).
  int publish_to_ldap(LdapPublisher& publisher);

  // The portal's own reads, each by id.
  std::optional<store::Application> application(std::int64_t id);
  std::optional<store::Institution> institution(std::int64_t id);
  std::optional<store::Officer> officer(std::int64_t id);
  std::optional<store::DriverRecord> driver(std::int64_t id);
  // Where the card of an approved application is (ProductionRepository::progress).
  std::string card_progress(std::int64_t production_request_id);
  // The DER certificates of this installation's CAs, responders and TSA
  // (what "İmza Doğrula" trusts and builds chains with).
  std::vector<Bytes> authority_certificates();
  // Every authority with its certificate (the API's CA list).
  std::vector<store::AuthorityRecord> authorities();
  // RFC 5280's name of a CRLReason code ("keyCompromise").
  static std::string reason_name(int code);
  // A certificate's row by serial (upper-case hex), pending ones included.
  std::optional<store::CertificateRecord> certificate(const std::string& serial);

  // The SMS confirmation code of both journeys (seed 000 3/6, seed 001).
  void send_sms(const std::string& mobile, const std::string& body);
  // A confirmation code to a new e-mail address (Bilgi Güncelle).
  void send_email(const std::string& to, const std::string& subject, const std::string& body);
  // Demo mode's /dev/outbox page: the newest messages, to `recipient` or to anyone.
  std::vector<store::OutboxMessage> outbox(const std::string& recipient, int limit);
  // SMS confirmation codes, counted per person across sessions and portal
  // processes (`who`: "holder:TCKN", "apply:ID"; portal.sms_code_failures
  // wrong codes lock for portal.lockout_minutes). sms_code_begin() counts an
  // attempt before the typed code is compared (false: locked, compare
  // nothing); then sms_code_wrong() (audited; true when this one locked it)
  // or sms_code_right().
  bool sms_code_begin(const std::string& who);
  bool sms_code_wrong(const std::string& who);
  void sms_code_right(const std::string& who);
  bool sms_codes_locked(const std::string& who);
  std::int64_t sms_lock_minutes() const { return sms_lock_seconds_ / 60; }
  // The database answers (after reconnecting if it had gone away).
  bool database_ok();
  // For /metrics: work waiting, and notifications that failed in this process.
  struct Gauges {
    std::int64_t applications_to_decide = 0, production_queued = 0, signing_requests = 0;
    std::int64_t webhooks_waiting = 0, webhooks_failed = 0;
    std::uint64_t sms_failures = 0, email_failures = 0;
  };
  Gauges gauges();
  // Audits a holder's completed log-in (password and SMS).
  void record_holder_login(const std::string& tckn);
  // The call centre lifts a suspension whoever placed it (audited as `actor`).
  void lift_suspension(const std::string& serial, const std::string& actor);

 private:
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<notify::Notifications> notifications_;
  std::unique_ptr<ApplicationDesk> applications_;
  std::unique_ptr<HolderDesk> holders_;
  std::unique_ptr<SignedDocuments> signed_documents_;
  std::unique_ptr<OfficerAuth> officers_;
  std::unique_ptr<DriverCatalog> drivers_;
  std::unique_ptr<Shipments> shipments_;
  std::unique_ptr<PageCatalog> pages_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<ApiKeys> api_keys_;
  std::unique_ptr<Webhooks> webhooks_;
  std::string currency_;
  int sms_failures_;
  std::int64_t sms_lock_seconds_;
};

// The desks' settings as the configuration gives them.
DeskSettings desk_settings(const Config& config);
HolderSettings holder_settings(const Config& config);

}  // namespace tugra::ra
