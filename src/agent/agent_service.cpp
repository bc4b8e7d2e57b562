#include "agent/agent_service.hpp"

#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "card/login_statement.hpp"
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/url.hpp"
#include "crypto/openssl.hpp"
#include "crypto/sealed_box.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& agent_files();
}

namespace tugra::agent {
namespace {

using nlohmann::json;
using Data = kainjow::mustache::data;

// The agent's own pages: no script at all, nothing from elsewhere, never framed
// (a portal page cannot overlay them to catch the PIN).
constexpr const char* kPageCsp =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

std::string embedded(const std::string& name) {
  for (const auto& [file, text] : embedded::agent_files())
    if (file == name) return std::string(text);
  throw std::logic_error("agent: no embedded file " + name);
}

AgentResponse json_response(int status, const json& body, Headers headers = {}) {
  headers.emplace_back("Cache-Control", "no-store");
  return {status, "application/json", body.dump(), std::move(headers)};
}

AgentResponse refusal(int status, const std::string& key, Lang lang, Headers headers = {}) {
  return json_response(status, json{{"error", key}, {"message", message(lang, key)}}, std::move(headers));
}

Lang lang_of(const std::string& accept_language) {
  return accept_language.rfind("en", 0) == 0 ? Lang::en : Lang::tr;
}

bool digits(const std::string& s, std::size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789") == std::string::npos;
}

// Uniform decimal digits from the CSPRNG (bytes >= 250 are drawn again).
std::string random_digits(std::size_t n) {
  std::string out;
  while (out.size() < n)
    for (auto b : random_bytes(16))
      if (b < 250 && out.size() < n) out += static_cast<char>('0' + b % 10);
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  return hex_encode(ByteView(digest, n));
}

void wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace

AgentService::AgentService(AgentSettings settings, card::CardReader reader)
    : settings_(std::move(settings)), reader_(std::move(reader)), policy_(settings_.origins) {
  std::string port = std::to_string(settings_.port);
  bool v6 = settings_.host.find(':') != std::string::npos;
  own_origin_ = "http://" + (v6 ? "[" + settings_.host + "]" : settings_.host) + ":" + port;
  hosts_ = {(v6 ? "[" + settings_.host + "]" : settings_.host) + ":" + port, "localhost:" + port};
}

AgentResponse AgentService::handle(const AgentRequest& r) {
  Lang lang = lang_of(r.accept_language);
  // A name that resolves to 127.0.0.1 (DNS rebinding) does not make a page same-origin with us.
  if (!hosts_.count(r.host)) return refusal(421, "agent.error.host", lang);
  if (r.path.rfind("/v1/", 0) == 0 || r.method == "OPTIONS") return api(r);
  if (r.method == "GET" && r.path == "/agent.css") return {200, "text/css", embedded("agent.css"), {}};
  return page(r, lang);
}

AgentResponse AgentService::api(const AgentRequest& r) {
  Lang lang = lang_of(r.accept_language);  // the page's browser says which the holder reads
  if (!policy_.allowed(r.origin)) return refusal(403, "agent.error.origin", lang);
  Headers cors = OriginPolicy::cors(r.origin);
  if (r.method == "OPTIONS") return {204, "", "", OriginPolicy::preflight(r.origin, r.private_network)};
  std::lock_guard lock(book_.mutex());
  try {
    if (r.method == "GET" && r.path == "/v1/status") {
      AgentResponse s = status();
      s.headers.insert(s.headers.end(), cors.begin(), cors.end());
      return s;
    }
    if (r.method == "GET" && r.path == "/v1/certificate") {
      for (const auto& c : reader_.cards())
        if (!c.blank)
          for (const auto& cert : reader_.certificates(c.slot))
            return json_response(200, json{{"card_serial", c.serial}, {"certificate", base64_encode(cert.der)}}, cors);
      return refusal(404, "agent.error.no_card", lang, cors);
    }
    if (r.method == "POST" && r.path == "/v1/operations") {
      if (r.content_type.rfind("application/json", 0) != 0) return refusal(415, "agent.error.bad_json", lang, cors);
      Operation& op = book_.create(r.origin, parse_operation(r.body));
      if (op.request.kind == Kind::authenticate)
        op.result["statement"] = card::LoginStatement{op.origin, op.request.nonce, now_seconds()}.text();
      return json_response(201, json{{"id", op.id}, {"confirm_url", own_origin_ + "/islem/" + op.id}}, cors);
    }
    static const std::string kOps = "/v1/operations/";
    if (r.path.rfind(kOps, 0) == 0) {
      std::string rest = r.path.substr(kOps.size());
      bool puk = rest.size() > 4 && rest.compare(rest.size() - 4, 4, "/puk") == 0;
      if (puk) rest.resize(rest.size() - 4);
      Operation* op = book_.find(rest, &r.origin);
      if (!op) return refusal(404, "agent.error.no_operation", lang, cors);
      if (r.method == "GET" && !puk) {
        json view = op->public_view();
        if (op->state == State::failed)
          view["message"] = op->error_text.empty() ? message(lang, op->error_key) : op->error_text;
        if (op->state == State::waiting) view.erase("result");
        return json_response(200, view, cors);
      }
      if (r.method == "POST" && puk) {
        AgentResponse a = deliver_puk(*op, r.body, lang);
        a.headers.insert(a.headers.end(), cors.begin(), cors.end());
        return a;
      }
    }
    return refusal(404, "agent.error.not_found", lang, cors);
  } catch (const RequestError& e) {
    return refusal(400, e.key(), lang, cors);
  }
}

AgentResponse AgentService::status() {
  json cards = json::array();
  for (const auto& c : reader_.cards()) {
    json card{{"slot", c.slot}, {"serial", c.serial}, {"label", c.label}, {"state", c.state()},
              {"pin_tries_left", c.pin.tries_left}, {"puk_tries_left", c.puk.tries_left}};
    if (!c.blank)
      for (const auto& cert : reader_.certificates(c.slot)) {
        card["holder"] = cert.subject;
        break;
      }
    cards.push_back(card);
  }
  return json_response(200, json{{"agent", "tugra"}, {"cards", cards}});
}

card::CardInfo AgentService::card_for(const Operation& op) const {
  for (const auto& c : reader_.cards()) {
    if (c.blank) continue;
    if (op.request.kind != Kind::unlock || c.serial == op.request.card_serial) return c;
  }
  throw UserError(op.request.kind == Kind::unlock ? "agent.error.wrong_card" : "agent.error.no_card",
                  {{"serial", op.request.card_serial}});
}

AgentResponse AgentService::page(const AgentRequest& r, Lang lang) {
  std::lock_guard lock(book_.mutex());
  auto id_after = [&](const std::string& prefix) {
    return r.path.rfind(prefix, 0) == 0 ? r.path.substr(prefix.size()) : std::string();
  };
  if (std::string id = id_after("/belge/"); !id.empty() && r.method == "GET") {
    Operation* op = book_.find(id);
    if (!op || op->request.kind != Kind::sign) return {404, "text/plain; charset=utf-8", message(lang, "agent.error.no_operation"), {}};
    return {200, "application/pdf", op->request.document,
            {{"Content-Disposition", "inline; filename=\"belge.pdf\""}, {"Cache-Control", "no-store"}}};
  }
  std::string id = id_after("/islem/");
  Operation* op = id.empty() ? nullptr : book_.find(id);
  if (!op) {
    AgentResponse a{404, "text/plain; charset=utf-8", message(lang, "agent.error.no_operation"), {}};
    return a;
  }
  if (r.method == "GET") return render(lang, *op, "");
  if (r.method == "POST") {
    // Only this agent's own page can confirm: the browser says where the form was.
    if (r.origin != own_origin_) return {403, "text/plain; charset=utf-8", message(lang, "agent.error.origin"), {}};
    return confirm(r, lang, *op);
  }
  return {405, "text/plain; charset=utf-8", "", {}};
}

AgentResponse AgentService::confirm(const AgentRequest& r, Lang lang, Operation& op) {
  FormFields form;
  try {
    form = parse_form(r.body, FormLimits{8, 32, 256});
  } catch (const std::invalid_argument&) {
    return render(lang, op, message(lang, "agent.error.bad_form"), 400);
  }
  auto field = [&](const std::string& name) {
    for (const auto& [n, v] : form)
      if (n == name) return v;
    return std::string();
  };
  if (field("token") != op.form_token) return render(lang, op, message(lang, "agent.error.bad_form"), 403);
  if (op.state != State::waiting) return render(lang, op, message(lang, "agent.error.not_waiting"), 409);
  if (field("action") == "cancel") {
    op.state = State::failed;
    op.error_key = "agent.error.cancelled";
    return render(lang, op, "");
  }
  std::string pin = field("pin"), new_pin = field("new_pin"), again = field("new_pin2");
  struct Wipe {
    std::string* a; std::string* b; std::string* c;
    ~Wipe() { wipe(*a); wipe(*b); wipe(*c); }
  } wipe_all{&pin, &new_pin, &again};
  const Kind kind = op.request.kind;
  if (kind == Kind::change_pin || kind == Kind::unlock) {
    if (!digits(new_pin, 6)) return render(lang, op, message(lang, "card.pin_format"), 400);
    if (new_pin != again) return render(lang, op, message(lang, "agent.error.pins_differ"), 400);
  }
  try {
    card::CardInfo card = card_for(op);
    switch (kind) {
      case Kind::authenticate:
      case Kind::sign: {
        card::CardKey key = reader_.signing_key(card.slot, pin);
        std::string statement = kind == Kind::authenticate ? op.result["statement"].get<std::string>() : "";
        Bytes data = kind == Kind::sign ? op.request.signed_attributes
                                        : Bytes(statement.begin(), statement.end());
        op.result["signature"] = base64_encode(key.signer->sign(data));
        op.result["certificate"] = base64_encode(key.certificate.der);
        op.result["card_serial"] = card.serial;
        op.state = State::done;
        break;
      }
      case Kind::change_pin:
        reader_.change_pin(card.slot, pin, new_pin);
        op.result["card_serial"] = card.serial;
        op.state = State::done;
        break;
      case Kind::unlock: {
        // The new PUK goes to the portal sealed to its key before the card
        // changes, so that the portal already holds it when the card does.
        op.box = std::make_unique<BoxKeyPair>();
        op.new_pin = new_pin;
        op.new_puk = random_digits(8);
        op.result["card_serial"] = card.serial;
        op.result["agent_key"] = base64_encode(op.box->public_key());
        op.result["sealed_new_puk"] = base64_encode(seal_to(op.request.server_key, as_bytes(op.new_puk)));
        op.state = State::needs_puk;
        break;
      }
    }
  } catch (const UserError& e) {
    // A wrong PIN leaves the operation waiting (the card counts the tries);
    // a missing or different card ends it.
    if (e.key() == "agent.error.wrong_card" || e.key() == "agent.error.no_card") {
      op.state = State::failed;
      op.error_key = e.key();
      op.error_text = e.text(lang);
      return render(lang, op, "", 409);
    }
    return render(lang, op, e.text(lang), 400);
  }
  return render(lang, op, "");
}

AgentResponse AgentService::deliver_puk(Operation& op, const std::string& body, Lang lang) {
  if (op.request.kind != Kind::unlock || op.state != State::needs_puk) return refusal(409, "agent.error.not_waiting", lang);
  Bytes sealed = parse_puk_delivery(body);
  std::string puk;
  try {
    Bytes plain = op.box->open(sealed);
    puk.assign(plain.begin(), plain.end());
    OPENSSL_cleanse(plain.data(), plain.size());
  } catch (const std::invalid_argument&) {
    return refusal(400, "agent.error.bad_puk_box", lang);
  }
  if (!digits(puk, 8)) {
    wipe(puk);
    return refusal(400, "agent.error.bad_puk_box", lang);
  }
  try {
    card::CardInfo card = card_for(op);
    reader_.unlock_and_replace_puk(card.slot, puk, op.new_pin, op.new_puk);
    op.state = State::done;
    op.result = json{{"card_serial", card.serial}};
  } catch (const UserError& e) {
    op.state = State::failed;
    op.error_key = e.key();
    op.error_text = e.text(lang);
  }
  wipe(puk);
  op.forget_secrets();
  return json_response(200, op.public_view());
}

AgentResponse AgentService::render(Lang lang, Operation& op, const std::string& error, int status) {
  Data t;
  for (const auto& [key, text] : messages_under(lang, "agent.page.")) t.set(key, text);
  Data d;
  d.set("t", t);
  d.set("lang", lang == Lang::tr ? "tr" : "en");
  d.set("id", op.id);
  d.set("token", op.form_token);
  d.set("origin", op.origin);
  d.set(std::string("kind_") + to_string(op.request.kind), true);
  if (!error.empty()) d.set("error", error);
  try {
    for (const auto& c : reader_.cards())
      if (!c.blank) {
        d.set("card_serial", c.serial);
        d.set("pin_tries", std::to_string(c.pin.tries_left));
        for (const auto& cert : reader_.certificates(c.slot)) {
          d.set("holder", cert.subject);
          break;
        }
        break;
      }
  } catch (const std::exception&) {
    // no reader answer: the page says no card
  }
  if (op.request.kind == Kind::unlock) d.set("authorised_serial", op.request.card_serial);
  if (op.request.kind == Kind::authenticate && op.result.contains("statement"))
    d.set("statement", op.result["statement"].get<std::string>());
  if (op.request.kind == Kind::sign) {
    d.set("document_name", op.request.document_name);
    d.set("document_sha256", sha256_hex(op.request.document));
    d.set("document_size", std::to_string(op.request.document.size()));
  }
  switch (op.state) {
    case State::waiting: d.set("ask", true); break;
    case State::needs_puk: d.set("waiting_puk", true); break;
    case State::done: d.set("done", true); break;
    case State::failed:
      d.set("failed", true);
      d.set("failure", op.error_text.empty() ? message(lang, op.error_key) : op.error_text);
      break;
  }
  kainjow::mustache::mustache tmpl(embedded("page.mustache"));
  AgentResponse a{status, "text/html; charset=utf-8", tmpl.render(d), {}};
  a.headers = {{"Content-Security-Policy", kPageCsp},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "same-origin"},  // "no-referrer" would make the form's Origin "null"
               {"Cache-Control", "no-store"}};
  // While the portal releases the PUK, the page looks again every second.
  if (op.state == State::needs_puk) a.headers.emplace_back("Refresh", "1");
  return a;
}

}  // namespace tugra::agent
