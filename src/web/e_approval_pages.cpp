// E-Onay İşlemleri (the holder menu of seed 001): the documents that await
// the holder's electronic approval — the acceptance of each certificate in
// use and the undertaking of a renewal applied for on paper — viewed as
// PDF and signed with the card through the card agent (PAdES, BTK P4); the
// signed ones are kept with their validation report.
//   /bireysel/e-onay                     the list, awaited and signed
//   /bireysel/e-onay/belge?tur=&konu=    a document as PDF (the signed one once signed)
//   /bireysel/e-onay/imzala?tur=&konu=   sign it: the agent block
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "ra/holder_desk.hpp"
#include "web/agent_support.hpp"
#include "web/application_pdf.hpp"
#include "web/pdf_page.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {

namespace {

// "Nitelikli Elektronik Sertifika Kabul Beyanı" of one certificate.
std::string acceptance_pdf(const store::HolderRecord& h, const ra::HolderCertificate& c) {
  auto tr = [](const char* key) { return message(Lang::tr, std::string("eonay.") + key); };
  PdfPage page(595, 842, tr("acceptance_title"));
  PdfPage::Column col(page, 48, 48, 499);
  col.text(message(Lang::tr, "pdf.provider"), 9, true, 0);
  col.text(tr("acceptance_title"), 14, true, 8);
  col.rule();
  col.field(tr("holder"), h.given_name + " " + h.surname);
  col.field(tr("tckn"), h.tckn);
  col.field(tr("serial"), c.record.serial);
  col.field(tr("subject"), c.record.subject);
  col.field(tr("validity"), format_time(c.record.not_before, "%d.%m.%Y") + " - " + format_time(c.record.not_after, "%d.%m.%Y"));
  col.field(tr("card"), c.card_serial);
  col.rule();
  for (const char* k : {"acceptance_1", "acceptance_2", "acceptance_3"}) col.text(tr(k), 10, false, 6);
  return page.finish();
}

struct Wanted {
  std::string kind, subject;
};

Wanted wanted(Exchange& ex, bool from_form) {
  Wanted w{from_form ? ex.field("tur") : ex.param("tur"), from_form ? ex.field("konu") : ex.param("konu")};
  if (w.kind != "acceptance" && w.kind != "renewal_undertaking") w.kind.clear();
  if (w.subject.size() > 64) w.subject.clear();
  return w;
}

// The unsigned PDF of an awaited document; UserError when it does not await `h`.
std::string awaited_pdf(Exchange& ex, const store::HolderRecord& h, const Wanted& w) {
  return ex.portal.backends.with([&](Backend& b) -> std::string {
    if (!b.signed_documents().awaits(h.tckn, w.kind, w.subject)) throw UserError("esign.not_awaited");
    if (w.kind == "acceptance") return acceptance_pdf(h, b.holders().certificate(h.tckn, w.subject));
    auto a = b.application(std::stoll(w.subject));
    if (!a || a->tckn != h.tckn) throw UserError("esign.not_awaited");
    return application_print(ex, *a);
  });
}

std::string purpose_of(const Wanted& w) { return "eonay:" + w.kind + ":" + w.subject; }

Response list(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h) return Response::redirect("/bireysel/giris");
  Data d = holder_menu_frame(ex, *h);
  Data awaited{Data::type::list}, done{Data::type::list};
  ex.portal.backends.with([&](Backend& b) {
    for (const auto& a : b.signed_documents().awaited(h->tckn)) {
      Data row;
      row.set("title", ex.text("web.eonay.kind_" + a.kind));
      row.set("subject", a.subject);
      row.set("query", "tur=" + a.kind + "&konu=" + a.subject);
      awaited.push_back(row);
    }
    for (const auto& s : b.signed_documents().signed_by(h->tckn)) {
      if (s.kind == "application") continue;  // E-İmzalı Başvuru's form is the officer's
      Data row;
      row.set("title", ex.text("web.eonay.kind_" + s.kind));
      row.set("subject", s.subject);
      row.set("query", "tur=" + s.kind + "&konu=" + s.subject);
      row.set("verdict", s.verdict);
      row.set("signed_at", format_time(s.signed_at, "%d.%m.%Y %H:%M"));
      done.push_back(row);
    }
  });
  d.set("awaited", awaited);
  d.set("signed", done);
  if (!ex.param("ok").empty()) d.set("notice", ex.text("web.eonay.done"));
  return ex.page("holder_eonay", d, ex.text("web.eonay.title"));
}

