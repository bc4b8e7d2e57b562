#include "web/outbound_loop.hpp"

#include <cstdio>

#include "common/clock.hpp"
#include "common/files.hpp"
#include "common/text.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {

namespace {
constexpr std::int64_t kKeepAnswersSeconds = 24 * 3600;
}

OutboundLoop::OutboundLoop(PortalState& portal)
    : portal_(portal), poll_(std::max<long long>(50, portal.config.integer("webhooks.poll_milliseconds"))) {
  settings_.retry_seconds = std::max<long long>(1, portal.config.integer("webhooks.retry_seconds"));
  settings_.max_attempts = static_cast<int>(std::max<long long>(1, portal.config.integer("webhooks.max_attempts")));
  if (!portal.config.str("webhooks.ca_file").empty()) settings_.ca_file = portal.config.path("webhooks.ca_file").string();
  if (!portal.config.str("directory.ldap_url").empty()) {
    ra::LdapSettings ldap{portal.config.str("directory.ldap_url"), portal.config.str("directory.ldap_base"),
                          portal.config.str("directory.ldap_bind_dn"), ""};
    if (!portal.config.str("directory.ldap_password_file").empty())
      ldap.password = trim(read_file(portal.config.path("directory.ldap_password_file")));
    ldap_ = std::make_unique<ra::LdapPublisher>(std::move(ldap));
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

OutboundLoop::~OutboundLoop() {
  thread_.request_stop();
  wake_.notify_all();
}

void OutboundLoop::run(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    try {
      round();
    } catch (const std::exception& e) {
      // The database may be away for a moment; the next round tries again.
      std::fprintf(stderr, "tugra outbound: %s\n", e.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, poll_, [] { return false; });
  }
}

void OutboundLoop::round() {
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
  if (ldap_) pool.with([&](Backend& b) { b.publish_to_ldap(*ldap_); });
}

}  // namespace tugra::web
