// SMS and e-mail to applicants, holders and officers, behind one interface.
// The default adapters write to the outbox table (`tugra outbox`); the real
// ones are an HTTP SMS gateway and SMTP, both through libcurl.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace tugra {
class Config;
}
namespace tugra::store {
class Database;
}

namespace tugra::notify {

enum class Channel { sms, email };

struct Notification {
  Channel channel = Channel::sms;
  std::string to;       // "+905321234567" or an e-mail address
  std::string subject;  // e-mail only
  std::string body;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Delivers or throws UserError("notify.failed"). Call outside a write
  // transaction: the outbox adapter commits its own.
  virtual void send(const Notification& n) = 0;
};

// Deliveries that failed in this process since it started, per channel
// (/metrics: tugra_notification_failures_total).
std::uint64_t failures(Channel channel);

// The adapter notify.sms / notify.email of `config` names for `channel`.
std::unique_ptr<Notifier> make_notifier(Channel channel, const Config& config, store::Database& db);

// Both channels, and the holder's preferred channel ("email", "sms", "both").
class Notifications {
 public:
  Notifications(const Config& config, store::Database& db);
  ~Notifications();
  void sms(const std::string& to, const std::string& body);
  void email(const std::string& to, const std::string& subject, const std::string& body);
  void preferred(const std::string& channel, const std::string& phone, const std::string& email,
                 const std::string& subject, const std::string& body);

 private:
  std::unique_ptr<Notifier> sms_, email_;
};

}  // namespace tugra::notify
