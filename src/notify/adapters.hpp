// The notifier adapters (internal to notify/).
#pragma once

#include <string>

#include "notify/notifier.hpp"

namespace tugra::notify {

// Writes each message to the outbox table, where `tugra outbox` and the demo
// page read it.
class OutboxNotifier : public Notifier {
 public:
  explicit OutboxNotifier(store::Database& db) : db_(db) {}
  void send(const Notification& n) override;

 private:
  store::Database& db_;
};

// POSTs to an SMS gateway: notify.sms_url, notify.sms_auth_header ("Name:
// value"), notify.sms_body with {to} and {text} placeholders (escaped for
// JSON when the content type is JSON, percent-escaped otherwise).
class HttpSmsNotifier : public Notifier {
 public:
  explicit HttpSmsNotifier(const Config& config);
  void send(const Notification& n) override;

 private:
  std::string url_, auth_header_, body_template_, content_type_;
};

// Sends through an SMTP server (notify.smtp_url, "smtp://host:port" or
// "smtps://"), from notify.smtp_from, with optional user and password.
class SmtpNotifier : public Notifier {
 public:
  explicit SmtpNotifier(const Config& config);
  void send(const Notification& n) override;

 private:
  std::string url_, from_, user_, password_;
};

// The RFC 5322 message (UTF-8 subject as an RFC 2047 word, base64 body).
std::string build_mail(const std::string& from, const std::string& to, const std::string& subject,
                       const std::string& body, std::int64_t unix_seconds);

}  // namespace tugra::notify
