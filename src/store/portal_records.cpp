#include "store/portal_records.hpp"

#include <soci/soci.h>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/prepared.hpp"

namespace tugra::store {

// --- registry -------------------------------------------------------------

void RegistryRepository::upsert(const Person& p) {
  db_.sql() << "INSERT INTO registry_people (tckn, given_name, surname, birth_place, birth_date) "
               "VALUES (:t, :g, :s, :p, :d) ON CONFLICT (tckn) DO UPDATE SET given_name = excluded.given_name, "
               "surname = excluded.surname, birth_place = excluded.birth_place, birth_date = excluded.birth_date",
      soci::use(p.tckn), soci::use(p.given_name), soci::use(p.surname), soci::use(p.birth_place),
      soci::use(p.birth_date);
}

std::optional<Person> RegistryRepository::find(const std::string& tckn) {
  Person p;
  db_.sql() << "SELECT tckn, given_name, surname, birth_place, birth_date FROM registry_people WHERE tckn = :t",
      soci::use(tckn), soci::into(p.tckn), soci::into(p.given_name), soci::into(p.surname),
      soci::into(p.birth_place), soci::into(p.birth_date);
  if (!db_.sql().got_data()) return std::nullopt;
  return p;
}

// --- institutions and officers -------------------------------------------

void InstitutionRepository::insert(Institution& i) {
  i.id = next_id(db_, "institutions");
  i.created_at = now_seconds();
  long long id = i.id, created = i.created_at;
  db_.sql() << "INSERT INTO institutions (id, name, address, created_at) VALUES (:id, :n, :a, :c)", soci::use(id),
      soci::use(i.name), soci::use(i.address), soci::use(created);
}

namespace {
template <typename Param>
std::vector<Institution> select_institutions(Database& db, const std::string& where, Param param) {
  std::vector<Institution> out;
  Institution i;
  long long id = 0, created = 0;
  soci::statement st = (db.sql().prepare << "SELECT id, name, address, created_at FROM institutions " + where,
                        soci::use(param), soci::into(id), soci::into(i.name), soci::into(i.address),
                        soci::into(created));
  st.execute();
  while (st.fetch()) {
    i.id = id;
    i.created_at = created;
    out.push_back(i);
  }
  return out;
}
}  // namespace

std::optional<Institution> InstitutionRepository::find(std::int64_t id) {
  auto rows = select_institutions(db_, "WHERE id = :p", static_cast<long long>(id));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<Institution> InstitutionRepository::find_by_name(const std::string& name) {
  auto rows = select_institutions(db_, "WHERE name = :p", std::string(name));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<Institution> InstitutionRepository::list() {
  return select_institutions(db_, "WHERE name <> :p ORDER BY id", std::string());
}

void OfficerRepository::insert(Officer& o) {
  o.id = next_id(db_, "officers");
  o.created_at = now_seconds();
  long long id = o.id, inst = o.institution_id, created = o.created_at;
  db_.sql() << "INSERT INTO officers (id, institution_id, username, tckn, full_name, password_hash, totp_secret, "
               "created_at, role) VALUES (:id, :i, :u, :t, :n, :p, :s, :c, :r)",
      soci::use(id), soci::use(inst), soci::use(o.username), soci::use(o.tckn), soci::use(o.full_name),
      soci::use(o.password_hash), soci::use(o.totp_secret), soci::use(created), soci::use(o.role);
}

namespace {
template <typename Param>
std::vector<Officer> select_officers(Database& db, const std::string& where, Param param) {
  std::vector<Officer> out;
  Officer o;
  long long id = 0, inst = 0, created = 0, disabled = 0;
  soci::statement st =
      (db.sql().prepare << "SELECT id, institution_id, username, tckn, full_name, password_hash, totp_secret, "
                           "created_at, role, disabled_at FROM officers " + where,
       soci::use(param), soci::into(id), soci::into(inst), soci::into(o.username), soci::into(o.tckn),
       soci::into(o.full_name), soci::into(o.password_hash), soci::into(o.totp_secret), soci::into(created),
       soci::into(o.role), soci::into(disabled));
  st.execute();
  while (st.fetch()) {
    o.id = id;
    o.institution_id = inst;
    o.created_at = created;
    o.disabled_at = disabled;
    out.push_back(o);
  }
  return out;
}
}  // namespace

std::optional<Officer> OfficerRepository::find(std::int64_t id) {
  auto rows = select_officers(db_, "WHERE id = :p", static_cast<long long>(id));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<Officer> OfficerRepository::find_by_username(const std::string& username) {
  auto rows = select_officers(db_, "WHERE username = :p", username);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

void OfficerRepository::set_disabled(std::int64_t officer_id, std::int64_t disabled_at) {
  long long id = officer_id, at = disabled_at;
  change_prepared(db_, "UPDATE officers SET disabled_at = :at WHERE id = :id", soci::use(at), soci::use(id));
}

void OfficerRepository::set_password(std::int64_t officer_id, const std::string& password_hash) {
  long long id = officer_id;
  change_prepared(db_, "UPDATE officers SET password_hash = :h WHERE id = :id", soci::use(password_hash),
                  soci::use(id));
}

void OfficerRepository::set_totp_secret(std::int64_t officer_id, const std::string& sealed_secret) {
  long long id = officer_id;
  change_prepared(db_, "UPDATE officers SET totp_secret = :s, totp_last_step = 0 WHERE id = :id",
                  soci::use(sealed_secret), soci::use(id));
}

bool OfficerRepository::accept_totp_step(std::int64_t officer_id, std::int64_t step) {
  long long id = officer_id, s = step;
  soci::statement st = (db_.sql().prepare << "UPDATE officers SET totp_last_step = :s "
                                             "WHERE id = :id AND totp_last_step < :s2",
                        soci::use(s), soci::use(id), soci::use(s));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::vector<Officer> OfficerRepository::for_institution(std::int64_t institution_id) {
  return select_officers(db_, "WHERE institution_id = :p ORDER BY id", static_cast<long long>(institution_id));
}

// --- staff ------------------------------------------------------------------

void StaffRepository::upsert(const StaffMember& s) {
  long long inst = s.institution_id;
  // Prepared once per connection: an HR system sends tens of thousands at a time.
  change_prepared(db_,
                  "INSERT INTO staff (institution_id, tckn, sicil_no, unit, title, address, il, ilce, postal_code) "
                  "VALUES (:i, :t, :s, :u, :ti, :a, :il, :ilce, :pc) ON CONFLICT (institution_id, tckn) DO UPDATE SET "
                  "sicil_no = excluded.sicil_no, unit = excluded.unit, title = excluded.title, "
                  "address = excluded.address, il = excluded.il, ilce = excluded.ilce, postal_code = excluded.postal_code",
                  soci::use(inst), soci::use(s.tckn), soci::use(s.sicil_no), soci::use(s.unit), soci::use(s.title),
                  soci::use(s.address), soci::use(s.il), soci::use(s.ilce), soci::use(s.postal_code));
}

bool StaffRepository::remove(std::int64_t institution_id, const std::string& tckn) {
  long long inst = institution_id;
  return change_prepared(db_, "DELETE FROM staff WHERE institution_id = :i AND tckn = :t", soci::use(inst),
                         soci::use(tckn)) == 1;
}

std::optional<StaffMember> StaffRepository::find(const std::string& tckn, const std::string& sicil_no) {
  StaffMember s;
  long long inst = 0;
  db_.sql() << "SELECT institution_id, tckn, sicil_no, unit, title, address, il, ilce, postal_code FROM staff "
               "WHERE tckn = :t AND sicil_no = :s ORDER BY institution_id LIMIT 1",
      soci::use(tckn), soci::use(sicil_no), soci::into(inst), soci::into(s.tckn), soci::into(s.sicil_no),
      soci::into(s.unit), soci::into(s.title), soci::into(s.address), soci::into(s.il), soci::into(s.ilce),
      soci::into(s.postal_code);
  if (!db_.sql().got_data()) return std::nullopt;
  s.institution_id = inst;
  return s;
}

// --- applications -------------------------------------------------------

void ApplicationRepository::insert(Application& a) {
  a.id = next_id(db_, "applications");
  a.created_at = a.updated_at = now_seconds();
  long long id = a.id, inst = a.institution_id, created = a.created_at;
  std::string state = to_string(a.state);
  db_.sql() << "INSERT INTO applications (id, tckn, institution_id, state, form, created_at, updated_at) "
               "VALUES (:id, :t, :i, :s, :f, :c, :u)",
      soci::use(id), soci::use(a.tckn), soci::use(inst), soci::use(state), soci::use(a.form), soci::use(created),
      soci::use(created);
  update(a, a.state);
}

bool ApplicationRepository::update(const Application& a, ApplicationState expected) {
  if (a.id == 0 || (expected != a.state && !allowed(expected, a.state))) return false;
  long long id = a.id, received = a.form_received_at, by = a.decided_by, at = a.decided_at,
            request = a.production_request_id, now = now_seconds();
  std::string state = to_string(a.state), was = to_string(expected);
  soci::statement st =
      (db_.sql().prepare << "UPDATE applications SET state = :s, form = :f, security_word_hash = :h, "
                            "security_word_hint = :hint, receipt_no = :r, form_received_at = :fr, decided_by = :by, "
                            "decided_at = :at, reject_reason = :why, production_request_id = :pr, updated_at = :now "
                            "WHERE id = :id AND state = :expected",
       soci::use(state), soci::use(a.form), soci::use(a.security_word_hash), soci::use(a.security_word_hint),
       soci::use(a.receipt_no), soci::use(received), soci::use(by), soci::use(at), soci::use(a.reject_reason),
       soci::use(request), soci::use(now), soci::use(id), soci::use(was));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

namespace {
template <typename... Params>
std::vector<Application> select_applications(Database& db, const std::string& where, const Params&... params) {
  std::vector<Application> out;
  Application a;
  std::string state;
  long long id = 0, inst = 0, received = 0, by = 0, at = 0, request = 0, created = 0, updated = 0;
  soci::statement st(db.sql());
  (st.exchange(soci::use(params)), ...);
  st.exchange(soci::into(id));
  st.exchange(soci::into(a.tckn));
  st.exchange(soci::into(inst));
  st.exchange(soci::into(state));
  st.exchange(soci::into(a.form));
  st.exchange(soci::into(a.security_word_hash));
  st.exchange(soci::into(a.security_word_hint));
  st.exchange(soci::into(a.receipt_no));
  st.exchange(soci::into(received));
  st.exchange(soci::into(by));
  st.exchange(soci::into(at));
  st.exchange(soci::into(a.reject_reason));
  st.exchange(soci::into(request));
  st.exchange(soci::into(created));
  st.exchange(soci::into(updated));
  st.alloc();
  st.prepare("SELECT id, tckn, institution_id, state, form, security_word_hash, security_word_hint, "
             "receipt_no, form_received_at, decided_by, decided_at, reject_reason, "
             "production_request_id, created_at, updated_at FROM applications " + where);
  st.define_and_bind();
  st.execute();
  while (st.fetch()) {
    a.id = id;
    a.state = parse_application_state(state);
    a.institution_id = inst;
    a.form_received_at = received;
    a.decided_by = by;
    a.decided_at = at;
    a.production_request_id = request;
    a.created_at = created;
    a.updated_at = updated;
    out.push_back(a);
  }
  return out;
}
}  // namespace

std::optional<Application> ApplicationRepository::find(std::int64_t id) {
  auto rows = select_applications(db_, "WHERE id = :p", static_cast<long long>(id));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<Application> ApplicationRepository::latest(const std::string& tckn) {
  auto rows = select_applications(db_, "WHERE tckn = :p ORDER BY id DESC LIMIT 1", tckn);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<Application> ApplicationRepository::page(std::int64_t institution_id, const std::string& state,
                                                     std::int64_t after_id, int limit) {
  long long inst = institution_id, after = after_id;
  return select_applications(db_,
                             "WHERE institution_id = :i AND state <> 'draft' AND (CAST(:s1 AS TEXT) = '' OR "
                             "state = :s2) AND id > :a ORDER BY id LIMIT :l",
                             inst, state, state, after, limit);
}

std::vector<Application> ApplicationRepository::for_institution(std::int64_t institution_id) {
  return select_applications(db_, "WHERE institution_id = :p AND state <> 'draft' ORDER BY id DESC",
                             static_cast<long long>(institution_id));
}

// --- outbox -------------------------------------------------------------------

void OutboxRepository::insert(OutboxMessage& m) {
  m.id = next_id(db_, "outbox");
  m.created_at = now_seconds();
  long long id = m.id, created = m.created_at;
  db_.sql() << "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) "
               "VALUES (:id, :c, :r, :s, :b, :t)",
      soci::use(id), soci::use(m.channel), soci::use(m.recipient), soci::use(m.subject), soci::use(m.body),
      soci::use(created);
}

std::vector<OutboxMessage> OutboxRepository::list(const std::string& recipient, int limit) {
  std::vector<OutboxMessage> out;
  OutboxMessage m;
  long long id = 0, created = 0;
  std::string pattern = recipient.empty() ? "%" : recipient;
  soci::statement st =
      (db_.sql().prepare << "SELECT id, channel, recipient, subject, body, created_at FROM outbox "
                            "WHERE recipient LIKE :r ORDER BY id DESC LIMIT :n",
       soci::use(pattern), soci::use(limit), soci::into(id), soci::into(m.channel), soci::into(m.recipient),
       soci::into(m.subject), soci::into(m.body), soci::into(created));
  st.execute();
  while (st.fetch()) {
    m.id = id;
    m.created_at = created;
    out.push_back(m);
  }
  return out;
}

// --- drivers --------------------------------------------------------------------

void DriverRepository::insert(DriverRecord& d) {
  d.id = next_id(db_, "drivers");
  d.created_at = now_seconds();
  long long id = d.id, size = d.size, created = d.created_at;
  db_.sql() << "INSERT INTO drivers (id, os, os_version, bits, reader, card, name, file_name, sha256, size, "
               "created_at) VALUES (:id, :os, :v, :b, :r, :c, :n, :f, :h, :s, :t)",
      soci::use(id), soci::use(d.os), soci::use(d.os_version), soci::use(d.bits), soci::use(d.reader),
      soci::use(d.card), soci::use(d.name), soci::use(d.file_name), soci::use(d.sha256), soci::use(size),
      soci::use(created);
}

bool DriverRepository::remove(std::int64_t id) {
  long long key = id;
  soci::statement st = (db_.sql().prepare << "DELETE FROM drivers WHERE id = :id", soci::use(key));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

namespace {
std::vector<DriverRecord> select_drivers(Database& db, long long id) {
  std::vector<DriverRecord> out;
  DriverRecord d;
  long long rid = 0, size = 0, created = 0;
  soci::statement st =
      (db.sql().prepare << "SELECT id, os, os_version, bits, reader, card, name, file_name, sha256, size, "
                           "created_at FROM drivers WHERE (:a = 0 OR id = :b) ORDER BY os, os_version, bits, id",
       soci::use(id), soci::use(id), soci::into(rid), soci::into(d.os), soci::into(d.os_version),
       soci::into(d.bits), soci::into(d.reader), soci::into(d.card), soci::into(d.name), soci::into(d.file_name),
       soci::into(d.sha256), soci::into(size), soci::into(created));
  st.execute();
  while (st.fetch()) {
    d.id = rid;
    d.size = size;
    d.created_at = created;
    out.push_back(d);
  }
  return out;
}
}  // namespace

std::optional<DriverRecord> DriverRepository::find(std::int64_t id) {
  if (id <= 0) return std::nullopt;
  auto rows = select_drivers(db_, id);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<DriverRecord> DriverRepository::list() { return select_drivers(db_, 0); }

// --- failure counters -----------------------------------------------------------

FailureCount FailureRepository::get(const std::string& scope) {
  FailureCount c;
  long long until = 0;
  db_.sql() << "SELECT failures, locked_until FROM login_failures WHERE scope = :s", soci::use(scope),
      soci::into(c.failures), soci::into(until);
  if (!db_.sql().got_data()) return {};
  c.locked_until = until;
  return c;
}

void FailureRepository::put(const std::string& scope, const FailureCount& count) {
  long long until = count.locked_until, now = now_seconds();
  db_.sql() << "INSERT INTO login_failures (scope, failures, locked_until, updated_at) VALUES (:s, :f, :l, :u) "
               "ON CONFLICT (scope) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, "
               "updated_at = excluded.updated_at",
      soci::use(scope), soci::use(count.failures), soci::use(until), soci::use(now);
}

void FailureRepository::clear(const std::string& scope) {
  db_.sql() << "DELETE FROM login_failures WHERE scope = :s", soci::use(scope);
}

WaitingWork count_waiting(Database& db) {
  WaitingWork w;
  long long n = 0;
  db.sql() << "SELECT COUNT(*) FROM applications WHERE state IN ('submitted', 'received')", soci::into(n);
  w.applications_to_decide = n;
  db.sql() << "SELECT COUNT(*) FROM production_requests WHERE state IN ('queued', 'in_progress')", soci::into(n);
  w.production_queued = n;
  db.sql() << "SELECT COUNT(*) FROM signing_requests WHERE state = 'pending'", soci::into(n);
  w.signing_requests = n;
  db.sql() << "SELECT COUNT(*) FROM webhook_events WHERE delivered_at = 0 AND failed_at = 0", soci::into(n);
  w.webhooks_waiting = n;
  db.sql() << "SELECT COUNT(*) FROM webhook_events WHERE failed_at <> 0", soci::into(n);
  w.webhooks_failed = n;
  return w;
}

}  // namespace tugra::store
