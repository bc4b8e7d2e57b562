#include "ra/applications.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "ca/nes_policy.hpp"
#include "store/ledger.hpp"
#include "ca/qc_statements.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/tckn.hpp"
#include "common/text.hpp"
#include "notify/notifier.hpp"
#include "ra/contact.hpp"
#include "ra/identity_registry.hpp"
#include "ra/lockout.hpp"
#include "ra/password_hash.hpp"
#include "ra/production.hpp"
#include "ra/webhooks.hpp"
#include "store/holder_records.hpp"

namespace tugra::ra {
namespace {

// Who decided, in the audit chain: an officer, or an institution's API key.
std::string actor_of(const store::Officer& officer) {
  return (officer.role == "api-key" ? "api-key:" : "officer:") + officer.username;
}

// The states in which the applicant may still update and reprint the form.
bool open_for_update(store::ApplicationState state) {
  using S = store::ApplicationState;
  return state == S::draft || state == S::confirmed || state == S::submitted;
}

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (v == a) return true;
  return false;
}

std::string field(const FormValues& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "" : trim(it->second);
}

// The first UTF-8 character of `s` and where the last one starts.
std::string first_char(const std::string& s) {
  std::size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return s.substr(0, n);
}
std::string last_char(const std::string& s) {
  std::size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return s.substr(start);
}

// The fields the registry and the institution fill in, not the applicant.
FormValues identity_values(const Applicant& applicant) {
  return {{"tckn", applicant.person.tckn},          {"given_name", applicant.person.given_name},
          {"surname", applicant.person.surname},    {"birth_place", applicant.person.birth_place},
          {"birth_date", applicant.person.birth_date}, {"sicil_no", applicant.staff.sicil_no},
          {"institution", applicant.institution.name}};
}

}  // namespace

std::string security_word_hint(const std::string& word) {
  if (word.empty()) return "";
  return first_char(word) + "…" + last_char(word);
}

std::string security_word_problem(const std::string& word, const store::Person& person) {
  int length = utf8_length(word);
  if (length < 8 || length > 32) return "apply.error.word_length";
  bool letter = false, digit = false;
  for (unsigned char c : word) {
    if (c >= '0' && c <= '9') digit = true;
    else if (c >= 0x80 || std::isalpha(c)) letter = true;
  }
  if (!letter || !digit) return "apply.error.word_mix";
  std::string upper = turkish_upper(word);
  if (word.find(person.tckn) != std::string::npos ||
      (!person.given_name.empty() && upper.find(person.given_name) != std::string::npos) ||
      (!person.surname.empty() && upper.find(person.surname) != std::string::npos))
    return "apply.error.word_personal";
  return "";
}

FieldErrors new_security_word_errors(const std::string& word, const std::string& again, const store::Person& person) {
  if (word.empty()) return {{"security_word", "apply.error.required"}};
  if (std::string problem = security_word_problem(word, person); !problem.empty()) return {{"security_word", problem}};
  if (word != again) return {{"security_word2", "apply.error.word_mismatch"}};
  return {};
}

