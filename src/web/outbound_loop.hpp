// The portal's outbound work, on a thread of its own, every
// webhooks.poll_milliseconds: webhooks (certificate changes turned into
// events, the events due leased, sent with no database connection held
// meanwhile, each attempt recorded) and, when directory.ldap_url is set,
// the LDAP directory. It also forgets idempotency answers older than a day.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include <memory>

#include "ra/ldap_directory.hpp"
#include "ra/webhooks.hpp"

namespace tugra::web {

class PortalState;

class OutboundLoop {
 public:
  explicit OutboundLoop(PortalState& portal);
  ~OutboundLoop();  // stops the thread, after the webhook it may be sending

 private:
  void run(const std::stop_token& stop);
  void round();

  PortalState& portal_;
  ra::WebhookSettings settings_;
  std::unique_ptr<ra::LdapPublisher> ldap_;  // none without directory.ldap_url
  std::chrono::milliseconds poll_;
  std::int64_t forgot_at_ = 0;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace tugra::web
