#include "ra/institutions.hpp"

#include <sodium.h>

#include <cstdio>
#include <optional>
#include <utility>
#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "store/ledger.hpp"
#include "common/clock.hpp"
#include "common/csv.hpp"
#include "common/error.hpp"
#include "common/tckn.hpp"
#include "common/text.hpp"
#include "ra/lockout.hpp"
#include "ra/master_key.hpp"
#include "ra/password_hash.hpp"
#include "ra/totp.hpp"

namespace tugra::ra {
namespace {

constexpr int kOfficerFailures = 5;
constexpr std::int64_t kOfficerLockSeconds = 15 * 60;

std::string totp_associated_data(const std::string& username) { return "tugra-officer-totp:" + username; }

// A name-like field: 1..max characters of UTF-8 text.
bool text_ok(const std::string& s, int max) {
  int n = utf8_length(s);
  return n > 0 && n <= max;
}

// Rows without the header (a first row whose first field is not a number).
std::vector<CsvRow> data_rows(const std::string& csv_text) {
  auto rows = parse_csv(csv_text);
  if (!rows.empty() && !rows.front().fields.empty()) {
    const auto& first = rows.front().fields.front();
    if (first.empty() || first.find_first_not_of("0123456789 ") != std::string::npos) rows.erase(rows.begin());
  }
  return rows;
}


}  // namespace

std::string parse_birth_date(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 &&
      std::sscanf(text.c_str(), "%2d.%2d.%4d%c", &d, &m, &y, &tail) != 3)
    return "";
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] || (m == 2 && d == 29 && !leap))
    return "";
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
  return out;
}

namespace {

// What is wrong with a row: the catalog key and the value it names.
using Problem = std::optional<std::pair<const char*, std::string>>;

// The all-or-nothing import both lists share: every row of `columns` fields
// is read by `parse` (which fills `problem` for a bad row); when no row is
// bad, `save` writes them all in one transaction.
template <typename Record, typename Parse, typename Save>
ImportReport import_rows(store::Ledger& ledger, const std::vector<CsvRow>& rows, std::size_t columns, Parse parse,
                         Save save) {
  ImportReport report;
  std::vector<Record> records;
  for (const auto& row : rows) {
    ++report.rows;
    Problem problem;
    if (row.fields.size() != columns) {
      problem.emplace("import.field_count", std::to_string(row.fields.size()) + "/" + std::to_string(columns));
    } else {
      Record r = parse(row.fields, problem);
      if (!problem) records.push_back(std::move(r));
    }
    if (problem) report.errors.emplace_back(row.line, message(problem->first, {{"value", problem->second}}));
  }
  if (!report.errors.empty()) return report;
  ledger.write([&] { save(records); });
  ledger.checkpoint();
  report.imported = static_cast<int>(records.size());
  return report;
}

}  // namespace

ImportReport import_registry(store::Ledger& ledger, const std::string& csv_text) {
  auto parse = [](const std::vector<std::string>& f, Problem& problem) {
    store::Person p{trim(f[0]), normalise_name(f[1]), normalise_name(f[2]), normalise_name(f[3]),
                    parse_birth_date(trim(f[4]))};
    if (!is_valid_tckn(p.tckn)) problem.emplace("import.bad_tckn", p.tckn);
    else if (!text_ok(p.given_name, 64) || !text_ok(p.surname, 64) || !text_ok(p.birth_place, 64))
      problem.emplace("import.bad_name", f[1] + " " + f[2]);
    else if (p.birth_date.empty()) problem.emplace("import.bad_date", f[4]);
    return p;
  };
  return import_rows<store::Person>(ledger, data_rows(csv_text), 5, parse, [&](const std::vector<store::Person>& people) {
    store::RegistryRepository repo(ledger.database());
    for (const auto& p : people) repo.upsert(p);
    ledger.record("registry.imported", "registry", nlohmann::json{{"people", people.size()}}.dump());
  });
}

ImportReport import_staff(store::Ledger& ledger, std::int64_t institution_id, const std::string& csv_text) {
  return upsert_staff(ledger, institution_id, data_rows(csv_text));
}

