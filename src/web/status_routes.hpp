// The status role's HTTP endpoints, apart from the server that carries them:
// OCSP (GET /ocsp/{request}, POST /ocsp), time stamps (POST /tsa), CRLs
// (/crl/{ca}.crl), CA certificates (/ca/{ca}.crt) and /healthz. RESTinio
// (server.cpp, with the portal or TLS) and the lean status server
// (status_http_server.hpp) both answer through these.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>

#include "common/bytes.hpp"
#include "web/http.hpp"
#include "web/metrics.hpp"

namespace tugra::status {
class StatusService;
class TimestampService;
struct PresignedAnswer;
}  // namespace tugra::status

namespace tugra::web {

class WorkQueue;

struct StatusRequest {
  std::string_view method;  // "GET", "POST"
  std::string_view path;    // without the query
  std::string_view if_none_match;
  std::string_view content_type;
  std::string_view body;
};

// An answer and the route it is counted under in /metrics.
struct StatusAnswer {
  Route route = Route::other;
  Response response;
};

const char* reason_phrase(int status);

class StatusRoutes {
 public:
  // Answers signed now (a nonce, a time stamp) are signed on `signing`;
  // `in_flight` counts them until they are handed back.
  StatusRoutes(status::StatusService& status, status::TimestampService* tsa, WorkQueue& signing,
               std::atomic<int>& in_flight, std::size_t max_body);

  enum class Routed { answered, deferred, not_mine };
  // A request to a status endpoint is answered into `now`, or signed on a
  // signing thread and handed to `later` there; not_mine for any other.
  Routed route(const StatusRequest& request, StatusAnswer& now, std::function<void(StatusAnswer)> later);

  // The hot path: a fresh pre-signed answer for an OCSP GET (by its raw
  // path) or POST (by its body), or null when it must go through route().
  std::shared_ptr<const status::PresignedAnswer> presigned(const StatusRequest& request);

  status::StatusService& status() { return status_; }

 private:
  StatusAnswer ocsp(ByteView der, std::string_view if_none_match, bool get, const std::function<void(StatusAnswer)>& later,
                    Routed& routed);

  status::StatusService& status_;
  status::TimestampService* tsa_;
  WorkQueue& signing_;
  std::atomic<int>& in_flight_;
  std::size_t max_body_;
};

}  // namespace tugra::web
