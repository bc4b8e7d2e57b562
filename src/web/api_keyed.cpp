// The REST API for key holders, described with the rest of /api/v1 in
// docs/openapi.json:
//
//   /api/v1/institution/…  an institution's key: its staff list, its
//                          applications (receipt, approval, rejection as the
//                          officer console does them) and its webhook;
//   /api/v1/operator/…     an operator key: the card production queue,
//                          shipments and holder unblocking.
//
// A key comes as "Authorization: Bearer tgr_…"; whatever it does is audited
// as "api-key:<id>". POST, PUT and DELETE may carry an Idempotency-Key: the
// first successful answer is kept for a day and given again to a retry of
// the same request. Each key has its own rate limit; wrong keys are limited
// per address. No session, cookie or CSRF token: nothing here is reachable
// from a browser's ambient credentials.
#include <optional>
#include <vector>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "ra/applications.hpp"
#include "web/api_support.hpp"

namespace tugra::web {
namespace {

struct Call {
  Exchange& ex;
  store::ApiKeyRecord key;
  std::vector<std::string> path;  // the segments after /api/v1/<kind>/
  Json body;
  std::string actor;
};

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}


// A string member of the request body ("" when absent); UserError for another type.
std::string text_of(const Json& object, const char* name, const std::string& where = "") {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return "";
  if (!it->is_string()) throw UserError("api.bad_field", {{"field", where + name}});
  return it->get<std::string>();
}

// The problem a refusal of the desks becomes.
Response refusal(Exchange& ex, const UserError& e) {
  static const std::vector<std::string> not_found = {"kurum.no_application", "institution.no_staff", "webhook.none",
                                                     "shipment.not_found", "api.no_production_request"};
  static const std::vector<std::string> conflict = {"kurum.wrong_state", "application.state_changed",
                                                    "production.already_open", "holder.not_blocked",
                                                    "shipment.backwards"};
  auto in = [&](const std::vector<std::string>& keys) {
    return std::find(keys.begin(), keys.end(), e.key()) != keys.end();
  };
  if (in(not_found)) return api_problem(ex, 404, "not_found", e.text(ex.lang));
  if (in(conflict)) return api_problem(ex, 409, "conflict", e.text(ex.lang));
  return api_problem(ex, 422, "invalid", e.text(ex.lang));
}

// --- institutions ----------------------------------------------------------------

Json application_json(const store::Application& a) {
  auto v = ra::form_values(a);
  Json j{{"id", a.id},
         {"tckn", a.tckn},
         {"given_name", v["given_name"]},
         {"surname", v["surname"]},
         {"state", store::to_string(a.state)},
         {"receipt_no", a.receipt_no},
         {"created_at", format_iso(a.created_at)},
         {"updated_at", format_iso(a.updated_at)}};
  if (!a.reject_reason.empty()) j["reject_reason"] = a.reject_reason;
  if (a.production_request_id) j["production_request"] = a.production_request_id;
  return j;
}

// A list: ?cursor=, ?limit= and ?state= (one of `states`; "" for all),
// the rows read by `fetch(state, page)` with one more than the limit.
template <typename Fetch, typename ToJson>
Response list(Call& c, const std::vector<std::string>& states, Fetch fetch, ToJson to_json) {
  PageRequest page;
  Response problem;
  if (!page_request(c.ex, page, problem)) return problem;
  std::string state = c.ex.param("state");
  if (std::find(states.begin(), states.end(), state) == states.end()) return api_problem(c.ex, 400, "bad_state");
  auto rows = c.ex.portal.backends.with([&](Backend& b) { return fetch(b, state, page); });
  return api_json(page_answer(rows, page, to_json));
}

Response list_applications(Call& c) {
  return list(
      c, {"", "confirmed", "submitted", "received", "approved", "rejected"},
      [&](Backend& b, const std::string& state, const PageRequest& page) {
        return b.applications_page(c.key.institution_id, state, page.after_id, page.limit + 1);
      },
      application_json);
}

Response application(Call& c, std::int64_t id, const std::string& action) {
  auto officer = ra::api_officer(c.key);
  auto a = c.ex.portal.backends.with([&](Backend& b) {
    auto& desk = b.applications();
    if (action.empty()) return desk.get(officer, id);
    if (action == "receipt") return desk.receive(officer, id, text_of(c.body, "receipt_no"));
    if (action == "approve") return desk.approve(officer, id);
    return desk.reject(officer, id, text_of(c.body, "reason"));
  });
  return api_json(application_json(a));
}

Response upsert_staff(Call& c) {
  static const char* kColumns[] = {"tckn", "sicil_no", "unit", "title", "address", "il", "ilce", "postal_code"};
  auto list = c.body.find("staff");
  if (list == c.body.end() || !list->is_array() || list->empty() || list->size() > 10000)
    throw UserError("api.bad_staff_list");
  std::vector<CsvRow> rows;
  int index = 0;
  for (const auto& person : *list) {
    ++index;
    std::string where = "staff[" + std::to_string(index - 1) + "].";
    if (!person.is_object()) throw UserError("api.bad_field", {{"field", "staff[" + std::to_string(index - 1) + "]"}});
    CsvRow row{index, {}};
    for (const char* column : kColumns) row.fields.push_back(text_of(person, column, where));
    rows.push_back(std::move(row));
  }
  auto report = c.ex.portal.backends.with(
      [&](Backend& b) { return b.upsert_staff(c.key.institution_id, rows, c.actor); });
  if (!report.errors.empty()) {
    Json errors = Json::array();
    for (const auto& [line, text] : report.errors) errors.push_back({{"index", line - 1}, {"message", text}});
    return api_problem(c.ex, 422, "invalid_rows", "", {{"errors", errors}});
  }
  return api_json(Json{{"upserted", report.imported}});
}

Response remove_staff(Call& c, const std::string& tckn) {
  c.ex.portal.backends.with([&](Backend& b) { b.remove_staff(c.key.institution_id, tckn, c.actor); });
  return api_json(Json{{"removed", tckn}});
}

Response webhook(Call& c) {
  const std::string& method = c.ex.req.method;
  return c.ex.portal.backends.with([&](Backend& b) -> Response {
    auto& hooks = b.webhooks();
    if (method == "PUT") {
      std::string url = text_of(c.body, "url");
      std::string secret = hooks.subscribe(c.key.institution_id, url, c.actor);
      return api_json(Json{{"url", url}, {"secret", secret}});
    }
    if (method == "DELETE") {
      hooks.unsubscribe(c.key.institution_id, c.actor);
      return api_json(Json{{"removed", true}});
    }
    auto hook = hooks.subscription(c.key.institution_id);
    if (!hook) throw UserError("webhook.none");
    return api_json(Json{{"url", hook->url}, {"created_at", format_iso(hook->created_at)}});
  });
}

Response deliveries(Call& c) {
  return list(
      c, {""},
      [&](Backend& b, const std::string&, const PageRequest& page) {
        return b.webhooks().deliveries(c.key.institution_id, page.after_id, page.limit + 1);
      },
      [](const store::WebhookDelivery& d) {
        return Json{{"id", d.id},
                    {"event_id", std::to_string(d.event_id)},
                    {"type", d.type},
                    {"attempted_at", format_iso(d.attempted_at)},
                    {"status", d.status},
                    {"error", d.error}};
      });
}

// --- operators ---------------------------------------------------------------------

Json production_json(const store::ProductionRequest& r) {
  Json j{{"id", r.id},
         {"tckn", r.tckn},
         {"given_name", r.given_name},
         {"surname", r.surname},
         {"years", r.years},
         {"state", store::to_string(r.state)},
         {"attempt", r.attempt},
         {"created_at", format_iso(r.created_at)},
         {"updated_at", format_iso(r.updated_at)}};
  if (!r.certificate_serial.empty()) j["certificate_serial"] = r.certificate_serial;
  if (!r.tracking_number.empty()) j["tracking_number"] = r.tracking_number;
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

Response list_production(Call& c) {
  return list(
      c, {"", "queued", "in_progress", "done", "failed"},
      [](Backend& b, const std::string& state, const PageRequest& page) {
        return b.production_page(state, page.after_id, page.limit + 1);
      },
      production_json);
}

Response production_request(Call& c, std::int64_t id) {
  auto r = c.ex.portal.backends.with([&](Backend& b) { return b.production_request(id); });
  if (!r) throw UserError("api.no_production_request", {{"id", std::to_string(id)}});
  return api_json(production_json(*r));
}

Response enqueue(Call& c) {
  ra::ProductionOrder order;
  order.tckn = text_of(c.body, "tckn");
  order.given_name = text_of(c.body, "given_name");
  order.surname = text_of(c.body, "surname");
  order.phone = text_of(c.body, "phone");
  order.email = text_of(c.body, "email");
  if (auto years = c.body.find("years"); years != c.body.end()) {
    if (!years->is_number_integer()) throw UserError("api.bad_field", {{"field", "years"}});
    order.years = years->get<int>();
  }
  if (std::string limit = text_of(c.body, "limit"); !limit.empty()) order.limit = limit;
  auto r = c.ex.portal.backends.with([&](Backend& b) { return b.enqueue_production(order, c.actor); });
  return api_json(production_json(r), 201);
}

Response update_shipment(Call& c, const std::string& tracking) {
  auto s = c.ex.portal.backends.with([&](Backend& b) {
    return b.shipments().update(tracking, text_of(c.body, "state"), text_of(c.body, "note"), c.actor);
  });
  return api_json(Json{{"tracking_number", s.tracking_number},
                       {"state", s.state},
                       {"updated_at", format_iso(s.updated_at)}});
}

Response unblock(Call& c, const std::string& tckn) {
  c.ex.portal.backends.with([&](Backend& b) { b.holders().unblock(tckn, c.actor); });
  return api_json(Json{{"tckn", tckn}, {"unblocked", true}});
}

// --- routing ------------------------------------------------------------------------

// The handler of (method, path) for the key's kind, with the scope it needs;
// none when the path is not the API's (404), the method unknown (405).
struct Route {
  std::string scope;
  std::function<Response(Call&)> run;
};

std::optional<Route> route(const std::string& kind, const std::string& method, const std::vector<std::string>& p,
                           bool& path_known) {
  path_known = true;
  auto at = [&](std::size_t n, const char* m) { return method == m && p.size() == n; };
  if (kind == "institution") {
    if (!p.empty() && p[0] == "applications") {
      std::int64_t id = p.size() >= 2 ? id_number(p[1]) : 0;
      bool action = id && p.size() == 3 && (p[2] == "receipt" || p[2] == "approve" || p[2] == "reject");
      if (at(1, "GET")) return Route{"applications", list_applications};
      if (id && at(2, "GET")) return Route{"applications", [id](Call& c) { return application(c, id, ""); }};
      if (action && method == "POST") {
        std::string what = p[2];
        return Route{"applications", [id, what](Call& c) { return application(c, id, what); }};
      }
      if (p.size() == 1 || (id && p.size() == 2) || action) return std::nullopt;  // another method
    }
    if (!p.empty() && p[0] == "staff") {
      if (at(1, "POST")) return Route{"staff", upsert_staff};
      if (at(2, "DELETE")) {
        std::string tckn = p[1];
        return Route{"staff", [tckn](Call& c) { return remove_staff(c, tckn); }};
      }
      if (p.size() <= 2) return std::nullopt;
    }
    if (!p.empty() && p[0] == "webhook") {
      if (p.size() == 1 && (method == "GET" || method == "PUT" || method == "DELETE")) return Route{"webhook", webhook};
      if (p.size() == 2 && p[1] == "deliveries" && method == "GET") return Route{"webhook", deliveries};
      if (p.size() <= 2) return std::nullopt;
    }
  } else {
    if (!p.empty() && p[0] == "production") {
      if (at(1, "GET")) return Route{"production", list_production};
      if (at(1, "POST")) return Route{"production", enqueue};
      std::int64_t id = p.size() == 2 ? id_number(p[1]) : 0;
      if (id && at(2, "GET")) return Route{"production", [id](Call& c) { return production_request(c, id); }};
      if (p.size() <= 2) return std::nullopt;
    }
    if (p.size() == 2 && p[0] == "shipments") {
      if (method != "POST") return std::nullopt;
      std::string tracking = p[1];
      return Route{"shipments", [tracking](Call& c) { return update_shipment(c, tracking); }};
    }
    if (p.size() == 3 && p[0] == "holders" && p[2] == "unblock") {
      if (method != "POST") return std::nullopt;
      std::string tckn = p[1];
      return Route{"holders", [tckn](Call& c) { return unblock(c, tckn); }};
    }
  }
  path_known = false;
  return std::nullopt;
}

std::string bearer_token(const Request& req) {
  std::string h = req.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || h.compare(0, kBearer.size(), kBearer) != 0) return "";
  return h.substr(kBearer.size());
}

bool valid_idempotency_key(const std::string& k) {
  return !k.empty() && k.size() <= 255 &&
         std::all_of(k.begin(), k.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

Response answer(Exchange& ex) {
  const Request& req = ex.req;
  // /api/v1/<kind>/<rest>
  std::string rest = req.path.substr(std::string("/api/v1/").size());
  std::string kind = rest.substr(0, rest.find('/'));
  auto key = ex.portal.backends.with([&](Backend& b) { return b.api_keys().authenticate(bearer_token(req)); });
  if (!key) {
    // A wrong key costs the address: 256-bit secrets are not guessed, but
    // nobody gets to try at line rate either.
    if (!ex.portal.api_failure_limiter.allow(req.remote_ip)) return api_problem(ex, 429, "rate");
    return api_problem(ex, 401, "unauthorized").with("WWW-Authenticate", "Bearer realm=\"tugra\"");
  }
  if (!ex.portal.api_key_limiter.allow("key:" + std::to_string(key->id))) return api_problem(ex, 429, "rate");
  if (key->kind != kind) return api_problem(ex, 403, "forbidden");

  Call call{ex, *key, segments(rest.size() > kind.size() ? rest.substr(kind.size() + 1) : ""), Json::object(),
            ra::api_actor(*key)};
  bool path_known = false;
  auto found = route(kind, req.method, call.path, path_known);
  if (!found) return path_known ? api_problem(ex, 405, "method") : api_problem(ex, 404, "not_found");
  if (!ra::has_scope(*key, found->scope)) return api_problem(ex, 403, "scope");

  bool changes = req.method != "GET";
  if (changes && !req.body.empty()) {
    if (req.header("Content-Type").rfind("application/json", 0) != 0) return api_problem(ex, 415, "media_type");
    call.body = Json::parse(req.body, nullptr, false);
    if (call.body.is_discarded() || !call.body.is_object()) return api_problem(ex, 400, "bad_json");
  }

  std::string idempotency_key = req.header("Idempotency-Key");
  if (changes && !idempotency_key.empty()) {
    if (!valid_idempotency_key(idempotency_key)) return api_problem(ex, 400, "bad_idempotency_key");
    std::string request_hash = ossl::sha256_hex(as_bytes(req.method + " " + req.path + "\n" + req.body));
    auto kept = ex.portal.backends.with(
        [&](Backend& b) { return b.claim_idempotency(key->id, idempotency_key, request_hash); });
    if (kept) {
      if (kept->request_hash != request_hash) return api_problem(ex, 422, "idempotency_mismatch");
      if (kept->status == 0) return api_problem(ex, 409, "idempotency_in_progress");
      Response again = api_json(Json::parse(kept->body), kept->status);
      return again.with("Idempotent-Replayed", "true");
    }
  } else {
    idempotency_key.clear();  // GETs need none
  }

  Response r;
  try {
    r = found->run(call);
  } catch (const UserError& e) {
    r = refusal(ex, e);
  } catch (...) {
    if (!idempotency_key.empty())
      ex.portal.backends.with([&](Backend& b) { b.release_idempotency(key->id, idempotency_key); });
    throw;
  }
  if (!idempotency_key.empty()) {
    ex.portal.backends.with([&](Backend& b) {
      // Only a success is kept: a refused request changed nothing and may be sent again once mended.
      if (r.status >= 200 && r.status < 300) b.keep_answer(key->id, idempotency_key, r.status, r.body);
      else b.release_idempotency(key->id, idempotency_key);
    });
  }
  return r;
}

}  // namespace

Response keyed_api(Exchange& ex) {
  Response r;
  try {
    r = answer(ex);
  } catch (const ra::Busy&) {
    r = api_problem(ex, 503, "busy").with("Retry-After", "2");
  } catch (const UserError& e) {
    r = refusal(ex, e);
  }
  // What a key reads is the institution's own: no cache keeps it.
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Cache-Control"; });
  return r.with("Cache-Control", "no-store");
}

}  // namespace tugra::web