ImportReport upsert_staff(store::Ledger& ledger, std::int64_t institution_id, const std::vector<CsvRow>& rows,
                          const std::string& actor) {
  if (!store::InstitutionRepository(ledger.database()).find(institution_id))
    throw UserError("institution.not_found", {{"id", std::to_string(institution_id)}});
  auto parse = [institution_id](const std::vector<std::string>& f, Problem& problem) {
    store::StaffMember s{institution_id, trim(f[0]),          trim(f[1]),          trim(f[2]), trim(f[3]),
                         trim(f[4]),     normalise_name(f[5]), normalise_name(f[6]), trim(f[7])};
    bool postal_ok = s.postal_code.size() == 5 && s.postal_code.find_first_not_of("0123456789") == std::string::npos;
    if (!is_valid_tckn(s.tckn)) problem.emplace("import.bad_tckn", s.tckn);
    else if (!text_ok(s.sicil_no, 32)) problem.emplace("import.bad_sicil", s.sicil_no);
    else if (!text_ok(s.unit, 128) || !text_ok(s.title, 128) || !text_ok(s.address, 256) || !text_ok(s.il, 64) ||
             !text_ok(s.ilce, 64))
      problem.emplace("import.missing_field", f[2]);
    else if (!postal_ok) problem.emplace("import.bad_postal_code", s.postal_code);
    return s;
  };
  return import_rows<store::StaffMember>(ledger, rows, 8, parse, [&](const std::vector<store::StaffMember>& staff) {
    store::StaffRepository repo(ledger.database());
    for (const auto& s : staff) repo.upsert(s);
    ledger.record("staff.imported", std::to_string(institution_id), nlohmann::json{{"staff", staff.size()}}.dump(),
                  actor);
  });
}

void remove_staff(store::Ledger& ledger, std::int64_t institution_id, const std::string& tckn,
                  const std::string& actor) {
  ledger.write([&] {
    if (!store::StaffRepository(ledger.database()).remove(institution_id, tckn))
      throw UserError("institution.no_staff", {{"tckn", tckn}});
    ledger.record("staff.removed", std::to_string(institution_id), nlohmann::json{{"tckn", tckn}}.dump(), actor);
  });
  ledger.checkpoint();
}

store::Institution add_institution(store::Ledger& ledger, const std::string& name, const std::string& address) {
  store::Institution i{0, trim(name), trim(address), 0};
  if (!text_ok(i.name, 128)) throw UserError("institution.bad_name");
  if (store::InstitutionRepository(ledger.database()).find_by_name(i.name))
    throw UserError("institution.exists", {{"name", i.name}});
  ledger.write([&] {
    store::InstitutionRepository(ledger.database()).insert(i);
    ledger.record("institution.added", std::to_string(i.id), nlohmann::json{{"name", i.name}}.dump());
  });
  ledger.checkpoint();
  return i;
}

