// The call centre's page (/operator): unblocking a holder whose log-in was
// blocked after wrong security words (seed 002: "3 kez hatalı girilen
// şifreler ... bloke olacaktır"). Operators log in like institution officers
// (password + TOTP) with the operator role. The page also lists the
// documents a holder signed with the card, to read with the holder on the phone.
#include "common/error.hpp"
#include "ra/holder_desk.hpp"
#include "web/agent_support.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {
namespace {

std::optional<store::Officer> logged_in_operator(Exchange& ex, Backend& b) { return logged_in(ex, b, "operator"); }

// `new_word`: a security word just issued, shown this once to be read out.
Response page(Exchange& ex, const store::Officer& o, const std::string& message, bool error, int status = 200,
              const std::string& new_word = "") {
  Data d;
  d.set("operator", o.full_name);
  if (!new_word.empty()) d.set("new_word", new_word);
  if (!message.empty()) d.set(error ? "error" : "notice", message);
  return ex.page("operator", d, ex.text("web.operator.title"), status);
}

Response show(Exchange& ex) {
  auto o = ex.portal.backends.with([&](Backend& b) { return logged_in_operator(ex, b); });
  if (!o) return Response::redirect("/kurum/giris");
  return page(ex, *o, "", false);
}

Response unblock(Exchange& ex) {
  std::optional<store::Officer> o;
  try {
    ex.portal.backends.with([&](Backend& b) {
      o = logged_in_operator(ex, b);
      if (o) b.holders().unblock(ex.field("tckn"), "operator:" + o->username);
    });
  } catch (const UserError& e) {
    return page(ex, *o, e.text(ex.lang), true, 400);
  }
  if (!o) return Response::redirect("/kurum/giris");
  return page(ex, *o, ex.text("web.operator.unblocked", {{"tckn", ex.field("tckn")}}), false);
}

// Seed 004: a new security word given over the phone (shown once here).
Response issue_word(Exchange& ex) {
  std::optional<store::Officer> o;
  std::string word;
  try {
    ex.portal.backends.with([&](Backend& b) {
      o = logged_in_operator(ex, b);
      if (o) word = b.holders().issue_word(ex.field("tckn"), "operator:" + o->username);
    });
  } catch (const UserError& e) {
    return page(ex, *o, e.text(ex.lang), true, 400);
  }
  if (!o) return Response::redirect("/kurum/giris");
  return page(ex, *o, ex.text("web.operator.word_issued", {{"tckn", ex.field("tckn")}}), false, 200, word);
}

Response lift_suspension(Exchange& ex) {
  std::optional<store::Officer> o;
  std::string serial = ex.field("serial");
  try {
    ex.portal.backends.with([&](Backend& b) {
      o = logged_in_operator(ex, b);
      if (o) b.lift_suspension(serial, "operator:" + o->username);
    });
  } catch (const UserError& e) {
    return page(ex, *o, e.text(ex.lang), true, 400);
  }
  if (!o) return Response::redirect("/kurum/giris");
  return page(ex, *o, ex.text("web.operator.lifted", {{"serial", serial}}), false);
}

// The documents a holder signed with the card (E-Onay, E-İmzalı Başvuru).
Response documents(Exchange& ex) {
  std::string tckn = ex.param("tckn");
  std::optional<store::Officer> o;
  Data d;
  ex.portal.backends.with([&](Backend& b) {
    o = logged_in_operator(ex, b);
    if (!o) return;
    Data rows{Data::type::list};
    for (const auto& doc : b.signed_documents().signed_by(tckn)) {
      Data row = signed_document_data(ex, doc);
      row.set("tckn", tckn);
      rows.push_back(row);
    }
    d.set("documents", rows);
  });
  if (!o) return Response::redirect("/kurum/giris");
  d.set("operator", o->full_name);
  d.set("tckn", tckn);
  d.set("documents_shown", true);
  return ex.page("operator", d, ex.text("web.operator.title"));
}

Response document(Exchange& ex) {
  std::optional<store::Officer> o;
  std::optional<store::SignedDocument> doc;
  ex.portal.backends.with([&](Backend& b) {
    o = logged_in_operator(ex, b);
    if (o) doc = b.signed_documents().find(ex.param("tur"), ex.param("konu"));
  });
  if (!o) return Response::redirect("/kurum/giris");
  if (!doc || doc->tckn != ex.param("tckn")) return ex.error_page(404, "web.error.not_found");
  return signed_pdf_response(*doc);
}

}  // namespace

void add_operator_pages(PortalState& p) {
  p.routes["GET /operator/belgeler"] = documents;
  p.routes["GET /operator/belge"] = document;
  p.routes["GET /operator"] = show;
  p.routes["POST /operator/unblock"] = unblock;
  p.routes["POST /operator/askidan-indir"] = lift_suspension;
  p.routes["POST /operator/sozcuk"] = issue_word;
}

}  // namespace tugra::web
