// The holder's portal, Bireysel Nitelikli Elektronik Sertifika İşlemleri
// (seeds 001-004):
//   /bireysel                   Kullanıcı Doğrulama Ekranı
//   /bireysel/giris             Şifreli Giriş Ekranı (captcha + security word)
//   /bireysel/sms, /sms/kod     SMS Onay Ekranı, SMS Onay Kodu Giriş Ekranı
//   /bireysel/menu              İşlemler Menüsü, and one page per action
//   /bireysel/sozcuk/...        Güvenlik Sözcüğümü Unuttum: request, e-mail link, new word
#include "common/bytes.hpp"
#include "common/client_address.hpp"
#include "common/clock.hpp"
#include "common/display.hpp"
#include "common/error.hpp"
#include "ra/contact.hpp"
#include "ra/holder_desk.hpp"
#include "ra/password_hash.hpp"
#include "ra/institutions.hpp"
#include "web/pin_puk_pdf.hpp"
#include "web/portal_internal.hpp"
#include "web/sms_confirmation.hpp"

#include <nlohmann/json.hpp>

#include <openssl/crypto.h>

#include <cstdio>

namespace tugra::web {
namespace {

const SmsFlow& holder_sms_flow() {
  static const SmsFlow flow = [] {
    SmsFlow f{"/bireysel/sms", "/bireysel/sms/kod", true, Data{}};
    f.frame.set("holder_crumb", true);
    return f;
  }();
  return flow;
}

Data frame() { return holder_frame(); }
Data menu_frame(Exchange& ex, const store::HolderRecord& h) { return holder_menu_frame(ex, h); }
std::optional<store::HolderRecord> holder(Exchange& ex) { return logged_in_holder(ex); }

Response to_login() { return Response::redirect("/bireysel/giris"); }

std::string date(std::int64_t t) { return format_time(t, "%d.%m.%Y"); }

Data certificate_row(Exchange& ex, const ra::HolderCertificate& c) {
  Data row;
  row.set("serial", c.record.serial);
  row.set("valid", date(c.record.not_before) + " - " + date(c.record.not_after));
  row.set("state", ex.text(std::string("web.holder.state_") + ra::to_string(c.state)));
  row.set("state_code", ra::to_string(c.state));
  row.set("card", c.card_serial);
  if (!c.blocked_by.empty()) row.set("blocked_by", c.blocked_by);
  return row;
}

// --- log-in ---------------------------------------------------------------------

Response start(Exchange& ex) { return ex.page("holder_start", frame(), ex.text("web.holder.start_title")); }

Response login_page(Exchange& ex, const std::string& id, const std::string& error, int status = 200) {
  Data d = frame();
  d.set("id", id);
  if (!error.empty()) d.set("error", error);
  if (!ex.param("expired").empty()) d.set("expired", true);
  d.set("captcha_nonce", hex_encode(random_bytes(4)));
  return ex.page("holder_login", d, ex.text("web.holder.login_title"), status);
}

Response show_login(Exchange& ex) { return login_page(ex, "", ""); }

Response post_login(Exchange& ex) {
  std::string id = ex.field("id");
  Session* s = ex.session(true);
  if (std::string problem = ex.captcha_problem(*s); !problem.empty()) return login_page(ex, id, ex.text(problem), 400);
  try {
    auto h = ex.portal.backends.with([&](Backend& b) { return b.holders().log_in(id, ex.field("security_word")); });
    // A new session id once the security word is right.
    ex.end_session();
    Session* fresh = ex.session(true);
    fresh->holder_pending = h.tckn;
    fresh->holder_mobile = h.mobile;
    fresh->holder_epoch = h.session_epoch;
    return Response::redirect("/bireysel/sms");
  } catch (const UserError& e) {
    return login_page(ex, id, e.text(ex.lang), 400);
  }
}

Session* pending(Exchange& ex) {
  Session* s = ex.session(false);
  return s && !s->holder_pending.empty() ? s : nullptr;
}

Response show_sms(Exchange& ex) {
  Session* s = pending(ex);
  if (!s) return to_login();
  return sms_page(ex, holder_sms_flow(), s->holder_mobile);
}

Response post_sms(Exchange& ex) {
  Session* s = pending(ex);
  if (!s) return to_login();
  return send_sms_code(ex, *s, holder_sms_flow(), s->holder_mobile, "holder:" + s->holder_pending);
}

Response show_code(Exchange& ex) {
  Session* s = pending(ex);
  if (!s) return to_login();
  if (s->sms_code_hash.empty()) return Response::redirect("/bireysel/sms");
  return sms_code_page(ex, *s, holder_sms_flow());
}

Response post_code(Exchange& ex) {
  Session* s = pending(ex);
  if (!s) return to_login();
  Response page;
  switch (check_sms_code(ex, *s, holder_sms_flow(), "holder:" + s->holder_pending, page)) {
    case CodeCheck::none: return Response::redirect("/bireysel/sms");
    case CodeCheck::expired:
    case CodeCheck::wrong: return page;
    case CodeCheck::ok: break;
  }
  s->holder_tckn = s->holder_pending;
  s->holder_pending.clear();
  ex.portal.backends.with([&](Backend& b) {
    b.record_holder_login(s->holder_tckn);
  });
  return Response::redirect("/bireysel/menu");
}

// --- the menu and its actions ------------------------------------------------------

Response menu(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  Data d = menu_frame(ex, *h);
  std::string notice = ex.param("ok");
  if (!notice.empty() && notice.size() < 32 && notice.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos)
    d.set("notice", ex.text("web.holder.done_" + notice));
  return ex.page("holder_menu", d, ex.text("web.holder.menu_title"));
}

// A page that lists the holder's certificates for one action.
Response certificates_page(Exchange& ex, const store::HolderRecord& h, const std::string& name,
                           const std::string& title_key, const std::string& error = "", int status = 200) {
  Data d = menu_frame(ex, h);
  auto certs = ex.portal.backends.with([&](Backend& b) { return b.holders().certificates(h.tckn); });
  Data rows{Data::type::list};
  bool any_on_hold = false, any_active = false, any_suspended = false, any_open = false;
  for (const auto& c : certs) {
    Data row = certificate_row(ex, c);
    if (c.state == ra::CertState::on_hold) {
      row.set("on_hold", true);
      any_on_hold = true;
    }
    if (c.state == ra::CertState::active) {
      row.set("active", true);
      any_active = true;
    }
    if (c.state == ra::CertState::suspended) {
      row.set("suspended", true);
      any_suspended = true;
    }
    if (c.state != ra::CertState::revoked) {
      row.set("open", true);
      any_open = true;
    }
    rows.push_back(row);
  }
  d.set("certificates", rows);
  if (any_on_hold) d.set("any_on_hold", true);
  if (any_active || any_suspended) d.set("any_active_or_suspended", true);
  if (any_open) d.set("any_open", true);
  if (certs.empty()) d.set("none", true);
  if (!error.empty()) d.set("error", error);
  return ex.page(name, d, ex.text(title_key), status);
}

Response list_page(Exchange& ex, const std::string& name, const std::string& title_key) {
  auto h = holder(ex);
  if (!h) return to_login();
  return certificates_page(ex, *h, name, title_key);
}

// Runs a status change asked for on `name`'s page; back to the menu with a
// notice, or the page again with the reason it was refused.
Response status_action(Exchange& ex, const std::string& name, const std::string& title_key, const std::string& done,
                       const std::function<void(ra::HolderDesk&, const store::HolderRecord&)>& action) {
  auto h = holder(ex);
  if (!h) return to_login();
  try {
    ex.portal.backends.with([&](Backend& b) { action(b.holders(), *h); });
  } catch (const UserError& e) {
    return certificates_page(ex, *h, name, title_key, e.text(ex.lang), 400);
  }
  return Response::redirect("/bireysel/menu?ok=" + done);
}

Response show_activate(Exchange& ex) { return list_page(ex, "holder_activate", "web.holder.activate_title"); }
Response post_activate(Exchange& ex) {
  return status_action(ex, "holder_activate", "web.holder.activate_title", "activated",
                       [&](ra::HolderDesk& d, const store::HolderRecord& h) { d.activate(h, ex.field("serial")); });
}

Response show_suspend(Exchange& ex) { return list_page(ex, "holder_suspend", "web.holder.suspend_title"); }
Response post_suspend(Exchange& ex) {
  return status_action(ex, "holder_suspend", "web.holder.suspend_title", "suspended",
                       [&](ra::HolderDesk& d, const store::HolderRecord& h) { d.suspend(h, ex.field("serial")); });
}
Response post_unsuspend(Exchange& ex) {
  return status_action(ex, "holder_suspend", "web.holder.suspend_title", "unsuspended",
                       [&](ra::HolderDesk& d, const store::HolderRecord& h) { d.unsuspend(h, ex.field("serial")); });
}

Response show_revoke(Exchange& ex) { return list_page(ex, "holder_revoke", "web.holder.revoke_title"); }
Response post_revoke(Exchange& ex) {
  return status_action(ex, "holder_revoke", "web.holder.revoke_title", "revoked",
                       [&](ra::HolderDesk& d, const store::HolderRecord& h) {
                         if (ex.field("confirm") != "1") throw UserError("holder.confirm_revoke");
                         std::string reason = ex.field("reason");
                         if (reason.size() != 1 || !std::isdigit(static_cast<unsigned char>(reason[0])))
                           throw UserError("holder.bad_reason");
                         d.revoke(h, ex.field("serial"), reason[0] - '0');
                       });
}

Response show_certificates(Exchange& ex) { return list_page(ex, "holder_certs", "web.holder.certs_title"); }

// /bireysel/sertifikalar/SERIAL (details) and /bireysel/sertifikalar/SERIAL.crt (download).
Response certificate_details(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  std::string rest = ex.req.path.substr(std::string("/bireysel/sertifikalar/").size());
  bool download = rest.ends_with(".crt");
  std::string serial = download ? rest.substr(0, rest.size() - 4) : rest;
  if (serial.empty() || serial.size() > 40 || serial.find_first_not_of("0123456789ABCDEF") != std::string::npos)
    return ex.error_page(404, "web.error.not_found");
  std::optional<ra::HolderCertificate> c;
  try {
    c = ex.portal.backends.with([&](Backend& b) { return b.holders().certificate(h->tckn, serial); });
  } catch (const UserError&) {
    return ex.error_page(404, "web.error.not_found");
  }
  if (download) {
    Response r;
    r.content_type = "application/pkix-cert";
    r.body = to_string(base64_decode(c->record.certificate.value_or("")));
    r.with("Content-Disposition", "attachment; filename=\"" + serial + ".crt\"");
    return r;
  }
  Data d = menu_frame(ex, *h);
  d.set("c", certificate_row(ex, *c));
  // The subject as a person reads it: the name, and the identity number it carries.
  for (const auto& [field, value] : dn_fields(c->record.subject)) {
    if (field == "CN") d.set("subject_name", value);
    if (field == "serialNumber") d.set("subject_id", value.rfind("PNOTR-", 0) == 0 ? value.substr(6) : value);
  }
  d.set("not_before", display_time(c->record.not_before));
  d.set("not_after", display_time(c->record.not_after));
  if (c->record.revoked_at) d.set("revoked_at", display_time(*c->record.revoked_at));
  if (c->record.renews) d.set("renews", *c->record.renews);
  return ex.page("holder_cert", d, ex.text("web.holder.cert_title"));
}

// --- Bilgi Güncelle ----------------------------------------------------------------

const char* const kContactFields[] = {"address", "il", "ilce", "postal_code", "email", "work_phone",
                                      "work_ext", "mobile", "home_phone", "channel"};

Response update_page(Exchange& ex, const store::HolderRecord& h, std::map<std::string, std::string> values,
                     const std::map<std::string, std::string>& errors, int status = 200) {
  Data d = menu_frame(ex, h);
  d.set("v", Exchange::values_data(values));
  d.set("err", ex.errors_data(errors));
  d.set("place_fields", place_fields(ex, values["il"], values["ilce"], errors));
  d.set("tckn", h.tckn);
  // Bilgi Güncelleme Ekranı (seed 004): the record as kept, before the form.
  Data record;
  record.set("tckn", h.tckn);
  record.set("given_name", h.given_name);
  record.set("surname", h.surname);
  record.set("email", h.email);
  auto details = nlohmann::json::parse(h.details, nullptr, false);
  if (details.is_object() && details.value("institution", nlohmann::json()).is_string())
    record.set("institution", details["institution"].get<std::string>());
  record.set("date", date(h.updated_at));
  d.set("record", record);
  return ex.page("holder_update", d, ex.text("web.holder.update_title"), status);
}

Response show_update(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  std::map<std::string, std::string> values;
  auto details = nlohmann::json::parse(h->details, nullptr, false);
  if (details.is_object())
    for (const auto& [k, v] : details.items())
      if (v.is_string()) values[k] = v.get<std::string>();
  values["email"] = h->email;
  values["mobile"] = h->mobile;
  values["channel"] = h->channel;
  // Numbers as the holder typed them ("0542 221 11 11"), not as stored (E.164).
  for (const char* phone : {"mobile", "work_phone", "home_phone"}) values[phone] = display_phone(values[phone]);
  return update_page(ex, *h, values, {});
}

Response post_update(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  ra::FormValues input;
  for (const char* f : kContactFields) input[f] = ex.field(f);
  for (const char* f : {"change_word", "security_word", "security_word2", "current_word"}) input[f] = ex.field(f);
  auto result = ex.portal.backends.with([&](Backend& b) { return b.holders().update(*h, input); });
  if (!result.errors.empty()) {
    std::map<std::string, std::string> values(input.begin(), input.end());
    for (const char* secret : {"security_word", "security_word2", "current_word"}) values.erase(secret);
    if (values["change_word"].empty()) values.erase("change_word");  // an empty value would still tick the box
    return update_page(ex, *h, values, result.errors, 400);
  }
  Session* s = ex.session(false);
  if (result.word_changed) s->holder_epoch = h->session_epoch;  // this session goes on; the others end
  if (result.pending_mobile.empty() && result.pending_email.empty())
    return Response::redirect("/bireysel/menu?ok=updated");
  // A new mobile or e-mail is used once the code sent to it comes back.
  s->contact_mobile = result.pending_mobile;
  s->contact_email = result.pending_email;
  s->contact_expires = now_seconds() + ex.settings->sms_code_seconds;
  s->contact_attempts_left = ex.settings->sms_code_attempts;
  std::string minutes = std::to_string(ex.settings->sms_code_seconds / 60);
  ex.portal.backends.with([&](Backend& b) {
    if (!s->contact_mobile.empty()) {
      std::string code = new_confirmation_code();
      s->contact_mobile_hash = confirmation_hash(s->id, "mobile", code);
      b.send_sms(s->contact_mobile, message("notify.contact_code", {{"code", code}, {"minutes", minutes}}));
    }
    if (!s->contact_email.empty()) {
      std::string code = new_confirmation_code();
      s->contact_email_hash = confirmation_hash(s->id, "email", code);
      b.send_email(s->contact_email, message("notify.contact_code_subject"),
                   message("notify.contact_code", {{"code", code}, {"minutes", minutes}}));
    }
  });
  return Response::redirect("/bireysel/bilgi/onay");
}

// --- Bilgi Güncelle: the new contact's confirmation code ----------------------------

Response contact_page(Exchange& ex, const store::HolderRecord& h, const Session& s, const std::string& error,
                      int status = 200) {
  Data d = menu_frame(ex, h);
  if (!s.contact_mobile.empty()) d.set("mobile", ra::mask_phone(s.contact_mobile));
  if (!s.contact_email.empty()) d.set("email", ra::mask_email(s.contact_email));
  if (!error.empty()) d.set("error", error);
  return ex.page("holder_contact", d, ex.text("web.holder.contact_title"), status);
}

Response show_contact(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  Session* s = ex.session(false);
  if (s->contact_mobile.empty() && s->contact_email.empty()) return Response::redirect("/bireysel/bilgi");
  return contact_page(ex, *h, *s, "");
}

Response post_contact(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  Session* s = ex.session(false);
  if (s->contact_mobile.empty() && s->contact_email.empty()) return Response::redirect("/bireysel/bilgi");
  auto forget = [&] {
    s->contact_mobile.clear();
    s->contact_email.clear();
    s->contact_mobile_hash.clear();
    s->contact_email_hash.clear();
  };
  if (s->contact_expires < now_seconds()) {
    forget();
    return update_page(ex, *h, {}, {{"mobile", "web.holder.contact_expired"}}, 400);
  }
  auto matches = [&](const std::string& expected, const char* purpose, const char* field) {
    if (expected.empty()) return true;
    std::string typed = confirmation_hash(s->id, purpose, ex.field(field));
    return typed.size() == expected.size() && CRYPTO_memcmp(typed.data(), expected.data(), typed.size()) == 0;
  };
  bool mobile_ok = matches(s->contact_mobile_hash, "mobile", "mobile_code");
  bool email_ok = matches(s->contact_email_hash, "email", "email_code");
  if (!mobile_ok || !email_ok) {
    if (--s->contact_attempts_left <= 0) {
      forget();
      return ex.error_page(400, "web.holder.contact_void");
    }
    return contact_page(ex, *h, *s, ex.text("web.holder.contact_wrong", {{"left", std::to_string(s->contact_attempts_left)}}),
                        400);
  }
  std::string mobile = s->contact_mobile, email = s->contact_email;
  forget();
  ex.portal.backends.with([&](Backend& b) { b.holders().confirm_contact(*h, mobile, email); });
  return Response::redirect("/bireysel/menu?ok=updated");
}

// --- PIN / PUK ------------------------------------------------------------------------

// The PIN/PUK page's data: the stored PIN and PUK while there are any.
Data pin_puk_data(Exchange& ex, const store::HolderRecord& h) {
  auto secrets = ex.portal.backends.with([&](Backend& b) { return b.holders().secrets(h.tckn); });
  Data d = menu_frame(ex, h);
  if (secrets) {
    d.set("card_serial", secrets->card_serial);
    if (secrets->secret.pin.empty()) d.set("pin_own", true);  // set by the holder in Kilit Çözme
    else d.set("pin", secrets->secret.pin);
    if (!secrets->secret.puk.empty()) d.set("puk", secrets->secret.puk);
    d.set("has_secrets", true);
  }
  return d;
}

Response show_pin_puk(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  Data d = pin_puk_data(ex, *h);
  if (!ex.param("deleted").empty()) d.set("deleted", true);
  return ex.page("holder_pinpuk", d, ex.text("web.holder.pinpuk_title"));
}

Response pin_puk_pdf(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  auto secrets = ex.portal.backends.with([&](Backend& b) { return b.holders().secrets(h->tckn); });
  if (!secrets) return Response::redirect("/bireysel/pin-puk");
  Response r;
  r.content_type = "application/pdf";
  r.body = render_pin_puk_pdf(
      {h->given_name + " " + h->surname, secrets->card_serial, secrets->secret.pin, secrets->secret.puk,
       format_time(now_seconds(), "%d.%m.%Y")});
  r.with("Content-Disposition", "attachment; filename=\"pin-puk.pdf\"");
  return r;
}

Response delete_pin_puk(Exchange& ex) {
  auto h = holder(ex);
  if (!h) return to_login();
  if (ex.field("confirm") != "1") {
    // Nothing was deleted: the page shows them as before, with the reason.
    Data d = pin_puk_data(ex, *h);
    d.set("error", ex.text("web.holder.pinpuk_confirm_needed"));
    return ex.page("holder_pinpuk", d, ex.text("web.holder.pinpuk_title"), 400);
  }
  ex.portal.backends.with([&](Backend& b) { return b.holders().delete_secrets(h->tckn); });
  return Response::redirect("/bireysel/pin-puk?deleted=1");
}

Response logout(Exchange& ex) {
  ex.end_session();
  return Response::redirect("/bireysel");
}

// --- Güvenlik Sözcüğümü Unuttum ---------------------------------------------------------

Response result_page(Exchange& ex, const std::string& message_key) {
  Data d = frame();
  d.set("message", ex.text(message_key));
  return ex.page("holder_result", d, ex.text("web.holder.result_title"));
}

Response forgot_page(Exchange& ex, const std::string& id, const std::string& error, int status = 200) {
  Data d = frame();
  d.set("id", id);
  if (!error.empty()) d.set("error", error);
  d.set("captcha_nonce", hex_encode(random_bytes(4)));
  return ex.page("holder_forgot", d, ex.text("web.holder.forgot_title"), status);
}

Response show_forgot(Exchange& ex) { return forgot_page(ex, "", ""); }

Response post_forgot(Exchange& ex) {
  std::string id = ex.field("id");
  Session* s = ex.session(true);
  if (std::string problem = ex.captcha_problem(*s); !problem.empty()) return forgot_page(ex, id, ex.text(problem), 400);
  if (id.empty() || id.size() > 20) return forgot_page(ex, id, ex.text("web.holder.id_required"), 400);
  // Looked up and mailed after the answer: the same words, in the same time,
  // whether or not the number is a holder's.
  PortalState& portal = ex.portal;
  bool queued = portal.after_answer->try_post(
      [&portal, id, client = ex.req.remote_ip] {
        ClientAddressScope scope(client);  // the request's address in the audit record
        try {
          portal.backends.with([&](Backend& b) { b.holders().request_reset(id); });
        } catch (const std::exception& e) {
          std::fprintf(stderr, "tugra portal: reset link request failed: %s\n", e.what());
        }
      },
      1000);
  if (!queued) throw ra::Busy();
  return result_page(ex, "web.holder.reset_sent");
}

Response reset_page(Exchange& ex, const std::string& token, const std::map<std::string, std::string>& errors,
                    int status = 200) {
  Data d = frame();
  d.set("token", token);
  d.set("err", ex.errors_data(errors));
  return ex.page("holder_reset", d, ex.text("web.holder.reset_title"), status);
}

Response show_reset(Exchange& ex) {
  std::string token = ex.param("t");
  bool valid = ex.portal.backends.with([&](Backend& b) { return b.holders().reset_holder(token).has_value(); });
  if (!valid) return ex.error_page(400, "holder.bad_link");
  return reset_page(ex, token, {});
}

Response post_reset(Exchange& ex) {
  std::string token = ex.field("t");
  try {
    auto errors = ex.portal.backends.with([&](Backend& b) {
      return b.holders().reset_word(token, ex.field("security_word"), ex.field("security_word2"));
    });
    if (!errors.empty()) return reset_page(ex, token, errors, 400);
  } catch (const UserError& e) {
    return ex.error_page(400, e.key());
  }
  return result_page(ex, "web.holder.reset_done");
}

}  // namespace

Data holder_frame() {
  Data d;
  d.set("holder_crumb", true);
  return d;
}

Data holder_menu_frame(Exchange& ex, const store::HolderRecord& h) {
  Data d = holder_frame();
  d.set("holder_nav", true);
  d.set("session_seconds", std::to_string(ex.settings->session_seconds));
  d.set("holder_name", h.given_name + " " + h.surname);
  return d;
}

std::optional<store::HolderRecord> logged_in_holder(Exchange& ex) {
  Session* s = ex.session(false);
  if (!s || s->holder_tckn.empty()) return std::nullopt;
  auto h = ex.portal.backends.with([&](Backend& b) { return b.holders().find(s->holder_tckn); });
  if (!h || h->session_epoch != s->holder_epoch) {
    ex.end_session();  // the security word was changed since: every session ends then
    return std::nullopt;
  }
  return h;
}

void add_holder_pages(PortalState& p) {
  p.routes["GET /bireysel"] = start;
  p.routes["GET /bireysel/giris"] = show_login;
  p.routes["POST /bireysel/giris"] = post_login;
  p.routes["GET /bireysel/sms"] = show_sms;
  p.routes["POST /bireysel/sms"] = post_sms;
  p.routes["GET /bireysel/sms/kod"] = show_code;
  p.routes["POST /bireysel/sms/kod"] = post_code;
  p.routes["GET /bireysel/menu"] = menu;
  p.routes["GET /bireysel/kullanima-ac"] = show_activate;
  p.routes["POST /bireysel/kullanima-ac"] = post_activate;
  p.routes["GET /bireysel/askiya-al"] = show_suspend;
  p.routes["POST /bireysel/askiya-al"] = post_suspend;
  p.routes["POST /bireysel/askidan-indir"] = post_unsuspend;
  p.routes["GET /bireysel/iptal"] = show_revoke;
  p.routes["POST /bireysel/iptal"] = post_revoke;
  p.routes["GET /bireysel/bilgi"] = show_update;
  p.routes["POST /bireysel/bilgi"] = post_update;
  p.routes["GET /bireysel/bilgi/onay"] = show_contact;
  p.routes["POST /bireysel/bilgi/onay"] = post_contact;
  p.routes["GET /bireysel/sertifikalar"] = show_certificates;
  p.routes["GET /bireysel/pin-puk"] = show_pin_puk;
  p.routes["GET /bireysel/pin-puk.pdf"] = pin_puk_pdf;
  p.routes["POST /bireysel/pin-puk/sil"] = delete_pin_puk;
  p.routes["POST /bireysel/cikis"] = logout;
  p.routes["GET /bireysel/sozcuk/unuttum"] = show_forgot;
  p.routes["POST /bireysel/sozcuk/unuttum"] = post_forgot;
  p.routes["GET /bireysel/sozcuk/yenile"] = show_reset;
  p.routes["POST /bireysel/sozcuk/yenile"] = post_reset;
  p.prefix_routes.emplace_back("GET /bireysel/sertifikalar/", certificate_details);
}

}  // namespace tugra::web
