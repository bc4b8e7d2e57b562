#include "notify/adapters.hpp"

#include <curl/curl.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/http_client.hpp"
#include "common/url.hpp"
#include "store/database.hpp"
#include "store/portal_records.hpp"

namespace tugra::notify {
namespace {

struct Curl {
  CURL* handle;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  Curl() : handle(curl_easy_init()) {
    if (!handle) throw std::runtime_error("libcurl: cannot create a handle");
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, 30L);
  }
  ~Curl() {
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(handle);
  }
  void perform(const char* what) {
    CURLcode rc = curl_easy_perform(handle);
    if (rc != CURLE_OK) throw UserError("notify.failed", {{"channel", what}, {"detail", curl_easy_strerror(rc)}});
  }
};

std::string fill(const std::string& pattern, const std::string& to, const std::string& text, bool json) {
  auto escape = [json](const std::string& v) {
    if (json) {
      std::string quoted = nlohmann::json(v).dump();
      return quoted.substr(1, quoted.size() - 2);
    }
    return percent_encode(v);
  };
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 4, "{to}") == 0) {
      out += escape(to);
      i += 4;
    } else if (pattern.compare(i, 6, "{text}") == 0) {
      out += escape(text);
      i += 6;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

std::string address_of(const std::string& mailbox) {
  auto lt = mailbox.find('<'), gt = mailbox.find('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return mailbox.substr(lt, gt - lt + 1);
  return "<" + mailbox + ">";
}

}  // namespace

void OutboxNotifier::send(const Notification& n) {
  store::OutboxMessage m{0, n.channel == Channel::sms ? "sms" : "email", n.to, n.subject, n.body, 0};
  store::Transaction tx(db_);
  store::OutboxRepository(db_).insert(m);
  tx.commit();
}

HttpSmsNotifier::HttpSmsNotifier(const Config& config)
    : url_(config.str("notify.sms_url")),
      auth_header_(config.str("notify.sms_auth_header")),
      body_template_(config.str("notify.sms_body")),
      content_type_(config.str("notify.sms_content_type")) {
  if (url_.empty()) throw UserError("notify.no_url", {{"key", "notify.sms_url"}});
}

void HttpSmsNotifier::send(const Notification& n) {
  std::string body = fill(body_template_, n.to, n.body, content_type_.find("json") != std::string::npos);
  std::vector<std::string> headers = {"Content-Type: " + content_type_};
  if (!auth_header_.empty()) headers.push_back(auth_header_);
  HttpReply reply;
  try {
    reply = http_request("POST", url_, body, headers);
  } catch (const std::runtime_error& e) {
    throw UserError("notify.failed", {{"channel", "sms"}, {"detail", e.what()}});
  }
  if (reply.status < 200 || reply.status >= 300)
    throw UserError("notify.failed", {{"channel", "sms"}, {"detail", "HTTP " + std::to_string(reply.status)}});
}

SmtpNotifier::SmtpNotifier(const Config& config)
    : url_(config.str("notify.smtp_url")),
      from_(config.str("notify.smtp_from")),
      user_(config.str("notify.smtp_user")),
      password_(config.str("notify.smtp_password")) {
  if (url_.empty()) throw UserError("notify.no_url", {{"key", "notify.smtp_url"}});
}

std::string build_mail(const std::string& from, const std::string& to, const std::string& subject,
                       const std::string& body, std::int64_t unix_seconds) {
  std::string encoded_body = base64_encode(as_bytes(body)), wrapped;
  for (std::size_t i = 0; i < encoded_body.size(); i += 76) wrapped += encoded_body.substr(i, 76) + "\r\n";
  return "Date: " + format_time(unix_seconds, "%a, %d %b %Y %H:%M:%S +0000") + "\r\nFrom: " + from + "\r\nTo: " +
         address_of(to) + "\r\nSubject: =?UTF-8?B?" + base64_encode(as_bytes(subject)) +
         "?=\r\nMessage-ID: <" + hex_encode(random_bytes(12)) + "@tugra>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrapped;
}

void SmtpNotifier::send(const Notification& n) {
  struct Source {
    std::string text;
    std::size_t pos = 0;
  } source{build_mail(from_, n.to, n.subject, n.body, now_seconds())};
  Curl curl;
  curl_easy_setopt(curl.handle, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl.handle, CURLOPT_MAIL_FROM, address_of(from_).c_str());
  curl.recipients = curl_slist_append(curl.recipients, address_of(n.to).c_str());
  curl_easy_setopt(curl.handle, CURLOPT_MAIL_RCPT, curl.recipients);
  if (!user_.empty()) {
    curl_easy_setopt(curl.handle, CURLOPT_USERNAME, user_.c_str());
    curl_easy_setopt(curl.handle, CURLOPT_PASSWORD, password_.c_str());
  }
  curl_easy_setopt(curl.handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.handle, CURLOPT_READDATA, &source);
  curl_easy_setopt(curl.handle, CURLOPT_READFUNCTION, +[](char* buffer, size_t size, size_t count, void* data) {
    auto* s = static_cast<Source*>(data);
    std::size_t chunk = std::min(size * count, s->text.size() - s->pos);
    std::memcpy(buffer, s->text.data() + s->pos, chunk);
    s->pos += chunk;
    return chunk;
  });
  curl.perform("email");
}

}  // namespace tugra::notify