NewOfficer add_officer(store::Ledger& ledger, std::int64_t institution_id, const std::string& username,
                       const std::string& tckn, const std::string& full_name, const std::string& password,
                       const MasterKey& master, const std::string& totp_secret, const std::string& role) {
  if (role != "officer" && role != "operator") throw UserError("institution.bad_role", {{"role", role}});
  if (!store::InstitutionRepository(ledger.database()).find(institution_id))
    throw UserError("institution.not_found", {{"id", std::to_string(institution_id)}});
  if (!is_valid_tckn(tckn)) throw UserError("ca.invalid_tckn", {{"tckn", tckn}});
  if (username.empty() || username.size() > 64 || username.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
    throw UserError("institution.bad_username", {{"username", username}});
  if (!text_ok(full_name, 128)) throw UserError("institution.bad_name");
  if (utf8_length(password) < 10) throw UserError("institution.weak_password");
  if (store::OfficerRepository(ledger.database()).find_by_username(username))
    throw UserError("institution.officer_exists", {{"username", username}});

  NewOfficer out;
  Bytes secret = totp_secret.empty() ? random_bytes(20) : base32_decode(totp_secret);
  out.totp_secret = base32_encode(secret);
  store::Officer& o = out.officer;
  o.institution_id = institution_id;
  o.username = username;
  o.tckn = tckn;
  o.full_name = trim(full_name);
  o.role = role;
  o.password_hash = hash_secret(password);
  o.totp_secret = master.seal(secret, totp_associated_data(username));
  sodium_memzero(secret.data(), secret.size());
  ledger.write([&] {
    store::OfficerRepository(ledger.database()).insert(o);
    ledger.record("officer.added", username,
              nlohmann::json{{"institution", institution_id}, {"tckn", tckn}, {"role", role}}.dump());
  });
  ledger.checkpoint();
  return out;
}

namespace {

store::Officer existing_officer(store::Ledger& ledger, const std::string& username) {
  auto o = store::OfficerRepository(ledger.database()).find_by_username(username);
  if (!o) throw UserError("institution.no_officer", {{"username", username}});
  return *o;
}

}  // namespace

void set_officer_enabled(store::Ledger& ledger, const std::string& username, bool enabled, const std::string& actor) {
  auto o = existing_officer(ledger, username);
  ledger.write([&] {
    store::OfficerRepository(ledger.database()).set_disabled(o.id, enabled ? 0 : now_seconds());
    ledger.record(enabled ? "officer.enabled" : "officer.disabled", username, "{}", actor);
  });
  ledger.checkpoint();
}

void reset_officer_password(store::Ledger& ledger, const std::string& username, const std::string& password,
                            const std::string& actor) {
  auto o = existing_officer(ledger, username);
  if (utf8_length(password) < 10) throw UserError("institution.weak_password");
  std::string hash = hash_secret(password);
  ledger.write([&] {
    store::OfficerRepository(ledger.database()).set_password(o.id, hash);
    store::FailureRepository(ledger.database()).clear("officer:" + username);
    ledger.record("officer.password_reset", username, "{}", actor);
  });
  ledger.checkpoint();
}

std::string reset_officer_totp(store::Ledger& ledger, const std::string& username, const MasterKey& master,
                               const std::string& actor) {
  auto o = existing_officer(ledger, username);
  Bytes secret = random_bytes(20);
  std::string text = base32_encode(secret);
  std::string sealed = master.seal(secret, totp_associated_data(username));
  sodium_memzero(secret.data(), secret.size());
  ledger.write([&] {
    store::OfficerRepository(ledger.database()).set_totp_secret(o.id, sealed);
    ledger.record("officer.totp_reset", username, "{}", actor);
  });
  ledger.checkpoint();
  return text;
}

OfficerAuth::OfficerAuth(store::Ledger& ledger, std::shared_ptr<const MasterKey> master_key)
    : ledger_(ledger), master_key_(std::move(master_key)) {}

bool OfficerAuth::had_failures(const std::string& username) {
  return Lockout(ledger_, kOfficerFailures, kOfficerLockSeconds).failures("officer:" + username.substr(0, 64)) > 0;
}

store::Officer OfficerAuth::password(const std::string& username, const std::string& password) {
  Lockout lockout(ledger_, kOfficerFailures, kOfficerLockSeconds);
  std::string scope = "officer:" + username.substr(0, 64);
  if (lockout.locked(scope)) throw UserError("kurum.locked");
  auto officer = store::OfficerRepository(ledger_.database()).find_by_username(username);
  if (!verify_log_in(officer ? &officer->password_hash : nullptr, password)) {
    lockout.fail(scope, "officer.login_failed", username.substr(0, 64), "portal");
    throw UserError("kurum.bad_login");
  }
  if (officer->disabled_at) {
    ledger_.write([&] { ledger_.record("officer.login_disabled", username, "{}", "portal"); });
    ledger_.checkpoint();
    throw UserError("kurum.disabled");
  }
  return *officer;
}

void OfficerAuth::second_factor(const store::Officer& officer, const std::string& code) {
  Lockout lockout(ledger_, kOfficerFailures, kOfficerLockSeconds);
  std::string scope = "officer:" + officer.username;
  if (lockout.locked(scope)) throw UserError("kurum.locked");
  if (officer.disabled_at) throw UserError("kurum.disabled");
  Bytes secret = master_key_->unseal(officer.totp_secret, totp_associated_data(officer.username));
  std::int64_t step = totp_verify(secret, code, now_seconds());
  sodium_memzero(secret.data(), secret.size());
  // A code is accepted once: its step must be newer than the last accepted
  // one (checked and recorded in one conditional update, so two log-ins
  // racing with one code cannot both pass).
  bool fresh = false;
  if (step >= 0)
    ledger_.write([&] {
      fresh = store::OfficerRepository(ledger_.database()).accept_totp_step(officer.id, step);
      if (fresh) ledger_.record("officer.login", officer.username, "{}", "officer:" + officer.username);
    });
  if (!fresh) {
    lockout.fail(scope, step >= 0 ? "officer.code_replayed" : "officer.login_failed", officer.username, "portal");
    throw UserError(step >= 0 ? "kurum.code_used" : "kurum.bad_code");
  }
  lockout.clear(scope);
  ledger_.checkpoint();
}

}  // namespace tugra::ra
