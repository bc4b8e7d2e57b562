#include "web/portal.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdio>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "ra/master_key.hpp"
#include "ra/identity_registry.hpp"
#include "ra/password_hash.hpp"
#include "web/api_support.hpp"
#include "web/captcha.hpp"
#include "web/portal_internal.hpp"
#include "web/outbound_loop.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& templates();
}

namespace tugra::web {
namespace {

// Under TLS the session cookie has the __Host- prefix: the browser then
// keeps it only if it is Secure, for this host and Path=/ (no Domain), so a
// sibling subdomain cannot plant or overwrite it.
constexpr const char* kSessionCookie = "tugra_session";
constexpr const char* kHostSessionCookie = "__Host-tugra_session";
constexpr const char* kLangCookie = "tugra_lang";

// Content-Security-Policy: no inline script or style, nothing from elsewhere
// but the holder's card agent (scripts may talk to it), never framed.
std::string content_security_policy(const std::string& agent_url) {
  std::string agent = agent_url;
  while (!agent.empty() && agent.back() == '/') agent.pop_back();
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' " + agent +
         "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

std::string cookie_value(const std::string& header, std::string_view name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(';', pos);
    std::string_view part(header.data() + pos, (end == std::string::npos ? header.size() : end) - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

// A template of one language, ready to render: every {{t.name}} is replaced
// by the HTML-escaped catalog text "web.name" ("web.apply.title" is
// {{t.apply_title}}) when the template is first used, so a page render only
// fills in the request's own values. Parsed templates keep error state while
// rendering, so each worker thread has its own.
kainjow::mustache::mustache& compiled(Lang lang, const std::string& name) {
  thread_local std::map<std::pair<Lang, std::string>, std::unique_ptr<kainjow::mustache::mustache>> cache;
  auto& slot = cache[{lang, name}];
  if (!slot) {
    std::map<std::string, std::string> texts;
    for (auto& [key, text] : messages_under(lang, "web.")) {
      std::string flat = key;
      for (auto& c : flat)
        if (c == '.') c = '_';
      texts[flat] = kainjow::mustache::html_escape(text);
    }
    const std::string& source = template_text(name);
    std::string out;
    std::size_t pos = 0;
    for (auto open = source.find("{{t.", pos); open != std::string::npos; open = source.find("{{t.", pos)) {
      auto close = source.find("}}", open);
      if (close == std::string::npos) break;
      auto it = texts.find(source.substr(open + 4, close - open - 4));
      if (it == texts.end()) throw std::logic_error("template " + name + ": no text " + source.substr(open, close - open + 2));
      out.append(source, pos, open - pos).append(it->second);
      pos = close + 2;
    }
    out.append(source, pos);
    slot = std::make_unique<kainjow::mustache::mustache>(out);
    if (!slot->is_valid()) throw std::logic_error("template " + name + ": " + slot->error_message());
  }
  return *slot;
}

}  // namespace

// --- embedded templates ------------------------------------------------------

const std::string& template_text(const std::string& name) {
  static const auto all = [] {
    std::map<std::string, std::string, std::less<>> m;
    for (const auto& [file, text] : embedded::templates()) m[std::string(file)] = std::string(text);
    return m;
  }();
  auto it = all.find(name);
  if (it == all.end()) throw std::logic_error("no template " + name);
  return it->second;
}

// --- backends ------------------------------------------------------------------

BackendPool::BackendPool(const Config& config, int size) {
  // The master key is read once and shared (it unseals officers' TOTP keys,
  // holders' PIN/PUK and seals unlock authorisations).
  auto master_key = std::make_shared<const ra::MasterKey>(config.path("secrets.master_key_file"));
  for (int i = 0; i < size; ++i) {
    auto b = std::make_unique<Backend>(config, master_key, "portal");
    idle_.push_back(b.get());
    all_.push_back(std::move(b));
  }
}

BackendPool::~BackendPool() = default;

BackendPool::Lease::Lease(BackendPool& p) : pool(p) {
  bool check = false;
  {
    std::unique_lock lock(pool.mutex_);
    pool.free_.wait(lock, [&] { return !pool.idle_.empty(); });
    backend = pool.idle_.back();
    pool.idle_.pop_back();
    auto it = std::find(pool.suspect_.begin(), pool.suspect_.end(), backend);
    if (it != pool.suspect_.end()) {
      pool.suspect_.erase(it);
      check = true;
    }
  }
  if (check) backend->database_ok();  // reconnects after a database restart
}

BackendPool::Lease::~Lease() {
  {
    std::lock_guard lock(pool.mutex_);
    if (suspect) pool.suspect_.push_back(backend);
    pool.idle_.push_back(backend);
  }
  pool.free_.notify_one();
}

bool Portal::database_ok() { return state_->backends.database_ok(); }

void Portal::reload(const Config& config) { state_->reload(config); }

std::size_t Portal::deferred_waiting() { return state_->after_answer->waiting(); }

std::string Portal::metrics_text() {
  auto gauge = [](const char* name, const char* help, auto value, const char* type = "gauge") {
    return std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
  };
  // database_ok() reconnects a connection a database restart left stale; the
  // count can still fail if the database goes away in between.
  std::optional<Backend::Gauges> g;
  if (state_->backends.database_ok()) {
    try {
      g = state_->backends.with([](Backend& b) { return b.gauges(); });
    } catch (const std::exception&) {
    }
  }
  std::string out = gauge("tugra_portal_database_up", "Whether the portal's database answers.", g ? 1 : 0) +
                    gauge("tugra_portal_sessions", "Portal sessions in memory.", state_->sessions.size());
  if (!g) return out;
  out += gauge("tugra_applications_waiting_decision", "Applications submitted and not yet approved or rejected.",
               g->applications_to_decide) +
         gauge("tugra_production_queue", "Approved applications waiting for their card.", g->production_queued) +
         gauge("tugra_signing_requests_pending", "Responder keys waiting for the ca role to certify them.",
               g->signing_requests) +
         gauge("tugra_webhook_events_waiting", "Webhook events not yet delivered (retries included).",
               g->webhooks_waiting) +
         gauge("tugra_webhook_events_failed", "Webhook events given up after their last attempt.",
               g->webhooks_failed) +
         "# HELP tugra_notification_failures_total Notifications this process could not deliver.\n"
         "# TYPE tugra_notification_failures_total counter\n"
         "tugra_notification_failures_total{channel=\"sms\"} " + std::to_string(g->sms_failures) + "\n" +
         "tugra_notification_failures_total{channel=\"email\"} " + std::to_string(g->email_failures) + "\n";
  return out;
}

bool BackendPool::database_ok() {
  Backend* backend = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return true;  // every connection is at work: the database answers them
    backend = idle_.back();
    idle_.pop_back();
  }
  bool ok = backend->database_ok();
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(backend);
  }
  free_.notify_one();
  return ok;
}

void RateLimiter::set_per_minute(int per_minute) {
  std::lock_guard lock(mutex_);
  per_minute_ = per_minute;
}

bool RateLimiter::allow(const std::string& key) {
  std::lock_guard lock(mutex_);
  std::int64_t now = now_micros();
  if (buckets_.size() > 100000) buckets_.clear();  // a flood of addresses: start over rather than grow
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min<double>(per_minute_, b.tokens + (now - b.at_micros) * per_minute_ / 60e6);
    b.at_micros = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void RecentFailures::note(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::int64_t now = now_seconds();
  if (last_.size() > 100000)
    for (auto it = last_.begin(); it != last_.end();) it = now - it->second > seconds_ ? last_.erase(it) : std::next(it);
  last_[address] = now;
}

bool RecentFailures::recent(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = last_.find(address);
  return it != last_.end() && now_seconds() - it->second <= seconds_;
}

std::unique_ptr<AddressGate::Ticket> AddressGate::enter(const std::string& address) {
  std::lock_guard lock(mutex_);
  int& n = in_flight_[address];
  if (n >= max_) return nullptr;
  ++n;
  return std::make_unique<Ticket>(*this, address);
}

AddressGate::Ticket::~Ticket() {
  std::lock_guard lock(gate_.mutex_);
  if (--gate_.in_flight_[address_] <= 0) gate_.in_flight_.erase(address_);
}

PortalSettings PortalSettings::from(const Config& cfg) {
  PortalSettings settings;
  settings.demo = cfg.boolean("portal.demo");
  settings.captcha_fixed = cfg.str("portal.captcha_fixed");
  if (!settings.captcha_fixed.empty() && !settings.demo) throw UserError("portal.fixed_captcha_needs_demo");
  settings.captcha_seconds = cfg.integer("portal.captcha_seconds");
  settings.sms_code_seconds = cfg.integer("portal.sms_code_seconds");
  settings.sms_code_attempts = static_cast<int>(cfg.integer("portal.sms_code_attempts"));
  settings.call_centre = cfg.str("portal.call_centre");
  settings.contact_email = cfg.str("portal.contact_email");
  settings.session_seconds = cfg.integer("portal.session_minutes") * 60;
  return settings;
}

PortalState::PortalState(const Config& cfg)
    : config(cfg),
      settings(PortalSettings::from(cfg)),
      sessions(cfg.integer("portal.session_minutes") * 60, cfg.integer("portal.session_max_hours") * 3600),
      post_limiter(static_cast<int>(cfg.integer("portal.posts_per_minute"))),
      captcha_limiter(static_cast<int>(cfg.integer("portal.captchas_per_minute"))),
      officer_login_limiter(static_cast<int>(cfg.integer("portal.officer_logins_per_minute"))),
      directory_limiter(static_cast<int>(cfg.integer("portal.directory_searches_per_minute"))),
      api_key_limiter(static_cast<int>(cfg.integer("api.requests_per_minute"))),
      api_failure_limiter(static_cast<int>(cfg.integer("api.key_failures_per_minute"))),
      backends(cfg, static_cast<int>(std::max<long long>(1, cfg.integer("portal.threads")))),
      agent_url(cfg.str("agent.url")),
      csp(content_security_policy(agent_url)) {
  ra::set_hash_cost(ra::HashCost::from_config(cfg));
  after_answer = std::make_unique<WorkQueue>(1);
  add_public_pages(*this);
  add_application_pages(*this);
  add_officer_pages(*this);
  add_holder_pages(*this);
  add_operator_pages(*this);
  add_verify_pages(*this);
  add_card_agent_pages(*this);
  add_e_approval_pages(*this);
  add_content_pages(*this);
  add_directory_pages(*this);
  add_api_pages(*this);
  outbound_loop = std::make_unique<OutboundLoop>(*this);
}

PortalState::~PortalState() = default;

void PortalState::reload(const Config& cfg) {
  settings.set(PortalSettings::from(cfg));  // throws on a bad value before anything changes
  post_limiter.set_per_minute(static_cast<int>(cfg.integer("portal.posts_per_minute")));
  captcha_limiter.set_per_minute(static_cast<int>(cfg.integer("portal.captchas_per_minute")));
  officer_login_limiter.set_per_minute(static_cast<int>(cfg.integer("portal.officer_logins_per_minute")));
  directory_limiter.set_per_minute(static_cast<int>(cfg.integer("portal.directory_searches_per_minute")));
  api_key_limiter.set_per_minute(static_cast<int>(cfg.integer("api.requests_per_minute")));
  api_failure_limiter.set_per_minute(static_cast<int>(cfg.integer("api.key_failures_per_minute")));
}

// --- exchange --------------------------------------------------------------------

Exchange::Exchange(PortalState& p, const Request& request) : portal(p), req(request), settings(p.settings.get()) {
  std::string cookies = req.header("Cookie");
  session_id = cookie_value(cookies, req.tls ? kHostSessionCookie : kSessionCookie);
  // A new visitor gets an id, but a cookie only with a response that uses
  // it (a page with a form, a captcha): a public, cacheable answer (static
  // files, driver downloads) must never carry a Set-Cookie.
  if (session_id.size() != 43) {
    session_id = SessionStore::new_id();
    new_visitor = true;
  }
  try {
    query = parse_form(req.query);
  } catch (const std::exception&) {
    query.clear();
  }
  std::string chosen;
  for (const auto& [k, v] : query)
    if (k == "lang") chosen = v;
  if (chosen == "tr" || chosen == "en") {
    lang = parse_lang(chosen, Lang::tr);
    set_lang_cookie = true;
  } else if (std::string c = cookie_value(cookies, kLangCookie); c == "tr" || c == "en") {
    lang = parse_lang(c, Lang::tr);
  } else {
    // Accept-Language: the first of tr / en that the browser lists.
    std::string accept = req.header("Accept-Language");
    auto tr_pos = accept.find("tr"), en_pos = accept.find("en");
    lang = (en_pos != std::string::npos && (tr_pos == std::string::npos || en_pos < tr_pos)) ? Lang::en : Lang::tr;
  }
}

std::string Exchange::field(const std::string& name) const {
  for (const auto& [k, v] : form)
    if (k == name) return v;
  return "";
}

std::string Exchange::param(const std::string& name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return "";
}

Session* Exchange::session(bool create) {
  if (create && new_visitor) set_session_cookie = true;
  if (!session_) {
    session_ = create ? portal.sessions.ensure(session_id) : portal.sessions.find(session_id);
    if (!session_) return nullptr;
    session_lock_ = std::unique_lock(session_->mutex);
  }
  return session_.get();
}

void Exchange::end_session() {
  if (session_) session_lock_.unlock();
  session_.reset();
  portal.sessions.destroy(session_id);
  session_id = SessionStore::new_id();
  set_session_cookie = true;
}

std::string Exchange::captcha_problem(Session& s) {
  std::string answer = std::move(s.captcha_answer);
  s.captcha_answer.clear();
  if (answer.empty() || s.captcha_expires < now_seconds()) return "web.apply.captcha_expired";
  if (!captcha_matches(answer, field("captcha"))) return "web.apply.captcha_wrong";
  return "";
}

Data Exchange::values_data(const std::map<std::string, std::string>& values) {
  Data v;
  for (const auto& [k, value] : values) {
    v.set(k, value);
    v.set("is_" + k + "_" + value, true);  // for selected options and checked radios
  }
  return v;
}

Data Exchange::errors_data(const std::map<std::string, std::string>& errors) const {
  Data e;
  for (const auto& [k, key] : errors) e.set(k, text(key));
  if (!errors.empty()) e.set("any", true);
  return e;
}

Response Exchange::page(const std::string& content, Data data, const std::string& title, int status) {
  data.set("csrf", portal.sessions.csrf_token(session_id));
  if (new_visitor) set_session_cookie = true;  // the page's forms carry a token bound to this id
  data.set("lang", lang == Lang::tr ? "tr" : "en");
  data.set("other_lang", lang == Lang::tr ? "en" : "tr");
  data.set("other_lang_name", lang == Lang::tr ? "English" : "Türkçe");
  data.set("title", title);
  data.set("call_centre", settings->call_centre);
  data.set("contact_email", settings->contact_email);
  if (settings->demo) data.set("demo", true);

  auto& body_template = compiled(lang, content + ".mustache");
  data.set("content", body_template.render(data));
  if (!body_template.is_valid()) throw std::logic_error("template " + content + ": " + body_template.error_message());
  Response r;
  r.status = status;
  r.body = compiled(lang, "layout.mustache").render(data);
  return r;
}

std::string Exchange::fragment(const std::string& name, const Data& data) {
  return compiled(lang, name + ".mustache").render(data);
}

Response Exchange::error_page(int status, const std::string& message_key) {
  Data d;
  d.set("message", text(message_key));
  return page("error", d, text("web.error_title"), status);
}

Response Exchange::finish(Response r) {
  std::string secure = req.tls ? "; Secure" : "";
  if (set_session_cookie)
    r.with("Set-Cookie", std::string(req.tls ? kHostSessionCookie : kSessionCookie) + "=" + session_id +
                             "; Path=/; HttpOnly; SameSite=Strict" + secure);
  if (set_lang_cookie)
    r.with("Set-Cookie", std::string(kLangCookie) + "=" + (lang == Lang::tr ? "tr" : "en") +
                             "; Path=/; Max-Age=31536000; SameSite=Strict" + secure);
  r.with("Content-Security-Policy", portal.csp)
      .with("X-Frame-Options", "DENY")
      .with("Referrer-Policy", "same-origin")
      .with("Cross-Origin-Opener-Policy", "same-origin")
      .with("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (req.tls) r.with("Strict-Transport-Security", "max-age=31536000");
  bool has_cache_control = false;
  for (const auto& [k, v] : r.headers) has_cache_control |= k == "Cache-Control";
  if (!has_cache_control) r.with("Cache-Control", "no-store");
  if (r.content_type.rfind("text/html", 0) == 0) r.with("Content-Language", lang == Lang::tr ? "tr" : "en");
  return r;
}

// --- the portal ------------------------------------------------------------------

Portal::Portal(const Config& config) : state_(std::make_unique<PortalState>(config)) {}
Portal::~Portal() = default;

std::optional<Response> Portal::handle(const Request& request) {
  // The keyed API answers for itself: bearer keys, JSON, no session or CSRF token.
  if (request.path.rfind("/api/v1/institution/", 0) == 0 || request.path.rfind("/api/v1/operator/", 0) == 0) {
    Exchange ex(*state_, request);
    try {
      return ex.finish(keyed_api(ex));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tugra api: %s %s failed: %s\n", request.method.c_str(), request.path.c_str(), e.what());
      return ex.finish(api_problem(ex, 500, "internal"));
    }
  }
  std::string method = request.method == "HEAD" ? "GET" : request.method;
  const Handler* handler = nullptr;
  auto it = state_->routes.find(method + " " + request.path);
  if (it != state_->routes.end()) handler = &it->second;
  else
    for (const auto& [prefix, h] : state_->prefix_routes)
      if ((method + " " + request.path).rfind(prefix, 0) == 0) {
        handler = &h;
        break;
      }
  if (!handler) {
    // A portal path with another method: 405; anything else is not ours.
    for (const char* m : {"GET ", "POST "})
      if (state_->routes.count(m + request.path)) {
        Exchange ex(*state_, request);
        return ex.finish(ex.error_page(405, "web.error.method"));
      }
    return std::nullopt;
  }

  Exchange ex(*state_, request);
  try {
    if (method == "POST") {
      if (!state_->post_limiter.allow(request.remote_ip)) return ex.finish(ex.error_page(429, "web.error.rate"));
      std::string type = request.header("Content-Type");
      if (type.rfind("multipart/form-data", 0) == 0 && state_->upload_routes.count(method + " " + request.path)) {
        auto parts = parse_multipart(request.body, type);
        if (!parts) return ex.finish(ex.error_page(400, "web.error.form"));
        ex.form.assign(parts->fields.begin(), parts->fields.end());
        ex.uploads = std::move(parts->files);
      } else if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
        try {
          // Values up to 8 KiB: the card agent's answers carry a certificate in base64.
          ex.form = parse_form(request.body, FormLimits{64, 64, 8192});
        } catch (const std::exception&) {
          return ex.finish(ex.error_page(400, "web.error.form"));
        }
      } else {
        return ex.finish(ex.error_page(415, "web.error.form"));
      }
      // No valid token, no change: the form did not come from our page in
      // this browser session.
      if (ex.new_visitor || !state_->sessions.csrf_ok(ex.session_id, ex.field("csrf")))
        return ex.finish(ex.error_page(403, "web.error.csrf"));
    }
    return ex.finish((*handler)(ex));
  } catch (const ra::Busy&) {
    return ex.finish(ex.error_page(503, "portal.busy").with("Retry-After", "2"));
  } catch (const UserError& e) {
    Data d;
    d.set("message", e.text(ex.lang));
    return ex.finish(ex.page("error", d, ex.text("web.error_title"), 400));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tugra portal: %s %s failed: %s\n", request.method.c_str(), request.path.c_str(), e.what());
    return ex.finish(ex.error_page(500, "web.error.internal"));
  }
}

}  // namespace tugra::web
