// The status role's own HTTP/1.1 server, used when a process serves the
// status role without the portal and without TLS (`tugra serve --roles
// status`, the status hosts of a deployment).
//
// Relying parties fetch pre-signed OCSP answers at tens of thousands a
// second, and a general server (RESTinio: a request object, header maps and
// a response built per request) spent more than nginx spends sending a file.
// This one is built for that one job: an epoll loop per thread, the request
// read by http_parser into the connection's reused buffers, the pre-signed
// answer looked up by the raw request bytes and copied out with its headers
// rendered when it was signed, pipelined requests answered in one write,
// the access log batched. Nothing is allocated per request on that path.
// Everything else the status role answers goes through StatusRoutes, as in
// the general server.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "web/request_reader.hpp"
#include "web/status_routes.hpp"

namespace tugra::web {

class AccessLog;
class Metrics;

class StatusHttpServer {
 public:
  struct Options {
    std::string address;  // IPv4 or IPv6 literal
    int port = 0;
    int threads = 1;
    RequestReader::Limits limits;
  };
  // What a request the status routes do not answer gets (/metrics, 404);
  // `peer` is the connection's address.
  using Fallback = std::function<StatusAnswer(const StatusRequest& request, std::string_view peer)>;
  // The client named in a log line when a request has X-Forwarded-For.
  using ClientOf = std::function<std::string(std::string_view peer, std::string_view forwarded_for)>;

  StatusHttpServer(Options options, StatusRoutes& routes, Metrics& metrics, AccessLog& log, Fallback fallback,
                   ClientOf client_of);
  ~StatusHttpServer();
  StatusHttpServer(const StatusHttpServer&) = delete;
  StatusHttpServer& operator=(const StatusHttpServer&) = delete;

  // Binds and listens; throws std::runtime_error (the address taken, ...).
  void open();
  // Starts the loops' threads.
  void start();
  // No new connections; those open are still answered.
  void stop_accepting();
  // Closes every connection and ends the loops; joins them.
  void stop();

 private:
  class Loop;
  Options options_;
  StatusRoutes& routes_;
  Metrics& metrics_;
  AccessLog& log_;
  Fallback fallback_;
  ClientOf client_of_;
  std::atomic<int> listener_{-1};
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace tugra::web
