// The institution officer console (/kurum): password, then the TOTP code;
// the institution's applications; recording the wet-signed form and the
// payment receipt (dekont); approval (into the card production queue) or
// rejection with a reason.
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/display.hpp"
#include "common/error.hpp"
#include "ra/applications.hpp"
#include "ra/institutions.hpp"
#include "ra/password_hash.hpp"
#include "web/agent_support.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {
namespace {

Data kurum_data() {
  Data d;
  d.set("kurum_crumb", true);
  return d;
}

Response login_page(Exchange& ex, const std::string& error, const std::string& username, bool captcha,
                    int status = 200) {
  Data d = kurum_data();
  if (!error.empty()) d.set("error", error);
  d.set("username", username);
  if (captcha) {
    d.set("captcha", true);
    d.set("captcha_nonce", hex_encode(random_bytes(4)));
  }
  return ex.page("officer_login", d, ex.text("web.kurum.login_title"), status);
}

Response show_login(Exchange& ex) {
  return login_page(ex, "", "", ex.portal.officer_failures.recent(ex.req.remote_ip));
}

// The password is the expensive step (an Argon2id hash), and a wrong one
// counts toward the account's lock-out. So, before any hash: a budget per
// address; a captcha once the address or the account has failed (an
// anonymous caller cannot lock someone out without solving one per try);
// and at most one hash in flight per address.
Response post_login(Exchange& ex) {
  std::string username = ex.field("username").substr(0, 64);
  const std::string& address = ex.req.remote_ip;
  if (!ex.portal.officer_login_limiter.allow(address)) return ex.error_page(429, "web.error.rate");
  Session* s = ex.session(true);
  bool captcha = ex.portal.officer_failures.recent(address) ||
                 ex.portal.backends.with([&](Backend& b) { return b.officers().had_failures(username); });
  if (captcha) {
    if (std::string problem = ex.captcha_problem(*s); !problem.empty())
      return login_page(ex, ex.text(ex.field("captcha").empty() ? "web.kurum.captcha_needed" : problem), username,
                        true, 400);
  }
  auto ticket = ex.portal.hash_gate.enter(address);
  if (!ticket) throw ra::Busy();
  try {
    auto officer = ex.portal.backends.with(
        [&](Backend& b) { return b.officers().password(username, ex.field("password")); });
    s->officer_pending = officer.id;
    s->officer_id = 0;
    return Response::redirect("/kurum/dogrulama");
  } catch (const UserError& e) {
    ex.portal.officer_failures.note(address);
    return login_page(ex, e.text(ex.lang), username, true, 400);
  }
}

Response code_page(Exchange& ex, const std::string& error, int status = 200) {
  Data d = kurum_data();
  if (!error.empty()) d.set("error", error);
  return ex.page("officer_code", d, ex.text("web.kurum.code_title"), status);
}

Response show_code(Exchange& ex) {
  Session* s = ex.session(false);
  if (!s || !s->officer_pending) return Response::redirect("/kurum/giris");
  return code_page(ex, "");
}

Response post_code(Exchange& ex) {
  Session* s = ex.session(false);
  if (!s || !s->officer_pending) return Response::redirect("/kurum/giris");
  std::string role;
  try {
    role = ex.portal.backends.with([&](Backend& b) {
      auto officer = b.officer(s->officer_pending);
      if (!officer) throw UserError("kurum.bad_login");
      b.officers().second_factor(*officer, ex.field("code"));
      return officer->role;
    });
  } catch (const UserError& e) {
    if (e.key() == "kurum.locked") s->officer_pending = 0;
    return code_page(ex, e.text(ex.lang), 400);
  }
  // A new session id after log-in: an id fixed before it is worth nothing.
  std::int64_t officer = s->officer_pending;
  ex.end_session();
  Session* fresh = ex.session(true);
  fresh->officer_id = officer;
  return Response::redirect(role == "operator" ? "/operator" : "/kurum");
}

std::optional<store::Officer> officer(Exchange& ex, Backend& b) { return logged_in(ex, b, "officer"); }

Data application_row(Exchange& ex, Backend& b, const store::Application& a) {
  auto v = ra::form_values(a);
  Data row;
  row.set("id", std::to_string(a.id));
  row.set("tckn", a.tckn);
  row.set("name", v["given_name"] + " " + v["surname"]);
  row.set("state", ex.text(std::string("web.state.") + store::to_string(a.state)));
  // After approval, where the card is: made, shipped, delivered.
  if (a.state == store::ApplicationState::approved && a.production_request_id) {
    std::string progress = b.card_progress(a.production_request_id);
    if (!progress.empty() && progress != "queued" && progress != "in_progress")
      row.set("state", ex.text("web.state.card_" + progress));
  }
  row.set("state_code", std::string(store::to_string(a.state)));
  // Yeni / Yenileme / Kayıp-Çalıntı / Diğer, as the form's choices read.
  if (!v["app_type"].empty()) row.set("app_type", ex.text("web.choice.app_type_" + v["app_type"]));
  row.set("updated", format_time(a.updated_at, "%d.%m.%Y %H:%M"));
  return row;
}

Response list_page(Exchange& ex) {
  auto result = ex.portal.backends.with([&](Backend& b) -> std::optional<Data> {
    auto o = officer(ex, b);
    if (!o) return std::nullopt;
    Data d = kurum_data();
    d.set("officer", o->full_name);
    auto institution = b.institution(o->institution_id);
    d.set("institution", institution ? institution->name : "");
    Data rows{Data::type::list};
    auto apps = b.applications().list(*o);
    for (const auto& a : apps) rows.push_back(application_row(ex, b, a));
    d.set("applications", rows);
    if (apps.empty()) d.set("none", true);
    return d;
  });
  if (!result) return Response::redirect("/kurum/giris");
  return ex.page("officer_list", *result, ex.text("web.kurum.list_title"));
}

std::int64_t id_in_path(const std::string& path) {
  // /kurum/basvuru/{id}[/action]
  std::string rest = path.substr(std::string("/kurum/basvuru/").size());
  std::string digits = rest.substr(0, rest.find('/'));
  if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(digits);
}

Response detail_page(Exchange& ex, const std::string& error = "", int status = 200) {
  std::int64_t id = id_in_path(ex.req.path);
  auto result = ex.portal.backends.with([&](Backend& b) -> std::optional<Data> {
    auto o = officer(ex, b);
    if (!o) return std::nullopt;
    auto a = b.applications().get(*o, id);
    Data d = kurum_data();
    d.set("a", application_row(ex, b, a));
    auto values = ra::form_values(a);
    values["security_word_hint"] = a.security_word_hint;
    // The form's choices in words: "3 Yıl", "Her İkisi (E-posta+SMS)".
    values["birth_date"] = display_date(values["birth_date"]);
    for (const char* phone : {"mobile", "work_phone", "home_phone"}) values[phone] = display_phone(values[phone]);
    for (const char* choice : {"years", "channel", "reader_type"})
      if (!values[choice].empty()) values[std::string(choice) + "_text"] = ex.text(std::string("web.choice.") + choice + "_" + values[choice]);
    d.set("v", Exchange::values_data(values));
    // Labels without a value are left out, not shown empty.
    if (!a.receipt_no.empty()) d.set("receipt_no", a.receipt_no);
    if (!a.reject_reason.empty()) d.set("reject_reason", a.reject_reason);
    if (a.state == store::ApplicationState::submitted) d.set("can_receive", true);
    if (a.state == store::ApplicationState::received && a.tckn != o->tckn) d.set("can_approve", true);
    if ((a.state == store::ApplicationState::submitted || a.state == store::ApplicationState::received) && a.tckn != o->tckn) d.set("can_reject", true);
    if (a.tckn == o->tckn) d.set("own", true);
    if (a.production_request_id) d.set("production_request", std::to_string(a.production_request_id));
    // E-İmzalı Başvuru's form, a paper renewal's e-approved undertaking, and
    // the applicant's certificate acceptances (E-Onay).
    Data documents{Data::type::list};
    auto add = [&](const store::SignedDocument& doc) {
      Data row = signed_document_data(ex, doc);
      row.set("link", "/kurum/basvuru/" + std::to_string(a.id) + "/belge?tur=" + doc.kind + "&konu=" + doc.subject);
      documents.push_back(row);
    };
    for (const char* kind : {"application", "renewal_undertaking"})
      if (auto doc = b.signed_documents().find(kind, std::to_string(a.id))) add(*doc);
    for (const auto& listed : b.signed_documents().signed_by(a.tckn))
      if (listed.kind == "acceptance")
        if (auto doc = b.signed_documents().find(listed.kind, listed.subject)) add(*doc);
    if (!documents.is_empty_list()) d.set("signed_documents", documents);
    if (a.receipt_no.rfind("E-IMZA-", 0) == 0) d.set("e_signed", true);
    if (!error.empty()) d.set("error", error);
    return d;
  });
  if (!result) return Response::redirect("/kurum/giris");
  return ex.page("officer_detail", *result, ex.text("web.kurum.detail_title"), status);
}

// /kurum/basvuru/{id}/belge?tur=application|renewal_undertaking|acceptance[&konu=SERIAL]:
// a signed PDF of the applicant's.
Response signed_document(Exchange& ex) {
  std::int64_t id = id_in_path(ex.req.path);
  auto doc = ex.portal.backends.with([&](Backend& b) -> std::optional<store::SignedDocument> {
    auto o = officer(ex, b);
    if (!o) return std::nullopt;
    auto a = b.applications().get(*o, id);  // the officer's own institution's application, or UserError
    std::string kind = ex.param("tur");
    auto found = kind == "acceptance" ? b.signed_documents().find(kind, ex.param("konu"))
                 : kind == "renewal_undertaking" || kind == "application"
                     ? b.signed_documents().find(kind, std::to_string(id))
                     : std::nullopt;
    if (found && found->tckn != a.tckn) return std::nullopt;  // the applicant's own documents only
    return found;
  });
  if (!doc) return ex.error_page(404, "web.error.not_found");
  return signed_pdf_response(*doc);
}

Response show_detail(Exchange& ex) {
  std::string path = ex.req.path;
  if (path.size() > 6 && path.compare(path.size() - 6, 6, "/belge") == 0) return signed_document(ex);
  if (path.find('/', std::string("/kurum/basvuru/").size()) != std::string::npos)
    return ex.error_page(404, "web.error.not_found");
  return detail_page(ex);
}

Response post_action(Exchange& ex) {
  std::int64_t id = id_in_path(ex.req.path);
  std::string action = ex.req.path.substr(ex.req.path.rfind('/') + 1);
  try {
    bool logged_in = ex.portal.backends.with([&](Backend& b) {
      auto o = officer(ex, b);
      if (!o) return false;
      if (action == "teslim") b.applications().receive(*o, id, ex.field("receipt_no"));
      else if (action == "onay") b.applications().approve(*o, id);
      else if (action == "red") b.applications().reject(*o, id, ex.field("reason"));
      else throw UserError("kurum.no_application", {{"id", std::to_string(id)}});
      return true;
    });
    if (!logged_in) return Response::redirect("/kurum/giris");
  } catch (const UserError& e) {
    return detail_page(ex, e.text(ex.lang), 400);
  }
  return Response::redirect("/kurum/basvuru/" + std::to_string(id));
}

Response logout(Exchange& ex) {
  ex.end_session();
  return Response::redirect("/kurum/giris");
}

}  // namespace

std::optional<store::Officer> logged_in(Exchange& ex, Backend& b, const std::string& role) {
  Session* s = ex.session(false);
  if (!s || !s->officer_id) return std::nullopt;
  auto o = b.officer(s->officer_id);
  if (!o || o->role != role || o->disabled_at) return std::nullopt;  // a disabled account's session ends
  return o;
}

void add_officer_pages(PortalState& p) {
  p.routes["GET /kurum"] = list_page;
  p.routes["GET /kurum/giris"] = show_login;
  p.routes["POST /kurum/giris"] = post_login;
  p.routes["GET /kurum/dogrulama"] = show_code;
  p.routes["POST /kurum/dogrulama"] = post_code;
  p.routes["POST /kurum/cikis"] = logout;
  p.prefix_routes.emplace_back("GET /kurum/basvuru/", show_detail);
  p.prefix_routes.emplace_back("POST /kurum/basvuru/", post_action);
}

}  // namespace tugra::web
