// The request and response as the portal pages see them: plain structs, so
// page code does not include the HTTP server's (large) headers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tugra::web {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::string query;   // raw, without '?'
  std::string body;
  std::string remote_ip;
  bool tls = false;
  std::function<std::string(std::string_view)> header;  // "" when absent
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  Response& with(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  static Response redirect(const std::string& location) {
    Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.body = location + "\n";
    r.headers.emplace_back("Location", location);
    return r;
  }
};

}  // namespace tugra::web