Response document(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h) return Response::redirect("/bireysel/giris");
  Wanted w = wanted(ex, false);
  auto signed_doc = ex.portal.backends.with([&](Backend& b) { return b.signed_documents().find(w.kind, w.subject); });
  Response r;
  r.content_type = "application/pdf";
  if (signed_doc && signed_doc->tckn == h->tckn) {
    Bytes pdf = base64_decode(signed_doc->signed_document);
    r.body.assign(pdf.begin(), pdf.end());
  } else {
    r.body = awaited_pdf(ex, *h, w);
  }
  r.with("Content-Disposition", "inline; filename=\"" + w.kind + ".pdf\"");
  return r;
}

Response show_sign(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h) return Response::redirect("/bireysel/giris");
  Wanted w = wanted(ex, false);
  bool waits = ex.portal.backends.with([&](Backend& b) { return b.signed_documents().awaits(h->tckn, w.kind, w.subject); });
  if (!waits) return ex.error_page(400, "esign.not_awaited");
  Data d = holder_menu_frame(ex, *h);
  d.set("title", ex.text("web.eonay.kind_" + w.kind));
  d.set("query", "tur=" + w.kind + "&konu=" + w.subject);
  Data agent = agent_block(ex, "sign", begin_operation(*ex.session(false), purpose_of(w)), "/bireysel/e-onay/tamam");
  agent.set("request", "/bireysel/e-onay/istek");
  d.set("agent", agent);
  return ex.page("holder_eonay_sign", d, ex.text("web.eonay.title"));
}

// The session's E-Onay operation: which document it is for.
std::optional<Wanted> pending(Exchange& ex) {
  Session* s = ex.session(false);
  if (!s || s->agent_purpose.rfind("eonay:", 0) != 0 || !operation_matches(ex, s->agent_purpose)) return std::nullopt;
  std::string rest = s->agent_purpose.substr(6);
  auto colon = rest.find(':');
  return Wanted{rest.substr(0, colon), rest.substr(colon + 1)};
}

Response sign_request(Exchange& ex) {
  auto h = logged_in_holder(ex);
  auto w = pending(ex);
  if (!h || !w) return json_refusal(ex, UserError("esign.nothing_pending"), 403);
  try {
    return json_answer(200, prepare_card_signature(ex, *ex.session(false), purpose_of(*w), awaited_pdf(ex, *h, *w),
                                                   w->kind + "-" + w->subject + ".pdf"));
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

Response sign_finish(Exchange& ex) {
  auto h = logged_in_holder(ex);
  auto w = pending(ex);
  if (!h || !w) return json_refusal(ex, UserError("esign.nothing_pending"), 403);
  end_operation(*ex.session(false));
  try {
    auto signed_pdf = finish_card_signature(ex, *ex.session(false), purpose_of(*w));
    ex.portal.backends.with([&](Backend& b) { b.signed_documents().approve(h->tckn, w->kind, w->subject, signed_pdf); });
    return json_answer(200, {{"redirect", "/bireysel/e-onay?ok=1"}});
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

}  // namespace

void add_e_approval_pages(PortalState& p) {
  p.routes["GET /bireysel/e-onay"] = list;
  p.routes["GET /bireysel/e-onay/belge"] = document;
  p.routes["GET /bireysel/e-onay/imzala"] = show_sign;
  p.routes["POST /bireysel/e-onay/istek"] = sign_request;
  p.routes["POST /bireysel/e-onay/tamam"] = sign_finish;
}

}  // namespace tugra::web
