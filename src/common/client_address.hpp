// The address of the person whose request this thread is serving: set by the
// web server for the time of one request, read by the audit log so that
// every record of a web action names where it came from.
#pragma once

#include <string>

namespace tugra {

class ClientAddressScope {
 public:
  explicit ClientAddressScope(std::string address);
  ~ClientAddressScope();
  ClientAddressScope(const ClientAddressScope&) = delete;
  ClientAddressScope& operator=(const ClientAddressScope&) = delete;

 private:
  std::string previous_;
};

// "" outside a web request (the CLI, the ca role).
const std::string& current_client_address();

}  // namespace tugra
