// One HTTP request through libcurl, for the few places Tugra calls out: the
// SMS gateway and the audit witness endpoint.
#pragma once

#include <string>
#include <vector>

namespace tugra {

struct HttpReply {
  long status = 0;
  std::string body;
};

// `method` "GET" or "POST" (with `body`); `headers` as "Name: value".
// 10 s to connect, 30 s in all. Throws std::runtime_error when no answer
// came (the answer's status, whatever it is, is returned).
HttpReply http_request(const std::string& method, const std::string& url, const std::string& body = "",
                       const std::vector<std::string>& headers = {});

}  // namespace tugra
