// Institutions, their officers and staff lists, and the identity registry's
// local copy: what step 1/6 checks an applicant against and who may approve.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/csv.hpp"
#include "store/portal_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

class MasterKey;

// A CSV import is all or nothing: every bad row is reported by line and
// nothing is written unless all rows are good.
struct ImportReport {
  int rows = 0;
  int imported = 0;
  std::vector<std::pair<int, std::string>> errors;  // line, message
};

// Columns: TCKN, ad, soyad, doğum yeri, doğum tarihi (YYYY-MM-DD or DD.MM.YYYY).
ImportReport import_registry(store::Ledger& ledger, const std::string& csv_text);
// Columns: TCKN, sicil no, birim, unvan, adres, il, ilçe, posta kodu.
ImportReport import_staff(store::Ledger& ledger, std::int64_t institution_id, const std::string& csv_text);
// The same rules for rows that came another way (the API: a row's "line" is
// its place in the request, from 1), audited as `actor`.
ImportReport upsert_staff(store::Ledger& ledger, std::int64_t institution_id, const std::vector<CsvRow>& rows,
                          const std::string& actor = "");
// Takes a person off the institution's staff list (new applications are
// refused; what was approved stays). UserError("institution.no_staff").
void remove_staff(store::Ledger& ledger, std::int64_t institution_id, const std::string& tckn,
                  const std::string& actor);

store::Institution add_institution(store::Ledger& ledger, const std::string& name, const std::string& address);

struct NewOfficer {
  store::Officer officer;
  std::string totp_secret;  // base32, shown once to be put in an authenticator
};
// The password needs at least 10 characters; the TOTP secret is random
// unless `totp_secret` (base32, demo data) is given.
// `role`: "officer" (the institution's console) or "operator" (the call
// centre's page, for the provider's own staff).
NewOfficer add_officer(store::Ledger& ledger, std::int64_t institution_id, const std::string& username,
                       const std::string& tckn, const std::string& full_name, const std::string& password,
                       const MasterKey& master_key, const std::string& totp_secret = "",
                       const std::string& role = "officer");

// Account management, each audited as `actor`. A disabled account cannot
// log in and its open sessions end at their next page; a new password or
// second-factor key replaces the old at once (the key is returned, base32,
// to be shown once). UserError("institution.no_officer") for an unknown name.
void set_officer_enabled(store::Ledger& ledger, const std::string& username, bool enabled, const std::string& actor);
void reset_officer_password(store::Ledger& ledger, const std::string& username, const std::string& password,
                            const std::string& actor);
std::string reset_officer_totp(store::Ledger& ledger, const std::string& username, const MasterKey& master_key,
                               const std::string& actor);

// Officer log-in: password, then the TOTP code. Five failures in a row lock
// the account for the lock-out time; each failure is audited.
class OfficerAuth {
 public:
  // `master_key` unseals the TOTP keys.
  OfficerAuth(store::Ledger& ledger, std::shared_ptr<const MasterKey> master_key);
  // UserError("kurum.bad_login") for an unknown name or a wrong password
  // (the same answer for both), "kurum.locked" while locked.
  // Whether the account has failed log-ins counted (a captcha is then asked before its password is checked).
  bool had_failures(const std::string& username);
  store::Officer password(const std::string& username, const std::string& password);
  // UserError("kurum.bad_code") / "kurum.locked".
  void second_factor(const store::Officer& officer, const std::string& code);

 private:
  store::Ledger& ledger_;
  std::shared_ptr<const MasterKey> master_key_;
};

// YYYY-MM-DD from "1980-03-15" or "15.03.1980"; empty when not a real date.
std::string parse_birth_date(const std::string& text);

}  // namespace tugra::ra
