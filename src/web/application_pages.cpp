// The application journey of seed 000, steps 1/6 to 6/6:
//   /basvuru            1/6 Kullanıcı Girişi (captcha + identity)
//   /basvuru/form       2/6 Başvuru Formu
//   /basvuru/sms        3/6 SMS onay (masked number, "Onay" sends a code)
//   /basvuru/sms/kod    4/6 code entry with the seconds left
//   /basvuru/yontem     5/6 signing method
//   /basvuru/islak      6/6 wet signature: the PDF and whom to hand it to
//   /basvuru/e-imza     6/6 E-İmzalı Başvuru: the same PDF signed with a valid
//                       card through the card agent; no paper goes to the officer
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/display.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "ra/applications.hpp"
#include "ra/contact.hpp"
#include "ra/institutions.hpp"
#include "web/application_pdf.hpp"
#include "web/agent_support.hpp"
#include "web/portal_internal.hpp"
#include "web/sms_confirmation.hpp"

namespace tugra::web {
namespace {

const char* const kIdentityFields[] = {"tckn", "sicil_no", "given_name", "surname", "birth_place", "birth_date"};
const char* const kFormFields[] = {"reader_type", "years",      "app_type", "publish",  "limit",   "unit",
                                   "title",       "address",    "il",       "ilce",     "postal_code", "email",
                                   "work_phone",  "work_ext",   "mobile",   "operator", "home_phone", "channel"};

Data step_data(int step) {
  Data d;
  d.set("step", std::to_string(step));
  d.set("apply_crumb", true);
  return d;
}

// The applicant's session and application, or a redirect to step 1.
struct Journey {
  Session* session = nullptr;
  store::Application application;
};

std::optional<Journey> journey(Exchange& ex) {
  Session* s = ex.session(false);
  if (!s || !s->applicant) return std::nullopt;
  Journey j{s, {}};
  ex.portal.backends.with([&](Backend& b) {
    if (s->application_id) {
      auto a = b.application(s->application_id);
      if (a) j.application = *a;
    }
    if (j.application.id == 0) j.application = b.applications().open(*s->applicant);
  });
  return j;
}

Response login_form(Exchange& ex, std::map<std::string, std::string> values, std::map<std::string, std::string> errors,
                    const std::string& general_error = "", int status = 200) {
  Data d = step_data(1);
  d.set("v", Exchange::values_data(values));
  d.set("err", ex.errors_data(errors));
  if (!general_error.empty()) d.set("general_error", general_error);
  d.set("captcha_nonce", hex_encode(random_bytes(4)));
  return ex.page("apply_login", d, ex.text("web.apply.login_title"), status);
}

Response show_login(Exchange& ex) { return login_form(ex, {}, {}); }

Response post_login(Exchange& ex) {
  std::map<std::string, std::string> values, errors;
  for (const char* f : kIdentityFields) values[f] = ex.field(f);
  Session* s = ex.session(true);
  if (std::string problem = ex.captcha_problem(*s); !problem.empty()) errors["captcha"] = problem;
  for (const char* f : kIdentityFields)
    if (values[f].empty()) errors[f] = "apply.error.required";
  std::string birth_date = ra::parse_birth_date(values["birth_date"]);
  if (!values["birth_date"].empty() && birth_date.empty()) errors["birth_date"] = "apply.error.date";
  if (!values["tckn"].empty() && values["tckn"].size() != 11) errors["tckn"] = "apply.error.tckn";
  if (!errors.empty()) return login_form(ex, values, errors, "", 400);

  ra::IdentityClaim claim{values["tckn"], values["sicil_no"], values["given_name"], values["surname"],
                          values["birth_place"], birth_date};
  try {
    auto [applicant, application] = ex.portal.backends.with([&](Backend& b) {
      auto who = b.applications().identify(claim);
      return std::pair{who, b.applications().open(who)};
    });
    // A new session id once the identity is known: an id planted before
    // the log-in is worth nothing.
    ex.end_session();
    Session* fresh = ex.session(true);
    fresh->applicant = applicant;
    fresh->application_id = application.id;
    return Response::redirect("/basvuru/form");
  } catch (const UserError& e) {
    if (e.key() == "ca.invalid_tckn") {
      errors["tckn"] = "apply.error.tckn";
      return login_form(ex, values, errors, "", 400);
    }
    return login_form(ex, values, {}, e.text(ex.lang), 400);
  }
}

Response form_page(Exchange& ex, const Journey& j, const ra::FormValues& values,
                   const std::map<std::string, std::string>& errors, int status = 200) {
  Data d = step_data(2);
  // Stored canonical (1988-09-30, +905422211111), shown as a person writes them.
  ra::FormValues shown = values;
  shown["birth_date"] = display_date(shown["birth_date"]);
  for (const char* phone : {"mobile", "work_phone", "home_phone"}) shown[phone] = display_phone(shown[phone]);
  d.set("v", Exchange::values_data(shown));
  d.set("err", ex.errors_data(errors));
  auto value = [&](const char* k) { auto it = values.find(k); return it == values.end() ? std::string() : it->second; };
  d.set("place_fields", place_fields(ex, value("il"), value("ilce"), errors));
  if (!j.application.security_word_hash.empty()) d.set("has_word", true);
  if (j.application.id) d.set("updating", true);
  return ex.page("apply_form", d, ex.text("web.apply.form_title"), status);
}

Response show_form(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  auto values = ex.portal.backends.with([&](Backend& b) { return b.applications().values(*j->session->applicant, j->application); });
  return form_page(ex, *j, values, {});
}

Response post_form(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  ra::FormValues input;
  for (const char* f : kFormFields) input[f] = ex.field(f);
  input["security_word"] = ex.field("security_word");
  input["security_word2"] = ex.field("security_word2");
  auto [errors, values] = ex.portal.backends.with([&](Backend& b) {
    auto errs = b.applications().save_form(j->application, *j->session->applicant, input);
    ra::FormValues shown = b.applications().values(*j->session->applicant, j->application);
    if (!errs.empty())
      for (const char* f : kFormFields) shown[f] = input[f];  // what was typed stays on the page
    return std::pair{errs, shown};
  });
  if (!errors.empty()) return form_page(ex, *j, values, errors, 400);
  j->session->application_id = j->application.id;
  j->session->sms_code_hash.clear();
  return Response::redirect("/basvuru/sms");
}

const SmsFlow& apply_sms_flow(int step) {
  static const SmsFlow three{"/basvuru/sms", "/basvuru/sms/kod", false, step_data(3)};
  static const SmsFlow four{"/basvuru/sms", "/basvuru/sms/kod", false, step_data(4)};
  return step == 3 ? three : four;
}

// Step 3/6 needs a saved form that the SMS code has not confirmed yet.
bool awaiting_sms(const Journey& j) { return j.application.state == store::ApplicationState::draft && j.application.id != 0; }

Response show_sms(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (!awaiting_sms(*j)) return Response::redirect("/basvuru/form");
  return sms_page(ex, apply_sms_flow(3), ra::form_values(j->application)["mobile"]);
}

Response post_sms(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (!awaiting_sms(*j)) return Response::redirect("/basvuru/form");
  return send_sms_code(ex, *j->session, apply_sms_flow(4), ra::form_values(j->application)["mobile"],
                       "apply:" + std::to_string(j->application.id));
}

Response show_code(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (j->session->sms_code_hash.empty()) return Response::redirect("/basvuru/sms");
  return sms_code_page(ex, *j->session, apply_sms_flow(4));
}

Response post_code(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  Session* s = j->session;
  if (!ex.field("cancel").empty()) {
    s->sms_code_hash.clear();
    return Response::redirect("/basvuru/form");
  }
  Response page;
  switch (check_sms_code(ex, *s, apply_sms_flow(4), "apply:" + std::to_string(j->application.id), page)) {
    case CodeCheck::none: return Response::redirect("/basvuru/sms");
    case CodeCheck::expired:
    case CodeCheck::wrong: return page;
    case CodeCheck::ok: break;
  }
  ex.portal.backends.with([&](Backend& b) { b.applications().confirm(j->application); });
  return Response::redirect("/basvuru/yontem");
}

Response show_method(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (j->application.state != store::ApplicationState::confirmed && j->application.state != store::ApplicationState::submitted)
    return Response::redirect("/basvuru/form");
  return ex.page("apply_method", step_data(5), ex.text("web.apply.method_title"));
}

Response post_method(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  ex.portal.backends.with([&](Backend& b) { b.applications().choose_wet_signature(j->application); });
  return Response::redirect("/basvuru/islak");
}

std::string officer_text(Backend& b, std::int64_t institution_id) {
  auto officer = b.applications().officer_of(institution_id);
  auto institution = b.institution(institution_id);
  return (officer ? officer->full_name : "-") + " (" + (institution ? institution->name : "") + ")";
}

Response show_wet(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (j->application.state != store::ApplicationState::submitted) return Response::redirect("/basvuru/yontem");
  Data d = step_data(6);
  d.set("officer", ex.portal.backends.with([&](Backend& b) { return officer_text(b, j->application.institution_id); }));
  d.set("application_id", std::to_string(j->application.id));
  return ex.page("apply_wet", d, ex.text("web.apply.wet_title"));
}

}  // namespace

// The printed application (step 6/6), wet-signed or e-signed alike.
std::string application_print(Exchange& ex, const store::Application& a) {
  ApplicationPrint print;
  print.application_id = a.id;
  print.form = ra::form_values(a);
  print.security_word_hint = a.security_word_hint;
  print.officer = ex.portal.backends.with([&](Backend& b) { return officer_text(b, a.institution_id); });
  print.date = format_time(a.updated_at, "%d.%m.%Y");
  return render_application_pdf(print);
}

namespace {

Response application_pdf(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (j->application.state != store::ApplicationState::submitted) return Response::redirect("/basvuru/yontem");
  Response r;
  r.content_type = "application/pdf";
  r.body = application_print(ex, j->application);
  r.with("Content-Disposition", "inline; filename=\"basvuru-" + std::to_string(j->application.id) + ".pdf\"");
  return r;
}

// --- E-İmzalı Başvuru ------------------------------------------------------------------

bool can_e_sign(const store::Application& a) {
  return a.state == store::ApplicationState::confirmed || a.state == store::ApplicationState::submitted;
}

std::string esign_purpose(const store::Application& a) { return "application:" + std::to_string(a.id); }

Response show_esign(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (!can_e_sign(j->application)) return Response::redirect("/basvuru/yontem");
  Data d = step_data(6);
  d.set("application_id", std::to_string(j->application.id));
  Data agent = agent_block(ex, "sign", begin_operation(*j->session, esign_purpose(j->application)), "/basvuru/e-imza/tamam");
  agent.set("request", "/basvuru/e-imza/istek");
  d.set("agent", agent);
  return ex.page("apply_esign", d, ex.text("web.apply.esign_title"));
}

Response esign_request(Exchange& ex) {
  auto j = journey(ex);
  if (!j || !can_e_sign(j->application) || !operation_matches(ex, esign_purpose(j->application)))
    return json_refusal(ex, UserError("esign.nothing_pending"), 403);
  try {
    return json_answer(200, prepare_card_signature(ex, *j->session, esign_purpose(j->application),
                                                   application_print(ex, j->application),
                                                   "basvuru-" + std::to_string(j->application.id) + ".pdf"));
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

Response esign_finish(Exchange& ex) {
  auto j = journey(ex);
  if (!j || !operation_matches(ex, esign_purpose(j->application)))
    return json_refusal(ex, UserError("esign.nothing_pending"), 403);
  end_operation(*j->session);
  try {
    auto signed_pdf = finish_card_signature(ex, *j->session, esign_purpose(j->application));
    ex.portal.backends.with([&](Backend& b) { b.signed_documents().submit_application(j->application, signed_pdf); });
    return json_answer(200, {{"redirect", "/basvuru/e-imzali"}});
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

Response show_esigned(Exchange& ex) {
  auto j = journey(ex);
  if (!j) return Response::redirect("/basvuru");
  if (j->application.state != store::ApplicationState::received) return Response::redirect("/basvuru/yontem");
  Data d = step_data(6);
  d.set("application_id", std::to_string(j->application.id));
  d.set("officer", ex.portal.backends.with([&](Backend& b) { return officer_text(b, j->application.institution_id); }));
  d.set("done", true);
  return ex.page("apply_esign", d, ex.text("web.apply.esign_title"));
}

Response logout(Exchange& ex) {
  ex.end_session();
  return Response::redirect("/");
}

}  // namespace

void add_application_pages(PortalState& p) {
  p.routes["GET /basvuru"] = show_login;
  p.routes["POST /basvuru"] = post_login;
  p.routes["GET /basvuru/form"] = show_form;
  p.routes["POST /basvuru/form"] = post_form;
  p.routes["GET /basvuru/sms"] = show_sms;
  p.routes["POST /basvuru/sms"] = post_sms;
  p.routes["GET /basvuru/sms/kod"] = show_code;
  p.routes["POST /basvuru/sms/kod"] = post_code;
  p.routes["GET /basvuru/yontem"] = show_method;
  p.routes["POST /basvuru/yontem"] = post_method;
  p.routes["GET /basvuru/islak"] = show_wet;
  p.routes["GET /basvuru/form.pdf"] = application_pdf;
  p.routes["GET /basvuru/e-imza"] = show_esign;
  p.routes["POST /basvuru/e-imza/istek"] = esign_request;
  p.routes["POST /basvuru/e-imza/tamam"] = esign_finish;
  p.routes["GET /basvuru/e-imzali"] = show_esigned;
  p.routes["POST /cikis"] = logout;
}

}  // namespace tugra::web
