#include "notify/notifier.hpp"

#include <atomic>

#include "common/config.hpp"
#include "common/error.hpp"
#include "notify/adapters.hpp"

namespace tugra::notify {

std::unique_ptr<Notifier> make_notifier(Channel channel, const Config& config, store::Database& db) {
  const char* key = channel == Channel::sms ? "notify.sms" : "notify.email";
  std::string kind = config.str(key);
  if (kind == "outbox") return std::make_unique<OutboxNotifier>(db);
  if (channel == Channel::sms && kind == "http") return std::make_unique<HttpSmsNotifier>(config);
  if (channel == Channel::email && kind == "smtp") return std::make_unique<SmtpNotifier>(config);
  throw UserError("notify.unknown_adapter", {{"key", key}, {"value", kind}});
}

Notifications::Notifications(const Config& config, store::Database& db)
    : sms_(make_notifier(Channel::sms, config, db)), email_(make_notifier(Channel::email, config, db)) {}

Notifications::~Notifications() = default;

namespace {

std::atomic<std::uint64_t> failed[2];

void counted(Notifier& notifier, const Notification& n) {
  try {
    notifier.send(n);
  } catch (...) {
    failed[n.channel == Channel::sms ? 0 : 1]++;
    throw;
  }
}

}  // namespace

std::uint64_t failures(Channel channel) { return failed[channel == Channel::sms ? 0 : 1].load(); }

void Notifications::sms(const std::string& to, const std::string& body) {
  counted(*sms_, {Channel::sms, to, "", body});
}

void Notifications::email(const std::string& to, const std::string& subject, const std::string& body) {
  counted(*email_, {Channel::email, to, subject, body});
}

void Notifications::preferred(const std::string& channel, const std::string& phone, const std::string& email_to,
                              const std::string& subject, const std::string& body) {
  if ((channel == "sms" || channel == "both") && !phone.empty()) sms(phone, body);
  if ((channel == "email" || channel == "both" || phone.empty()) && !email_to.empty()) email(email_to, subject, body);
}

}  // namespace tugra::notify
