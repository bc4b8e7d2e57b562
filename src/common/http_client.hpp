// One HTTP request through libcurl, for the few places Tugra calls out: the
// SMS gateway, the audit witness endpoint and the institutions' webhooks.
#pragma once

#include <string>
#include <vector>

namespace tugra {

struct HttpReply {
  long status = 0;
  std::string body;
};

struct HttpOptions {
  long connect_seconds = 10, total_seconds = 30;
  std::string ca_file;  // trusted for https:// besides the system's CAs ("" for those only)
  bool https_only = false;  // refuse to follow anything but https://
};

// `method` "GET" or "POST" (with `body`); `headers` as "Name: value".
// Throws std::runtime_error when no answer came (the answer's status,
// whatever it is, is returned).
HttpReply http_request(const std::string& method, const std::string& url, const std::string& body = "",
                       const std::vector<std::string>& headers = {}, const HttpOptions& options = {});

}  // namespace tugra
