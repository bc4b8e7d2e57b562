#include "web/server.hpp"

#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <thread>

#include "common/client_address.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/live.hpp"
#include "common/messages.hpp"
#include "common/url.hpp"
#include "web/access_log.hpp"
#include "web/metrics.hpp"
#include "web/portal.hpp"
#include "web/request_reader.hpp"
#include "web/status_http_server.hpp"
#include "web/status_routes.hpp"
#include "web/tls_identity.hpp"
#include "web/trusted_proxies.hpp"
#include "web/work_queue.hpp"
#include "status/status_service.hpp"
#include "status/timestamp_service.hpp"

namespace tugra::web {
namespace {

// A plain handler that dispatches on the path: the few fixed routes do not
// need the express router's std::regex matching on every request.
using Traits = restinio::traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;
using TlsTraits = restinio::tls_traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;
using Clock = std::chrono::steady_clock;

// What a request may hold. Beyond these it is answered 413/414/431; beyond
// RESTinio's own limits (set above these in serve()) the connection is closed.
constexpr std::size_t kMaxTarget = 8192;
constexpr std::size_t kMaxHeaderFields = 48;
constexpr std::size_t kMaxHeaderBytes = 16384;

// What a reload (SIGHUP) replaces on the HTTP side.
struct HttpSettings {
  TrustedProxies proxies;
  std::vector<std::string> metrics_from;  // addresses that may read /metrics

  static HttpSettings from(const Config& config) {
    HttpSettings s{TrustedProxies(config.str("service.trusted_proxies")), {}};
    std::istringstream words(config.str("service.metrics_from"));
    for (std::string w; words >> w;) s.metrics_from.push_back(w);
    return s;
  }
};

// Where a request came from: the peer, or behind a trusted proxy the client
// it names, and whether the browser's connection was HTTPS.
struct Origin {
  std::string client;
  bool https = false;
};

// Every request is logged with its client, OCSP's at tens of thousands a
// second: the settings (a lock) are read only when a proxy header is there.
Origin origin_of(Live<HttpSettings>& live, const restinio::request_handle_t& req, bool tls) {
  Origin o{req->remote_endpoint().address().to_string(), tls};
  std::string forwarded = req->header().get_field_or("X-Forwarded-For", "");
  std::string proto = req->header().get_field_or("X-Forwarded-Proto", "");
  if (forwarded.empty() && proto.empty()) return o;
  auto settings = live.get();
  // Behind a trusted proxy that terminates TLS, the browser's connection is
  // HTTPS even though ours is not: Secure, __Host- cookies and HSTS then.
  if (proto == "https" && settings->proxies.trusts(o.client)) o.https = true;
  if (!forwarded.empty()) o.client = settings->proxies.client(o.client, forwarded);
  return o;
}

struct Context {
  status::StatusService* status;  // null without the status role
  status::TimestampService* tsa;  // null without the status role or a time-stamping unit
  Portal* portal;         // null without the portal role
  Metrics& metrics;
  std::size_t max_body;
  std::size_t max_upload;  // the body of the upload form ("İmza Doğrula": two files)
  std::size_t max_api_body;  // a staff list sent through the API
  std::atomic<int>& in_flight;
  bool tls;
  WorkQueue* portal_queue;   // with the portal role
  WorkQueue* signing_queue;  // with the status role
  StatusRoutes* routes;      // with the status role
  AccessLog& log;
  Live<HttpSettings> http;

