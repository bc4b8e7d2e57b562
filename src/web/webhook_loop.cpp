#include "web/webhook_loop.hpp"

#include <cstdio>

#include "common/clock.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {

namespace {
constexpr std::int64_t kKeepAnswersSeconds = 24 * 3600;
}

WebhookLoop::WebhookLoop(PortalState& portal)
    : portal_(portal), poll_(std::max<long long>(50, portal.config.integer("webhooks.poll_milliseconds"))) {
  settings_.retry_seconds = std::max<long long>(1, portal.config.integer("webhooks.retry_seconds"));
  settings_.max_attempts = static_cast<int>(std::max<long long>(1, portal.config.integer("webhooks.max_attempts")));
  if (!portal.config.str("webhooks.ca_file").empty()) settings_.ca_file = portal.config.path("webhooks.ca_file").string();
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

WebhookLoop::~WebhookLoop() {
  thread_.request_stop();
  wake_.notify_all();
}

void WebhookLoop::run(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    try {
      round();
    } catch (const std::exception& e) {
      // The database may be away for a moment; the next round tries again.
      std::fprintf(stderr, "tugra webhooks: %s\n", e.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, poll_, [] { return false; });
  }
}

void WebhookLoop::round() {
  auto& pool = portal_.backends;
  pool.with([](Backend& b) { b.webhooks().collect_certificate_events(); });
  for (;;) {
    auto batch = pool.with([&](Backend& b) { return b.webhooks().lease(settings_, 16); });
    if (batch.empty()) break;
    for (const auto& webhook : batch) {
      auto result = ra::send_webhook(webhook, settings_);
      pool.with([&](Backend& b) { b.webhooks().record(webhook, result, settings_); });
    }
  }
  std::int64_t now = now_seconds();
  if (now - forgot_at_ > 3600) {
    pool.with([&](Backend& b) { b.forget_answers_before(now - kKeepAnswersSeconds); });
    forgot_at_ = now;
  }
}

}  // namespace tugra::web
