#include "web/status_routes.hpp"

#include <algorithm>

#include "common/clock.hpp"
#include "common/url.hpp"
#include "status/ocsp_responder.hpp"
#include "status/status_service.hpp"
#include "status/timestamp_service.hpp"
#include "web/work_queue.hpp"

namespace tugra::web {

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Client Error" : "Internal Server Error";
  }
}

namespace {

// If-None-Match names `etag` (alone or in a list): the client's copy is current (RFC 9110 §13.1.2).
bool not_modified(std::string_view if_none_match, const std::string& etag) {
  return !etag.empty() && if_none_match.find(etag) != std::string_view::npos;
}

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response ocsp_response(status::StatusService::OcspReply reply, std::string_view if_none_match, bool get) {
  Response r;
  r.content_type = "application/ocsp-response";
  if (!reply.cacheable) {
    r.with("Cache-Control", "no-store");
    r.body = std::move(reply.der);
    return r;
  }
  // RFC 5019 §6: a cache (a CDN, nginx) may keep a GET's answer until
  // nextUpdate, and revalidate it with If-None-Match.
  const status::PresignedAnswer& a = *reply.cacheable;
  std::int64_t max_age = std::max<std::int64_t>(0, a.next_update - now_seconds());
  r.with("Cache-Control", "public, max-age=" + std::to_string(max_age) + ", no-transform")
      .with("ETag", a.etag)
      .with("Last-Modified", a.last_modified)
      .with("Expires", a.expires);
  if (get && not_modified(if_none_match, a.etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.body = a.der;
  return r;
}

}  // namespace

StatusRoutes::StatusRoutes(status::StatusService& status, status::TimestampService* tsa, WorkQueue& signing,
                           std::atomic<int>& in_flight, std::size_t max_body)
    : status_(status), tsa_(tsa), signing_(signing), in_flight_(in_flight), max_body_(max_body) {}

// A pre-signed answer goes out at once; one that must be signed now (a
// nonce, a first request) is signed on the signing threads, so signatures
// use every core while the HTTP threads keep answering.
StatusAnswer StatusRoutes::ocsp(ByteView der, std::string_view if_none_match, bool get,
                                const std::function<void(StatusAnswer)>& later, Routed& routed) {
  if (auto hit = status_.presigned(std::string_view(reinterpret_cast<const char*>(der.data()), der.size()), der)) {
    routed = Routed::answered;
    return {Route::ocsp, ocsp_response({std::move(hit), {}}, if_none_match, get)};
  }
  routed = Routed::deferred;
  ++in_flight_;
  signing_.post([this, later, request = Bytes(der.begin(), der.end()), tag = std::string(if_none_match), get] {
    later({Route::ocsp, ocsp_response(status_.sign(request), tag, get)});
    --in_flight_;
  });
  return {};
}

StatusRoutes::Routed StatusRoutes::route(const StatusRequest& r, StatusAnswer& now,
                                         std::function<void(StatusAnswer)> later) {
  const bool get = r.method == "GET", post = r.method == "POST";
  std::string_view path = r.path;
  Routed routed = Routed::answered;
  if (get && path.starts_with("/ocsp/")) {
    // The base64 may hold '/' and '+', escaped or not.
    Bytes der;
    try {
      der = base64_decode(percent_decode(path.substr(6)));
    } catch (const std::exception&) {
      now = {Route::ocsp, Response{}};
      now.response.content_type = "application/ocsp-response";
      now.response.body = to_string(status::OcspResponder::error_response(status::OcspResponder::kMalformedRequest));
      now.response.with("Cache-Control", "no-store");
      return routed;
    }
    if (der.size() > max_body_) {
      now = {Route::ocsp, text(413, "request too large\n")};
      return routed;
    }
    now = ocsp(der, r.if_none_match, true, later, routed);
    return routed;
  }
  if (post && path == "/ocsp") {
    now = ocsp(as_bytes(r.body), r.if_none_match, false, later, routed);  // its size checked by the server
    return routed;
  }
  if (post && path == "/tsa" && tsa_) {
    // RFC 3161 over HTTP (§3.4), signed on the signing threads like a live OCSP answer.
    if (r.content_type != "application/timestamp-query") {
      now = {Route::tsa, text(415, "application/timestamp-query expected\n")};
      return routed;
    }
    ++in_flight_;
    signing_.post([this, later, query = std::string(r.body)] {
      StatusAnswer a{Route::tsa, Response{}};
      a.response.content_type = "application/timestamp-reply";
      a.response.body = to_string(tsa_->respond(as_bytes(query)));
      a.response.with("Cache-Control", "no-store");
      later(std::move(a));
      --in_flight_;
    });
    return Routed::deferred;
  }
  // Each CA generation's CRLs and certificate: /crl/nes.crl, /crl/nes-2-delta.crl, /ca/root.crt.
  if (get && path.starts_with("/crl/") && path.size() > 9 && path.ends_with(".crl")) {
    auto crl = status_.crl(std::string(path.substr(5, path.size() - 9)));
    if (!crl) {
      now = {Route::crl, text(404, "not found\n")};
      return routed;
    }
    Response& out = (now = {Route::crl, Response{}}).response;
    std::string etag = "\"" + std::to_string(crl->number) + "\"";
    std::int64_t max_age = std::max<std::int64_t>(0, crl->next_update - now_seconds());
    out.with("ETag", etag)
        .with("Last-Modified", format_http_date(crl->this_update))
        .with("Expires", format_http_date(crl->next_update))
        // Never cached past nextUpdate; a new CRL follows a status change within seconds.
        .with("Cache-Control", "public, max-age=" + std::to_string(std::min<std::int64_t>(max_age, 60)));
    if (not_modified(r.if_none_match, etag)) {
      out.status = 304;
      out.content_type.clear();
    } else {
      out.content_type = "application/pkix-crl";
      out.body = crl->der;
    }
    return routed;
  }
  if (get && path.starts_with("/ca/") && path.size() > 8 && path.ends_with(".crt")) {
    std::string der = status_.ca_certificate(std::string(path.substr(4, path.size() - 8)));
    if (der.empty()) {
      now = {Route::ca, text(404, "not found\n")};
      return routed;
    }
    now = {Route::ca, Response{}};
    now.response.content_type = "application/pkix-cert";
    now.response.body = std::move(der);
    now.response.with("Cache-Control", "public, max-age=86400");
    return routed;
  }
  if (get && path == "/healthz") {
    std::string problem;
    bool ok = status_.healthy(&problem);
    now = {Route::healthz, text(ok ? 200 : 503, (ok ? "ok" : problem.empty() ? "database" : problem) + "\n")};
    now.response.with("Cache-Control", "no-store");
    return routed;
  }
  return Routed::not_mine;
}

std::shared_ptr<const status::PresignedAnswer> StatusRoutes::presigned(const StatusRequest& r) {
  if (r.method == "GET" && r.path.starts_with("/ocsp/")) {
    if (auto hit = status_.presigned(r.path)) return hit;
    Bytes der;
    try {
      der = base64_decode(percent_decode(r.path.substr(6)));
    } catch (const std::exception&) {
      return nullptr;
    }
    if (der.size() > max_body_) return nullptr;
    return status_.presigned(r.path, der);
  }
  if (r.method == "POST" && r.path == "/ocsp") return status_.presigned(r.body, as_bytes(r.body));
  return nullptr;
}

}  // namespace tugra::web
