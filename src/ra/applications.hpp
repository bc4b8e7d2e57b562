// The application journey of seed 000 on the RA side: who may apply (the
// identity registry and the institution's staff list), the form of step 2/6
// with its rules, the SMS confirmation, the choice of a wet signature, and
// the institution officer's decisions that put an approved application into
// the card production queue. Web pages call this; it knows nothing of HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ra/contact.hpp"
#include "store/portal_records.hpp"

namespace tugra::store {
class Ledger;
}
namespace tugra::notify {
class Notifications;
}

namespace tugra::ra {

class IdentityRegistry;

struct IdentityClaim {
  std::string tckn, sicil_no, given_name, surname, birth_place, birth_date;
};

struct Applicant {
  store::Person person;
  store::StaffMember staff;
  store::Institution institution;
};


struct DeskSettings {
  int identity_failures = 5;           // wrong identity claims for one TCKN before a lock-out
  std::int64_t lockout_seconds = 1800;
  std::string currency = "TRY";        // of the monetary limit (profile.currency)
};

class ApplicationDesk {
 public:
  // `registry` answers step 1/6; the local table when null.
  ApplicationDesk(store::Ledger& ledger, notify::Notifications& notifications, DeskSettings settings,
                  std::unique_ptr<IdentityRegistry> registry = nullptr);
  ~ApplicationDesk();

  // Step 1/6. UserError("ca.invalid_tckn") for a bad number; one vague
  // UserError("apply.identity_mismatch") for any other mismatch, and
  // "apply.locked" after repeated failures for the same number.
  Applicant identify(const IdentityClaim& claim);
  // The application to work on: the last one while it can still be updated
  // and reprinted, else a new draft. UserError("apply.in_process") once the
  // officer holds the signed form.
  store::Application open(const Applicant& applicant);
  // Step 2/6 values: saved ones, else prefilled from the staff list.
  FormValues values(const Applicant& applicant, const store::Application& application) const;
  // Checks and saves step 2/6; on errors nothing is saved. The security word
  // may be left empty on an update (the saved one is kept).
  FieldErrors save_form(store::Application& application, const Applicant& applicant, const FormValues& input);
  // Step 4/6: the SMS code was right.
  void confirm(store::Application& application);
  // Step 5/6: the applicant signs the printed form by hand.
  void choose_wet_signature(store::Application& application);
  // E-İmzalı Başvuru: the form arrived e-signed with the application
  // (confirmed or submitted -> received, receipt "E-IMZA-<document id>");
  // `store_document` keeps the signed form in the same transaction and
  // returns its id.
  void receive_e_signed(store::Application& application, const std::function<std::int64_t()>& store_document);
  // The officer named on step 6/6.
  std::optional<store::Officer> officer_of(std::int64_t institution_id);

  // The officer console. Each checks that the application belongs to the
  // officer's institution and is in the right state.
  std::vector<store::Application> list(const store::Officer& officer);
  store::Application get(const store::Officer& officer, std::int64_t id);
  store::Application receive(const store::Officer& officer, std::int64_t id, const std::string& receipt_no);
  store::Application approve(const store::Officer& officer, std::int64_t id);
  store::Application reject(const store::Officer& officer, std::int64_t id, const std::string& reason);

 private:
  // Inserts a new application or moves a stored one on from `from`;
  // UserError("application.state_changed") when another writer moved it first.
  void save(store::Application& a, store::ApplicationState from, const char* event, const std::string& actor,
            const std::string& details = "{}");
  void tell_applicant(const store::Application& a, const std::string& key, const std::string& reason = "");

  store::Ledger& ledger_;
  notify::Notifications& notifications_;
  DeskSettings settings_;
  std::unique_ptr<IdentityRegistry> registry_;
};

// The saved form (JSON) as flat strings.
FormValues form_values(const store::Application& application);
// The security word rules: 8 to 32 characters, letters and digits, not the
// TCKN or the name. Returns a catalog key, empty when it is acceptable.
std::string security_word_problem(const std::string& word, const store::Person& person);
// A new security word typed twice (the form, Bilgi Güncelle, the reset
// link): errors for "security_word" / "security_word2", none when it is good.
FieldErrors new_security_word_errors(const std::string& word, const std::string& again, const store::Person& person);
// "A…9": the first and last characters, as the printed form shows them.
std::string security_word_hint(const std::string& word);

}  // namespace tugra::ra
