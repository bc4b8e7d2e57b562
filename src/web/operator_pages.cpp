// The call centre's page (/operator): unblocking a holder whose log-in was
// blocked after wrong security words (seed 002: "3 kez hatalı girilen
// şifreler ... bloke olacaktır"). Operators log in like institution officers
// (password + TOTP) with the operator role.
#include "common/error.hpp"
#include "ra/holder_desk.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {
namespace {

std::optional<store::Officer> logged_in_operator(Exchange& ex, Backend& b) { return logged_in(ex, b, "operator"); }

Response page(Exchange& ex, const store::Officer& o, const std::string& message, bool error, int status = 200) {
  Data d;
  d.set("operator", o.full_name);
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

}  // namespace

void add_operator_pages(PortalState& p) {
  p.routes["GET /operator"] = show;
  p.routes["POST /operator/unblock"] = unblock;
  p.routes["POST /operator/askidan-indir"] = lift_suspension;
}

}  // namespace tugra::web
