#include "agent/agent_server.hpp"

#include <restinio/all.hpp>

#include <csignal>
#include <cstdio>

#include "common/error.hpp"

namespace tugra::agent {
namespace {

using Traits = restinio::traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;

std::string header(const restinio::request_handle_t& req, const char* name) {
  return req->header().get_field_or(name, "");
}

}  // namespace

void check_loopback(const std::string& host) {
  if (host != "127.0.0.1" && host != "::1") throw UserError("agent.not_loopback", {{"host", host}});
}

void serve(AgentService& service, const AgentSettings& settings) {
  check_loopback(settings.host);
  using namespace std::chrono_literals;
  restinio::asio_ns::io_context ioctx;
  restinio::http_server_t<Traits> server(
      restinio::external_io_context(ioctx),
      restinio::server_settings_t<Traits>{}
          .port(static_cast<std::uint16_t>(settings.port))
          .address(settings.host)
          .read_next_http_message_timelimit(30s)
          .handle_request_timeout(120s)  // a card signs in seconds; an RSA key generation is not asked here
          .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}.max_body_size(16u << 20))
          .request_handler([&service](const restinio::request_handle_t& req) {
            AgentRequest r;
            r.method = std::string(req->header().method().c_str());
            r.path = std::string(req->header().path());
            r.query = std::string(req->header().query());
            r.host = header(req, "Host");
            r.origin = header(req, "Origin");
            r.content_type = header(req, "Content-Type");
            r.accept_language = header(req, "Accept-Language");
            r.private_network = header(req, "Access-Control-Request-Private-Network") == "true";
            r.body = req->body();
            AgentResponse a;
            try {
              a = service.handle(r);
            } catch (const std::exception& e) {
              std::fprintf(stderr, "tugra agent: %s %s: %s\n", r.method.c_str(), r.path.c_str(), e.what());
              a = {500, "text/plain; charset=utf-8", "internal error\n", {}};
            }
            auto response = req->create_response(restinio::http_status_line_t{
                restinio::http_status_code_t{static_cast<std::uint16_t>(a.status)}, ""});
            response.append_header(restinio::http_field::server, "tugra-agent")
                .append_header("X-Content-Type-Options", "nosniff");
            if (!a.content_type.empty()) response.append_header(restinio::http_field::content_type, a.content_type);
            for (const auto& [name, value] : a.headers) response.append_header(name, value);
            std::fprintf(stdout, "%s %s %d\n", r.method.c_str(), r.path.substr(0, 40).c_str(), a.status);
            std::fflush(stdout);
            return response.set_body(std::move(a.body)).done();
          }));
  std::exception_ptr failure;
  restinio::asio_ns::signal_set signals(ioctx, SIGINT, SIGTERM);
  signals.async_wait([&](const restinio::asio_ns::error_code& ec, int) {
    if (ec) return;
    server.close_async([&] { ioctx.stop(); }, [&](std::exception_ptr) { ioctx.stop(); });
  });
  server.open_async(
      [&] {
        std::fprintf(stderr, "tugra agent: listening on %s/ for %zu portal origin(s)\n",
                     service.own_origin().c_str(), service.policy().origins().size());
      },
      [&](std::exception_ptr ex) {
        try {
          std::rethrow_exception(ex);
        } catch (const std::exception& e) {
          failure = std::make_exception_ptr(UserError(
              "serve.cannot_listen", {{"listen", service.own_origin()}, {"detail", e.what()}}));
        }
        ioctx.stop();
      });
  ioctx.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace tugra::agent
