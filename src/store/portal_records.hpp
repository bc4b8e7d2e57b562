// Rows of the portal tables (migration 004) and their repositories: the
// identity registry, institutions, officers, staff lists, applications, the
// notification outbox, the driver catalog and failure counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/states.hpp"

namespace tugra::store {

class Database;

struct Person {
  std::string tckn, given_name, surname, birth_place, birth_date;  // birth_date YYYY-MM-DD
};

class RegistryRepository {
 public:
  explicit RegistryRepository(Database& db) : db_(db) {}
  void upsert(const Person& p);
  std::optional<Person> find(const std::string& tckn);

 private:
  Database& db_;
};

struct Institution {
  std::int64_t id = 0;
  std::string name, address;
  std::int64_t created_at = 0;
};

class InstitutionRepository {
 public:
  explicit InstitutionRepository(Database& db) : db_(db) {}
  void insert(Institution& i);  // assigns the id
  std::optional<Institution> find(std::int64_t id);
  std::optional<Institution> find_by_name(const std::string& name);
  std::vector<Institution> list();

 private:
  Database& db_;
};

struct Officer {
  std::int64_t id = 0, institution_id = 0;
  std::string username, tckn, full_name, password_hash, totp_secret;
  std::int64_t created_at = 0;
  std::string role = "officer";  // officer (an institution's) | operator (the call centre)
  std::int64_t disabled_at = 0;   // 0: the account may log in
};

class OfficerRepository {
 public:
  explicit OfficerRepository(Database& db) : db_(db) {}
  void insert(Officer& o);  // assigns the id
  std::optional<Officer> find(std::int64_t id);
  std::optional<Officer> find_by_username(const std::string& username);
  std::vector<Officer> for_institution(std::int64_t institution_id);
  // Records `step` as the officer's last accepted TOTP step if it is newer
  // than the one recorded; false for a step already used (a replay).
  bool accept_totp_step(std::int64_t officer_id, std::int64_t step);
  // Account management (tugra institution officer-disable|officer-enable|password-reset|totp-reset).
  void set_disabled(std::int64_t officer_id, std::int64_t disabled_at);
  void set_password(std::int64_t officer_id, const std::string& password_hash);
  void set_totp_secret(std::int64_t officer_id, const std::string& sealed_secret);  // and forgets the last step

 private:
  Database& db_;
};

struct StaffMember {
  std::int64_t institution_id = 0;
  std::string tckn, sicil_no, unit, title, address, il, ilce, postal_code;
};

class StaffRepository {
 public:
  explicit StaffRepository(Database& db) : db_(db) {}
  void upsert(const StaffMember& s);
  // Takes the person off the institution's list; false when not on it.
  bool remove(std::int64_t institution_id, const std::string& tckn);
  // The staff entry with this TCKN and sicil no, in any institution.
  std::optional<StaffMember> find(const std::string& tckn, const std::string& sicil_no);

 private:
  Database& db_;
};

struct Application {
  std::int64_t id = 0;
  std::string tckn;
  std::int64_t institution_id = 0;
  ApplicationState state = ApplicationState::draft;
  std::string form = "{}";      // JSON of step 2/6
  std::string security_word_hash, security_word_hint, receipt_no;
  std::int64_t form_received_at = 0, decided_by = 0, decided_at = 0;
  std::string reject_reason;
  std::int64_t production_request_id = 0, created_at = 0, updated_at = 0;
};

class ApplicationRepository {
 public:
  explicit ApplicationRepository(Database& db) : db_(db) {}
  void insert(Application& a);  // assigns the id
  // Writes `a` if the stored row is still in `expected` and may move to
  // a.state (staying in a state is allowed); false, nothing written, otherwise.
  bool update(const Application& a, ApplicationState expected);
  std::optional<Application> find(std::int64_t id);
  std::optional<Application> latest(const std::string& tckn);
  std::vector<Application> for_institution(std::int64_t institution_id);
  // The API's pages: after `after_id`, oldest first; every state but draft when `state` is empty.
  std::vector<Application> page(std::int64_t institution_id, const std::string& state, std::int64_t after_id,
                                int limit);

 private:
  Database& db_;
};

// Work waiting on people or on the ca role (/metrics of the portal role).
struct WaitingWork {
  std::int64_t applications_to_decide = 0;  // submitted or received, not yet approved or rejected
  std::int64_t production_queued = 0;       // approved, no card made yet
  std::int64_t signing_requests = 0;        // responder keys waiting for the ca role
  std::int64_t webhooks_waiting = 0;        // webhook events not yet delivered (retries included)
  std::int64_t webhooks_failed = 0;         // webhook events given up after their last attempt
};
WaitingWork count_waiting(Database& db);

struct OutboxMessage {
  std::int64_t id = 0;
  std::string channel, recipient, subject, body;
  std::int64_t created_at = 0;
};

class OutboxRepository {
 public:
  explicit OutboxRepository(Database& db) : db_(db) {}
  void insert(OutboxMessage& m);
  // Newest first; every recipient when `recipient` is empty.
  std::vector<OutboxMessage> list(const std::string& recipient, int limit);

 private:
  Database& db_;
};

struct DriverRecord {
  std::int64_t id = 0;
  std::string os, os_version;
  int bits = 64;
  std::string reader, card, name, file_name, sha256;
  std::int64_t size = 0, created_at = 0;
};

class DriverRepository {
 public:
  explicit DriverRepository(Database& db) : db_(db) {}
  void insert(DriverRecord& d);
  bool remove(std::int64_t id);
  std::optional<DriverRecord> find(std::int64_t id);
  std::vector<DriverRecord> list();

 private:
  Database& db_;
};

struct FailureCount {
  int failures = 0;
  std::int64_t locked_until = 0;
};

class FailureRepository {
 public:
  explicit FailureRepository(Database& db) : db_(db) {}
  FailureCount get(const std::string& scope);
  void put(const std::string& scope, const FailureCount& count);
  void clear(const std::string& scope);

 private:
  Database& db_;
};

}  // namespace tugra::store