  template <typename Headers = std::initializer_list<std::pair<const char*, std::string>>>
  restinio::request_handling_status_t send(const restinio::request_handle_t& req, Route route,
                                           restinio::http_status_line_t status_line, const char* content_type,
                                           std::string body, const Headers& headers, Clock::time_point start) {
    int code = static_cast<int>(status_line.status_code().raw_code());
    std::size_t size = body.size();
    auto response = req->create_response(std::move(status_line));
    response.append_header(restinio::http_field::server, "Tugra")
        .append_header("X-Content-Type-Options", "nosniff");
    if (content_type) response.append_header(restinio::http_field::content_type, content_type);
    for (const auto& [name, value] : headers) response.append_header(name, value);
    // Counted before the answer leaves: a client that asks /metrics again at
    // once must find this request in it (with several threads, counting after
    // done() raced the next request).
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics.observe(route, code, seconds);
    response.set_body(std::move(body)).done();
    log.record(origin_of(http, req, tls).client, req->header().method().c_str(), req->header().path(), code, size,
               seconds);
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t send(const restinio::request_handle_t& req, StatusAnswer answer,
                                           Clock::time_point start) {
    Response& r = answer.response;
    restinio::http_status_line_t line{restinio::http_status_code_t{static_cast<std::uint16_t>(r.status)},
                                      reason_phrase(r.status)};
    return send(req, answer.route, std::move(line), r.content_type.empty() ? nullptr : r.content_type.c_str(),
                std::move(r.body), r.headers, start);
  }
};

struct InFlight {
  std::atomic<int>& n;
  explicit InFlight(std::atomic<int>& counter) : n(counter) { ++n; }
  ~InFlight() { --n; }
};

// The status role's gauges: its database and token, the OCSP cache, each
// CRL's age, number and nextUpdate, when each CA and responder certificate ends.
std::string status_gauges(status::StatusService& status, status::TimestampService* tsa) {
  auto& c = status.counters();
  std::string out =
      "# TYPE tugra_status_poll_failures_total counter\ntugra_status_poll_failures_total " +
      std::to_string(c.poll_failures) + "\n# TYPE tugra_database_up gauge\ntugra_database_up " +
      (c.database_up ? "1" : "0") + "\n" +
      "# HELP tugra_token_up Whether the status token signed the last time it was asked.\n"
      "# TYPE tugra_token_up gauge\ntugra_token_up{token=\"status\"} " + (c.token_up ? "1" : "0") + "\n" +
      "# TYPE tugra_ocsp_sign_failures_total counter\ntugra_ocsp_sign_failures_total " +
      std::to_string(c.sign_failures) + "\n" +
      "# TYPE tugra_ocsp_cache_hits_total counter\ntugra_ocsp_cache_hits_total " + std::to_string(c.ocsp_cache_hits) +
      "\n# TYPE tugra_ocsp_cache_misses_total counter\ntugra_ocsp_cache_misses_total " +
      std::to_string(c.ocsp_cache_misses) + "\n# TYPE tugra_ocsp_live_signatures_total counter\n" +
      "tugra_ocsp_live_signatures_total " + std::to_string(c.ocsp_live_signatures) + "\n" +
      "# HELP tugra_crl_age_seconds Seconds since the current CRL's thisUpdate.\n# TYPE tugra_crl_age_seconds gauge\n"
      "# HELP tugra_crl_next_update_timestamp_seconds The current CRL's nextUpdate.\n"
      "# TYPE tugra_crl_next_update_timestamp_seconds gauge\n# TYPE tugra_crl_number gauge\n";
  for (const auto& ca : status.crl_names())
    if (auto crl = status.crl(ca))
      out += "tugra_crl_age_seconds{ca=\"" + ca + "\"} " + std::to_string(now_seconds() - crl->this_update) +
             "\ntugra_crl_number{ca=\"" + ca + "\"} " + std::to_string(crl->number) +
             "\ntugra_crl_next_update_timestamp_seconds{ca=\"" + ca + "\"} " + std::to_string(crl->next_update) + "\n";
  out += "# HELP tugra_certificate_not_after_timestamp_seconds When a CA or OCSP responder certificate ends.\n"
         "# TYPE tugra_certificate_not_after_timestamp_seconds gauge\n";
  auto expiries = status.expiries();
  if (tsa) expiries.push_back({"nes-tsa", tsa->not_after()});
  for (const auto& e : expiries)
    out += "tugra_certificate_not_after_timestamp_seconds{id=\"" + e.id + "\"} " + std::to_string(e.not_after) + "\n";
  return out;
}

std::string tsa_gauges(status::TimestampService& tsa) {
  const auto& c = tsa.counters();
  return "# HELP tugra_tsa_timestamps_total Time-stamp tokens issued.\n# TYPE tugra_tsa_timestamps_total counter\n"
         "tugra_tsa_timestamps_total " + std::to_string(c.granted) +
         "\n# HELP tugra_tsa_rejections_total Time-stamp queries refused (bad query, clock, token).\n"
         "# TYPE tugra_tsa_rejections_total counter\ntugra_tsa_rejections_total " + std::to_string(c.rejected) +
         "\n# TYPE tugra_tsa_sign_failures_total counter\ntugra_tsa_sign_failures_total " +
         std::to_string(tsa.failures()) +
         "\n# HELP tugra_tsa_clock_synchronised Whether the TSA accepts the clock (adjtimex).\n"
         "# TYPE tugra_tsa_clock_synchronised gauge\ntugra_tsa_clock_synchronised " + (tsa.clock_ok() ? "1" : "0") +
         "\n";
}

// /metrics, for the addresses in service.metrics_from (by the peer itself,
// never a forwarded address): the request counters and every role's gauges.
StatusAnswer metrics_answer(Context& ctx, std::string_view peer) {
  StatusAnswer a{Route::metrics, Response{}};
  a.response.with("Cache-Control", "no-store");
  auto http = ctx.http.get();
  if (std::find(http->metrics_from.begin(), http->metrics_from.end(), peer) == http->metrics_from.end()) {
    a.response.status = 403;
    a.response.content_type = "text/plain; charset=utf-8";
    a.response.body = "forbidden\n";
    return a;
  }
  std::string extra = "# TYPE tugra_queue_waiting gauge\n";
  if (ctx.signing_queue)
    extra += "tugra_queue_waiting{queue=\"ocsp_signing\"} " + std::to_string(ctx.signing_queue->waiting()) + "\n";
  if (ctx.portal_queue)
    extra += "tugra_queue_waiting{queue=\"portal\"} " + std::to_string(ctx.portal_queue->waiting()) +
             "\ntugra_queue_waiting{queue=\"after_answer\"} " + std::to_string(ctx.portal->deferred_waiting()) + "\n";
  if (ctx.status) extra += status_gauges(*ctx.status, ctx.tsa);
  if (ctx.tsa) extra += tsa_gauges(*ctx.tsa);
  if (ctx.portal) extra += ctx.portal->metrics_text();
  a.response.content_type = "text/plain; version=0.0.4";
  a.response.body = ctx.metrics.render(extra);
  return a;
}

// With the portal role it is answered from a portal thread, as its gauges
// query the database.
restinio::request_handling_status_t handle_metrics(Context& ctx, const restinio::request_handle_t& req,
                                                   Clock::time_point start) {
  std::string peer = req->remote_endpoint().address().to_string();
  if (!ctx.portal) return ctx.send(req, metrics_answer(ctx, peer), start);
  ++ctx.in_flight;
  ctx.portal_queue->post([&ctx, req, start, peer] {
    ctx.send(req, metrics_answer(ctx, peer), start);
    --ctx.in_flight;
  });
  return restinio::request_accepted();
}

// Portal pages: the request copied into the portal's own plain types.
restinio::request_handling_status_t handle_portal(Context& ctx, const restinio::request_handle_t& req,
                                                  Clock::time_point start) {
  // The request is answered from a portal thread; it counts as in flight
  // until then, so a graceful stop waits for it.
  ++ctx.in_flight;
  ctx.portal_queue->post([&ctx, req, start] {
    Request r;
    r.method = req->header().method().c_str();
    r.path = std::string(req->header().path());
    r.query = std::string(req->header().query());
    r.body = req->body();
    Origin origin = origin_of(ctx.http, req, ctx.tls);
    r.remote_ip = std::move(origin.client);
    r.tls = origin.https;
    ClientAddressScope client(r.remote_ip);  // for the audit records this request writes
    r.header = [&req](std::string_view name) { return req->header().get_field_or(name, ""); };
    auto answer = ctx.portal->handle(r);
    if (!answer) {
      ctx.send(req, Route::other, restinio::status_not_found(), "text/plain; charset=utf-8", "not found\n", {}, start);
    } else {
      restinio::http_status_line_t line{restinio::http_status_code_t{static_cast<std::uint16_t>(answer->status)},
                                        reason_phrase(answer->status)};
      ctx.send(req, Route::portal, std::move(line), answer->content_type.c_str(), std::move(answer->body),
               answer->headers, start);
    }
    --ctx.in_flight;
  });
  return restinio::request_accepted();
}

// 413, 414 or 431 for a request over the limits; none for one within them.
std::optional<restinio::request_handling_status_t> refuse_oversized(Context& ctx, const restinio::request_handle_t& req,
                                                                    Clock::time_point start) {
  auto refuse = [&](std::uint16_t code, const char* text) {
    return ctx.send(req, Route::other,
                    restinio::http_status_line_t{restinio::http_status_code_t{code}, reason_phrase(code)},
                    "text/plain; charset=utf-8", text, {{"Connection", "close"}}, start);
  };
  if (req->header().request_target().size() > kMaxTarget) return refuse(414, "URI too long\n");
  std::size_t fields = 0, bytes = 0;
  req->header().for_each_field([&](const restinio::http_header_field_t& f) {
    ++fields;
    bytes += f.name().size() + f.value().size() + 4;
  });
  if (fields > kMaxHeaderFields || bytes > kMaxHeaderBytes) return refuse(431, "request header fields too large\n");
  const bool post = ctx.portal && req->header().method() == restinio::http_method_post();
  const bool upload = post && req->header().path() == "/imza-dogrula";
  const bool staff_list = post && req->header().path() == "/api/v1/institution/staff";
  std::size_t limit = upload ? ctx.max_upload : staff_list ? ctx.max_api_body : ctx.max_body;
  if (req->body().size() > limit) {
    if (req->header().path().starts_with("/api/v1/"))
      // RFC 9457, as every other refusal of the API (the words in English: no catalog this early).
      return ctx.send(req, Route::other,
                      restinio::http_status_line_t{restinio::http_status_code_t{413}, reason_phrase(413)},
                      "application/problem+json",
                      R"({"type":"https://tugra.example/problems/too_large","title":"Request too large",)"
                      R"("status":413,"detail":"The request body is larger than this server accepts."})",
                      {{"Connection", "close"}}, start);
    return refuse(413, "request too large\n");
  }
  return std::nullopt;
}

restinio::request_handling_status_t handle(Context& ctx, const restinio::request_handle_t& req) {
  InFlight in_flight(ctx.in_flight);
  auto start = Clock::now();
  if (auto refused = refuse_oversized(ctx, req, start)) return *refused;
  std::string_view path = req->header().path();
  if (path == "/metrics" && req->header().method() == restinio::http_method_get())
    return handle_metrics(ctx, req, start);
  if (ctx.portal && path == "/healthz") {
    // The load balancer's health check: the portal's database, and the status role's health beside it.
    std::string problem;
    bool ok = (!ctx.status || ctx.status->healthy(&problem)) && ctx.portal->database_ok();
    if (ok) problem = "ok";
    else if (problem.empty()) problem = "database";
    return ctx.send(req, Route::healthz, ok ? restinio::status_ok() : restinio::status_service_unavailable(),
                    "text/plain; charset=utf-8", problem + "\n", {{"Cache-Control", "no-store"}}, start);
  }
  if (ctx.routes) {
    StatusRequest r{req->header().method().c_str(), path, {}, {}, req->body()};
    std::string if_none_match = req->header().get_field_or("If-None-Match", "");
    std::string content_type = req->header().get_field_or(restinio::http_field::content_type, "");
    r.if_none_match = if_none_match;
    r.content_type = content_type;
    StatusAnswer now;
    auto routed = ctx.routes->route(r, now, [&ctx, req, start](StatusAnswer later) { ctx.send(req, std::move(later), start); });
    if (routed == StatusRoutes::Routed::answered) return ctx.send(req, std::move(now), start);
    if (routed == StatusRoutes::Routed::deferred) return restinio::request_accepted();
  }
  if (ctx.portal) return handle_portal(ctx, req, start);
  return ctx.send(req, Route::other, restinio::status_not_found(), "text/plain; charset=utf-8", "not found\n", {},
                  start);
}


struct ReloadTargets {
  Live<HttpSettings>& http;
  TlsIdentity* identity;  // with TLS
  Portal* portal;         // with the portal role
};

// Keys a reload applies; a change of any other is logged as needing a restart.
bool reloadable(const std::string& key) {
  static const std::vector<std::string> keys = {
      "service.trusted_proxies", "service.metrics_from", "service.tls_certificate", "service.tls_key",
      "portal.captcha_seconds", "portal.sms_code_seconds", "portal.sms_code_attempts", "portal.call_centre",
      "portal.posts_per_minute", "portal.captchas_per_minute", "portal.officer_logins_per_minute",
      "portal.directory_searches_per_minute"};
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Everything is read and checked before anything changes: a broken file
// leaves the server as it was.
void reload(Config& current, ReloadTargets targets) {
  try {
    Config fresh = Config::load(current.home());
    HttpSettings http = HttpSettings::from(fresh);
    bool tls = targets.identity && !fresh.str("service.tls_certificate").empty();
    if (tls) targets.identity->reload(fresh.path("service.tls_certificate"), fresh.path("service.tls_key"));
    if (targets.portal) targets.portal->reload(fresh);
    targets.http.set(std::move(http));
    for (const auto& key : current.differences(fresh))
      if (!reloadable(key)) std::fprintf(stderr, "tugra serve: %s\n", message("serve.reload_needs_restart", {{"key", key}}).c_str());
    if (tls)
      std::fprintf(stderr, "tugra serve: %s\n",
                   message("serve.reloaded_tls", {{"file", fresh.path("service.tls_certificate").string()}}).c_str());
    std::fprintf(stderr, "tugra serve: %s\n",
                 message("serve.reloaded", {{"file", current.file().string()}}).c_str());
    current = std::move(fresh);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tugra serve: %s\n", message("serve.reload_failed", {{"detail", e.what()}}).c_str());
  }
}

}  // namespace

void serve(const Config& config, const ServeOptions& options) {
  bool status_role = options.status, portal_role = options.portal;
  std::string listen = options.listen.empty() ? config.str("service.listen") : options.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw UserError("serve.bad_listen", {{"listen", listen}});
  std::string address = listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port <= 0 || port > 65535) throw UserError("serve.bad_listen", {{"listen", listen}});

