// The portal's webhook sender: a thread that, every
// webhooks.poll_milliseconds, turns certificate changes into events, leases
// the events due, sends them (no database connection held meanwhile) and
// records each attempt. It also forgets idempotency answers older than a day.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "ra/webhooks.hpp"

namespace tugra::web {

class PortalState;

class WebhookLoop {
 public:
  explicit WebhookLoop(PortalState& portal);
  ~WebhookLoop();  // stops the thread, after the webhook it may be sending

 private:
  void run(const std::stop_token& stop);
  void round();

  PortalState& portal_;
  ra::WebhookSettings settings_;
  std::chrono::milliseconds poll_;
  std::int64_t forgot_at_ = 0;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace tugra::web
