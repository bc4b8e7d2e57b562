// The holder's pages that work through the card agent (`tugra agent`, on the
// holder's machine; static/agent.js carries messages between it and us):
//   /bireysel/e-imza-giris    E-İmzalı Giriş: the card signs a log-in statement
//   /bireysel/kilit-coz       Kilit Çözme (seed 004): the PUK goes to the agent sealed, once,
//                             and the agent's new PUK comes back sealed
//   /bireysel/pin-degistir    PIN Değiştir
// No PIN ever comes here: the holder types it on the agent's own page.
#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "ra/holder_desk.hpp"
#include "web/agent_support.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {
namespace {

// The origin the holder's browser is on, as it told us (the agent put the
// same browser's word for it into the statement).
std::string page_origin(Exchange& ex) {
  std::string origin = ex.req.header("Origin");
  if (!origin.empty()) return origin;
  return std::string(ex.req.tls ? "https://" : "http://") + ex.req.header("Host");
}

// --- E-İmzalı Giriş ---------------------------------------------------------------------

Response show_card_login(Exchange& ex) {
  Session* s = ex.session(true);
  Data d = holder_frame();
  d.set("agent", agent_block(ex, "authenticate", begin_operation(*s, "login"), "/bireysel/e-imza-giris"));
  return ex.page("holder_card_login", d, ex.text("web.holder.card_login_title"));
}

Response post_card_login(Exchange& ex) {
  if (!operation_matches(ex, "login"))
    return json_refusal(ex, UserError("holder.card_login_failed"), 403);
  end_operation(*ex.session(false));  // the nonce is spent whatever the outcome
  try {
    ra::HolderDesk::CardLoginProof proof{ex.field("certificate"), ex.field("statement"), ex.field("signature")};
    auto h = ex.portal.backends.with([&](Backend& b) {
      return b.holders().log_in_with_card(proof, page_origin(ex), ex.field("nonce"));
    });
    // A new session id for the logged-in holder (as after the SMS code).
    ex.end_session();
    Session* fresh = ex.session(true);
    fresh->holder_tckn = h.tckn;
    fresh->holder_epoch = h.session_epoch;
    return json_answer(200, {{"redirect", "/bireysel/menu"}});
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

// --- Kilit Çözme --------------------------------------------------------------------------

Response unlock_page(Exchange& ex, const store::HolderRecord& h, const std::string& error, int status = 200) {
  Data d = holder_menu_frame(ex, h);
  if (!error.empty()) d.set("error", error);
  Session* s = ex.session(false);
  if (!ex.param("ok").empty()) d.set("done", true);
  else if (s && s->agent_purpose == "unlock") {
    Data a = agent_block(ex, "unlock", s->agent_nonce, "/bireysel/kilit-coz/tamam");
    a.set("card", s->agent_card);
    a.set("server_key", s->agent_server_key);
    a.set("release", "/bireysel/kilit-coz/puk");
    d.set("agent", a);
    d.set("card_serial", s->agent_card);
  } else {
    d.set("ask", true);
  }
  return ex.page("holder_unlock", d, ex.text("web.holder.unlock_title"), status);
}

Response show_unlock(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h) return Response::redirect("/bireysel/giris");
  return unlock_page(ex, *h, "");
}

Response post_unlock(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h) return Response::redirect("/bireysel/giris");
  try {
    auto offer = ex.portal.backends.with([&](Backend& b) { return b.holders().authorize_unlock(*h); });
    Session* s = ex.session(false);
    s->agent_nonce = offer.nonce;
    s->agent_purpose = "unlock";
    s->agent_card = offer.card_serial;
    s->agent_server_key = offer.server_key;
  } catch (const UserError& e) {
    end_operation(*ex.session(false));
    return unlock_page(ex, *h, e.text(ex.lang), 400);
  }
  return Response::redirect("/bireysel/kilit-coz");
}

Response release_puk(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h || !operation_matches(ex, "unlock")) return json_refusal(ex, UserError("holder.unlock_invalid"), 403);
  try {
    std::string sealed = ex.portal.backends.with([&](Backend& b) {
      return b.holders().release_puk(*h, ex.field("nonce"), ex.field("card_serial"), ex.field("agent_key"),
                                     ex.field("sealed_new_puk"));
    });
    return json_answer(200, {{"sealed_puk", sealed}});
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

Response finish_unlock(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h || !operation_matches(ex, "unlock")) return json_refusal(ex, UserError("holder.unlock_invalid"), 403);
  try {
    ex.portal.backends.with([&](Backend& b) { b.holders().complete_unlock(*h, ex.field("nonce")); });
    end_operation(*ex.session(false));
    return json_answer(200, {{"redirect", "/bireysel/kilit-coz?ok=1"}});
  } catch (const UserError& e) {
    return json_refusal(ex, e);
  }
}

// --- PIN Değiştir ---------------------------------------------------------------------------

Response show_pin_change(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h) return Response::redirect("/bireysel/giris");
  Data d = holder_menu_frame(ex, *h);
  d.set("agent", agent_block(ex, "change_pin", begin_operation(*ex.session(false), "pin"), "/bireysel/pin-degistir/tamam"));
  return ex.page("holder_pin_change", d, ex.text("web.holder.pin_change_title"));
}

Response finish_pin_change(Exchange& ex) {
  auto h = logged_in_holder(ex);
  if (!h || !operation_matches(ex, "pin")) return json_refusal(ex, UserError("holder.unlock_invalid"), 403);
  end_operation(*ex.session(false));
  ex.portal.backends.with([&](Backend& b) { b.holders().record_pin_change(*h, ex.field("card_serial")); });
  return json_answer(200, {{"redirect", "/bireysel/menu?ok=pin_changed"}});
}

}  // namespace

void add_card_agent_pages(PortalState& p) {
  p.routes["GET /bireysel/e-imza-giris"] = show_card_login;
  p.routes["POST /bireysel/e-imza-giris"] = post_card_login;
  p.routes["GET /bireysel/kilit-coz"] = show_unlock;
  p.routes["POST /bireysel/kilit-coz"] = post_unlock;
  p.routes["POST /bireysel/kilit-coz/puk"] = release_puk;
  p.routes["POST /bireysel/kilit-coz/tamam"] = finish_unlock;
  p.routes["GET /bireysel/pin-degistir"] = show_pin_change;
  p.routes["POST /bireysel/pin-degistir/tamam"] = finish_pin_change;
}

}  // namespace tugra::web