  // Standard output carries the access log, written in batches (access_log.hpp).
  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  AccessLog access_log;
  std::string tls_cert = config.str("service.tls_certificate"), tls_key = config.str("service.tls_key");
  if (tls_cert.empty() != tls_key.empty()) throw UserError("serve.tls_incomplete");
  bool tls = !tls_cert.empty();

  std::unique_ptr<status::StatusService> status;
  status::TimestampService* tsa = nullptr;
  std::unique_ptr<WorkQueue> signing_queue;
  if (status_role) {
    status = std::make_unique<status::StatusService>(config);
    status->start();
    tsa = status->timestamps();
    signing_queue = std::make_unique<WorkQueue>(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }
  std::unique_ptr<Portal> portal;
  std::unique_ptr<WorkQueue> portal_queue;
  if (portal_role) {
    portal = std::make_unique<Portal>(config);
    portal_queue = std::make_unique<WorkQueue>(static_cast<int>(std::max<long long>(1, config.integer("portal.threads"))));
  }
  Metrics metrics;
  std::atomic<int> in_flight{0};
  const auto max_body = static_cast<std::size_t>(config.integer("service.max_body_bytes"));
  std::unique_ptr<StatusRoutes> routes;
  if (status) routes = std::make_unique<StatusRoutes>(*status, tsa, *signing_queue, in_flight, max_body);
  const auto max_upload = portal ? 2 * static_cast<std::size_t>(config.integer("verify.max_upload_bytes")) + 65536 : 0;
  Context ctx{status.get(), tsa, portal.get(), metrics, max_body,
              max_upload, static_cast<std::size_t>(config.integer("api.max_body_bytes")), in_flight, tls,
              portal_queue.get(), signing_queue.get(), routes.get(), access_log, Live(HttpSettings::from(config))};

  // The status role alone, over plain HTTP (a status host): its own lean
  // server. With the portal or TLS, RESTinio carries everything.
  const bool lean = status_role && !portal_role && !tls;
  // Half the cores leave the rest to the portal's threads; a status host's
  // loops never wait (signatures have their own threads), so it takes them all.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  long long configured = config.integer("service.threads");
  int threads = static_cast<int>(configured > 0 ? configured : lean ? cores : std::max(1u, cores / 2));
  using namespace std::chrono_literals;
  restinio::asio_ns::io_context ioctx;
  auto settings = [&](auto&& base) {
    return std::move(base)
        .port(static_cast<std::uint16_t>(port))
        .address(address)
        .request_handler([&ctx](auto req) { return handle(ctx, req); })
        .read_next_http_message_timelimit(30s)
        .write_http_response_timelimit(30s)
        .handle_request_timeout(10s)
        .max_pipelined_requests(16)
        // Accept on every worker: without keep-alive, accepting is the work.
        .concurrent_accepts_count(static_cast<std::size_t>(threads))
        .separate_accept_and_create_connect(true)
        .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                      .max_url_size(kMaxTarget * 4)
                                      .max_field_count(kMaxHeaderFields * 2)
                                      .max_field_value_size(kMaxHeaderBytes)
                                      .max_body_size(std::max({ctx.max_body * 4, ctx.max_upload, ctx.max_api_body, std::size_t{1} << 20})));
  };
  std::unique_ptr<restinio::http_server_t<Traits>> plain_server;
  std::unique_ptr<restinio::http_server_t<TlsTraits>> tls_server;
  std::unique_ptr<TlsIdentity> identity;
  std::unique_ptr<StatusHttpServer> status_server;
  if (lean) {
    StatusHttpServer::Options o{address, port, threads,
                                RequestReader::Limits{kMaxTarget, kMaxHeaderFields, kMaxHeaderBytes, max_body}};
    status_server = std::make_unique<StatusHttpServer>(
        std::move(o), *routes, metrics, access_log,
        [&ctx](const StatusRequest& r, std::string_view peer) {
          if (r.method == "GET" && r.path == "/metrics") return metrics_answer(ctx, peer);
          StatusAnswer none{Route::other, Response{}};
          none.response.status = 404;
          none.response.content_type = "text/plain; charset=utf-8";
          none.response.body = "not found\n";
          return none;
        },
        [&ctx](std::string_view peer, std::string_view forwarded) {
          return ctx.http.get()->proxies.client(std::string(peer), std::string(forwarded));
        });
  } else if (tls) {
    restinio::asio_ns::ssl::context context{restinio::asio_ns::ssl::context::tls_server};
    context.set_options(restinio::asio_ns::ssl::context::default_workarounds |
                        restinio::asio_ns::ssl::context::no_sslv2 | restinio::asio_ns::ssl::context::no_sslv3 |
                        restinio::asio_ns::ssl::context::no_tlsv1 | restinio::asio_ns::ssl::context::no_tlsv1_1);
    // TLS 1.2 with forward-secret AEAD suites only (no CBC, no SHA-1 MACs); TLS 1.3's are all AEAD.
    if (SSL_CTX_set_cipher_list(context.native_handle(),
                                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
      throw UserError("serve.tls_files", {{"detail", "cipher list"}});
    identity = std::make_unique<TlsIdentity>(config.path("service.tls_certificate"), config.path("service.tls_key"));
    identity->attach(context.native_handle());
    tls_server = std::make_unique<restinio::http_server_t<TlsTraits>>(
        restinio::external_io_context(ioctx),
        settings(restinio::server_settings_t<TlsTraits>{}).tls_context(std::move(context)));
  } else {
    plain_server = std::make_unique<restinio::http_server_t<Traits>>(
        restinio::external_io_context(ioctx),
        settings(restinio::server_settings_t<Traits>{})
            .socket_options_setter([](auto& socket_options) {
              socket_options.set_option(restinio::asio_ns::ip::tcp::no_delay{true});
            }));
  }
  auto close_async = [&](auto on_ok, auto on_error) {
    if (lean) {
      status_server->stop_accepting();
      on_ok();
    } else if (tls) {
      tls_server->close_async(on_ok, on_error);
    } else {
      plain_server->close_async(on_ok, on_error);
    }
  };
  auto open_async = [&](auto on_ok, auto on_error) {
    if (lean) {
      try {
        status_server->open();
        status_server->start();
      } catch (const std::exception&) {
        return on_error(std::current_exception());
      }
      on_ok();
    } else if (tls) {
      tls_server->open_async(on_ok, on_error);
    } else {
      plain_server->open_async(on_ok, on_error);
    }
  };

  // SIGHUP: the configuration read again; what can change while serving
  // does (TLS certificate, trusted proxies, /metrics readers, the portal's
  // settings and rate limits); sessions and connections stay.
  Config current = config;
  restinio::asio_ns::signal_set hangup(ioctx, SIGHUP);
  std::function<void()> wait_for_hangup = [&] {
    hangup.async_wait([&](const restinio::asio_ns::error_code& error, int) {
      if (error) return;
      reload(current, ReloadTargets{ctx.http, identity.get(), portal.get()});
      wait_for_hangup();
    });
  };
  wait_for_hangup();
  std::exception_ptr failure;
  std::thread stopper;  // waits for the requests under way after SIGTERM, then stops the workers
  restinio::asio_ns::signal_set signals(ioctx, SIGINT, SIGTERM);
  signals.async_wait([&](const restinio::asio_ns::error_code& ec, int) {
    if (ec) return;
    std::fprintf(stderr, "tugra serve: stopping\n");
    hangup.cancel();
    close_async(
        [&] {
          // The acceptor is closed; let the requests under way finish.
          // Joined below, not detached: with no work left the workers' run()
          // can return before this thread is done, and a detached one would
          // then stop an io_context that no longer exists.
          stopper = std::thread([&] {
            for (int i = 0; i < 100 && in_flight.load() > 0; ++i) std::this_thread::sleep_for(50ms);
            std::this_thread::sleep_for(100ms);  // responses already handed to the socket
            ioctx.stop();
          });
        },
        [&](std::exception_ptr ex) {
          failure = ex;
          ioctx.stop();
        });
  });
  open_async(
      [&] {
        std::fprintf(stderr, "tugra serve: listening on %s://%s:%d/ (%s)\n", tls ? "https" : "http",
                     address.c_str(), port,
                     status_role && portal_role ? "portal, OCSP, CRL, CA certificates"
                     : status_role              ? "OCSP, CRL, CA certificates"
                                                : "portal");
      },
      [&](std::exception_ptr ex) {
        // Most often the address is taken: say which, as a refusal (exit 1).
        try {
          std::rethrow_exception(ex);
        } catch (const std::exception& e) {
          failure = std::make_exception_ptr(UserError("serve.cannot_listen", {{"listen", listen}, {"detail", e.what()}}));
        }
        ioctx.stop();
      });

  if (lean) {
    // The status server has its own threads; this one waits for signals.
    auto keep_running = restinio::asio_ns::make_work_guard(ioctx);
    ioctx.run();
    status_server->stop();
  } else {
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) workers.emplace_back([&] { ioctx.run(); });
    for (auto& t : workers) t.join();
  }
  if (stopper.joinable()) stopper.join();
  portal_queue.reset();  // every job is done: in_flight reached 0 before the stop
  signing_queue.reset();
  if (status) status->stop();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace tugra::web