FormValues form_values(const store::Application& application) {
  FormValues out;
  auto j = nlohmann::json::parse(application.form, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

ApplicationDesk::ApplicationDesk(store::Ledger& ledger, notify::Notifications& notifications,
                                 DeskSettings settings, std::unique_ptr<IdentityRegistry> registry)
    : ledger_(ledger),
      notifications_(notifications),
      settings_(settings),
      registry_(registry ? std::move(registry) : std::make_unique<LocalRegistry>(ledger.database())) {}

ApplicationDesk::~ApplicationDesk() = default;

Applicant ApplicationDesk::identify(const IdentityClaim& claim) {
  if (!is_valid_tckn(claim.tckn)) throw UserError("ca.invalid_tckn", {{"tckn", claim.tckn.substr(0, 11)}});
  Lockout lockout(ledger_, settings_.identity_failures, settings_.lockout_seconds);
  std::string scope = "apply:" + claim.tckn;
  if (lockout.locked(scope)) throw UserError("apply.locked");

  auto& db = ledger_.database();
  auto person = registry_->find(claim.tckn);
  auto staff = store::StaffRepository(db).find(claim.tckn, trim(claim.sicil_no));
  bool match = person && staff && normalise_name(claim.given_name) == person->given_name &&
               normalise_name(claim.surname) == person->surname &&
               normalise_name(claim.birth_place) == person->birth_place && claim.birth_date == person->birth_date;
  std::optional<store::Institution> institution;
  if (match) institution = store::InstitutionRepository(db).find(staff->institution_id);
  if (!match || !institution) {
    // The same answer for every kind of mismatch: the form must not tell
    // which of the details was wrong, or whether the number is known.
    if (lockout.fail(scope, "application.identity_failed", claim.tckn, "portal")) throw UserError("apply.locked");
    throw UserError("apply.identity_mismatch");
  }
  lockout.clear(scope);
  return {*person, *staff, *institution};
}

store::Application ApplicationDesk::open(const Applicant& applicant) {
  auto last = store::ApplicationRepository(ledger_.database()).latest(applicant.person.tckn);
  if (last && open_for_update(last->state)) return *last;
  if (last && last->state == store::ApplicationState::received) throw UserError("apply.in_process");
  store::Application a;
  a.tckn = applicant.person.tckn;
  a.institution_id = applicant.institution.id;
  return a;  // stored when the form is first saved
}

FormValues ApplicationDesk::values(const Applicant& applicant, const store::Application& application) const {
  FormValues v = form_values(application);
  auto def = [&](const char* key, const std::string& value) {
    if (v.find(key) == v.end()) v[key] = value;
  };
  def("reader_type", "mini");
  def("years", std::to_string(ca::nes_policy::kDefaultYears));
  def("app_type", "new");
  def("publish", "yes");
  def("channel", "both");
  def("unit", applicant.staff.unit);
  def("title", applicant.staff.title);
  def("address", applicant.staff.address);
  def("il", applicant.staff.il);
  def("ilce", applicant.staff.ilce);
  def("postal_code", applicant.staff.postal_code);
  // What the registry and the institution say is shown, not editable.
  for (const auto& [key, value] : identity_values(applicant)) v[key] = value;
  return v;
}

FieldErrors ApplicationDesk::save_form(store::Application& a, const Applicant& applicant, const FormValues& input) {
  if (!open_for_update(a.state)) throw UserError("apply.in_process");
  FieldErrors errors;
  nlohmann::json form = nlohmann::json::object();
  auto choice = [&](const char* name, std::initializer_list<const char*> allowed) {
    std::string v = field(input, name);
    if (!one_of(v, allowed)) errors[name] = "apply.error.choose";
    form[name] = v;
  };
  auto text = [&](const char* name, int max) {
    std::string v = field(input, name);
    int n = utf8_length(v);
    if (n < 0 && has_format_control(v)) errors[name] = "apply.error.format_control";
    else if (n < 0 || n > max) errors[name] = "apply.error.too_long";
    else if (n == 0) errors[name] = "apply.error.required";
    form[name] = v;
  };

  choice("reader_type", {"mini", "desktop"});
  {
    std::string years = field(input, "years");
    bool offered = false;
    for (const auto& y : ca::nes_policy::year_choices()) offered |= years == y;
    if (!offered) errors["years"] = "apply.error.choose";
    form["years"] = years;
  }
  choice("app_type", {"new", "renewal", "lost", "other"});
  choice("publish", {"yes", "no"});
  choice("operator", {"turkcell", "vodafone", "turktelekom"});
  std::string limit = field(input, "limit");
  form["limit"] = limit;
  if (!limit.empty()) {
    try {
      if (limit.size() > 15) throw UserError("apply.error.limit");
      ca::parse_limit(limit, settings_.currency);
    } catch (const UserError&) {
      errors["limit"] = "apply.error.limit";
    }
  }
  text("unit", 128);
  text("title", 128);
  FormValues contact;
  errors.merge(check_contact_fields(input, contact));
  for (const auto& [name, value] : contact) form[name] = value;

  // The security word: required the first time, kept when left empty later.
  std::string word = input.count("security_word") ? input.at("security_word") : "";
  std::string again = input.count("security_word2") ? input.at("security_word2") : "";
  bool keep_word = word.empty() && again.empty() && !a.security_word_hash.empty();
  if (!keep_word) errors.merge(new_security_word_errors(word, again, applicant.person));
  if (!errors.empty()) return errors;

  for (const auto& [key, value] : identity_values(applicant)) form[key] = value;
  a.form = form.dump();
  a.institution_id = applicant.institution.id;
  if (!keep_word) {
    a.security_word_hash = hash_secret(word);
    a.security_word_hint = security_word_hint(word);
  }
  auto from = a.state;
  a.state = store::ApplicationState::draft;  // a changed form is confirmed by SMS again
  bool created = a.id == 0;
  save(a, from, created ? "application.created" : "application.updated", "applicant:" + a.tckn);
  return {};
}

void ApplicationDesk::confirm(store::Application& a) {
  if (a.state != store::ApplicationState::draft) throw UserError("apply.in_process");
  a.state = store::ApplicationState::confirmed;
  save(a, store::ApplicationState::draft, "application.confirmed", "applicant:" + a.tckn,
       nlohmann::json{{"mobile", form_values(a)["mobile"]}}.dump());
}

void ApplicationDesk::choose_wet_signature(store::Application& a) {
  if (a.state != store::ApplicationState::confirmed && a.state != store::ApplicationState::submitted) throw UserError("apply.not_confirmed");
  auto from = a.state;
  a.state = store::ApplicationState::submitted;
  save(a, from, "application.submitted", "applicant:" + a.tckn, R"({"signature":"wet"})");
}

void ApplicationDesk::receive_e_signed(store::Application& a, const std::function<std::int64_t()>& store_document) {
  if (a.state != store::ApplicationState::confirmed && a.state != store::ApplicationState::submitted)
    throw UserError("apply.not_confirmed");
  auto from = a.state;
  a.state = store::ApplicationState::received;
  a.form_received_at = now_seconds();
  ledger_.write([&] {
    std::int64_t document = store_document();
    a.receipt_no = "E-IMZA-" + std::to_string(document);
    if (!store::ApplicationRepository(ledger_.database()).update(a, from))
      throw UserError("application.state_changed", {{"id", std::to_string(a.id)}});
    ledger_.record("application.e_signed", a.tckn, nlohmann::json{{"application", a.id}, {"document", document}}.dump(),
                   "applicant:" + a.tckn);
  });
  ledger_.checkpoint();
}

std::optional<store::Officer> ApplicationDesk::officer_of(std::int64_t institution_id) {
  auto officers = store::OfficerRepository(ledger_.database()).for_institution(institution_id);
  if (officers.empty()) return std::nullopt;
  return officers.front();
}

void ApplicationDesk::save(store::Application& a, store::ApplicationState from, const char* event,
                           const std::string& actor, const std::string& details) {
  ledger_.write([&] {
    store::ApplicationRepository repo(ledger_.database());
    if (a.id == 0) repo.insert(a);
    else if (!repo.update(a, from)) throw UserError("application.state_changed", {{"id", std::to_string(a.id)}});
    queue_application_event(ledger_.database(), a);
    ledger_.record(event, a.tckn, details.size() > 2 ? details : nlohmann::json{{"application", a.id}}.dump(), actor);
  });
  ledger_.checkpoint();
}

std::vector<store::Application> ApplicationDesk::list(const store::Officer& officer) {
  return store::ApplicationRepository(ledger_.database()).for_institution(officer.institution_id);
}

store::Application ApplicationDesk::get(const store::Officer& officer, std::int64_t id) {
  auto a = store::ApplicationRepository(ledger_.database()).find(id);
  if (!a || a->institution_id != officer.institution_id || a->state == store::ApplicationState::draft)
    throw UserError("kurum.no_application", {{"id", std::to_string(id)}});
  return *a;
}

store::Application ApplicationDesk::receive(const store::Officer& officer, std::int64_t id,
                                            const std::string& receipt_no) {
  auto a = get(officer, id);
  if (a.state != store::ApplicationState::submitted) throw UserError("kurum.wrong_state");
  std::string receipt = trim(receipt_no);
  if (receipt.empty() || receipt.size() > 32 ||
      receipt.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/") != std::string::npos)
    throw UserError("kurum.bad_receipt");
  a.state = store::ApplicationState::received;
  a.receipt_no = receipt;
  a.form_received_at = now_seconds();
  save(a, store::ApplicationState::submitted, "application.form_received", actor_of(officer),
       nlohmann::json{{"application", a.id}, {"receipt", receipt}}.dump());
  return a;
}

store::Application ApplicationDesk::approve(const store::Officer& officer, std::int64_t id) {
  auto a = get(officer, id);
  if (a.tckn == officer.tckn) throw UserError("kurum.own_application");
  if (a.state != store::ApplicationState::received) throw UserError("kurum.wrong_state");
  auto v = form_values(a);
  ProductionOrder order;
  order.tckn = a.tckn;
  order.given_name = v["given_name"];
  order.surname = v["surname"];
  order.phone = v["mobile"];
  order.email = v["email"];
  order.years = ca::nes_policy::kDefaultYears;
  for (int y : ca::nes_policy::kYears)
    if (v["years"] == std::to_string(y)) order.years = y;
  if (!v["limit"].empty()) order.limit = v["limit"];
  if (v["app_type"] == "renewal") {
    // The newest certificate still valid is the one this renews; the new
    // card cannot be activated while it lasts.
    std::int64_t now = now_seconds();
    for (const auto& c : ca::Certificates(ledger_).list(a.tckn))
      if (c.status != store::CertStatus::revoked && c.status != store::CertStatus::pending && c.not_after >= now)
        order.renews = c.serial;
  }
  auto request = production_request_for(order, settings_.currency);
  // The holder's account for the Bireysel İşlemler portal: the security word
  // chosen on the form, and the contact details.
  nlohmann::json details = nlohmann::json::object();
  for (const char* k : kContactDetails) details[k] = v[k];
  details["institution"] = v["institution"];  // Bilgi Güncelle lists it
  store::HolderRecord holder{a.tckn,      v["given_name"], v["surname"],    a.security_word_hash, v["mobile"],
                             v["email"], v["channel"],    details.dump(), 0,                    0};
  a.state = store::ApplicationState::approved;
  a.decided_by = officer.id;
  a.decided_at = now_seconds();
  ledger_.write([&] {
    queue_production_request(ledger_, request);
    store::HolderRepository(ledger_.database()).upsert(holder);
    a.production_request_id = request.id;
    // Only one decision: a concurrent approval or rejection that committed
    // first leaves the row out of 'received', and this one rolls back.
    if (!store::ApplicationRepository(ledger_.database()).update(a, store::ApplicationState::received))
      throw UserError("application.state_changed", {{"id", std::to_string(a.id)}});
    queue_application_event(ledger_.database(), a);
    ledger_.record("application.approved", a.tckn,
               nlohmann::json{{"application", a.id}, {"production_request", request.id}}.dump(),
               actor_of(officer));
  });
  ledger_.checkpoint();
  tell_applicant(a, "notify.approved");
  return a;
}

store::Application ApplicationDesk::reject(const store::Officer& officer, std::int64_t id, const std::string& reason) {
  auto a = get(officer, id);
  if (a.tckn == officer.tckn) throw UserError("kurum.own_application");
  if (a.state != store::ApplicationState::submitted && a.state != store::ApplicationState::received) throw UserError("kurum.wrong_state");
  auto from = a.state;
  std::string why = trim(reason);
  int n = utf8_length(why);
  if (n < 0 && has_format_control(why)) throw UserError("apply.error.format_control");
  if (n <= 0 || n > 500) throw UserError("kurum.reason_required");
  a.state = store::ApplicationState::rejected;
  a.reject_reason = why;
  a.decided_by = officer.id;
  a.decided_at = now_seconds();
  save(a, from, "application.rejected", actor_of(officer),
       nlohmann::json{{"application", a.id}, {"reason", why}}.dump());
  tell_applicant(a, "notify.rejected", why);
  return a;
}

void ApplicationDesk::tell_applicant(const store::Application& a, const std::string& key, const std::string& reason) {
  auto v = form_values(a);
  std::string body = message(key, {{"name", v["given_name"] + " " + v["surname"]},
                                   {"id", std::to_string(a.id)},
                                   {"reason", reason}});
  try {
    notifications_.preferred(v["channel"], v["mobile"], v["email"], message("notify.subject"), body);
  } catch (const UserError& e) {
    // The decision stands: a failed delivery must not undo it. The officer
    // console shows the state, and the operator sees this line.
    std::fprintf(stderr, "tugra: notification for application %lld failed: %s\n", static_cast<long long>(a.id),
                 e.what());
  }
}

}  // namespace tugra::ra
