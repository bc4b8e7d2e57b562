#include "web/sms_confirmation.hpp"

#include <openssl/crypto.h>
#include <sodium.h>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "crypto/openssl.hpp"
#include "ra/contact.hpp"

namespace tugra::web {
namespace {

constexpr int kCodesPerSession = 3;

std::string code_hash(const std::string& session_id, const std::string& code) {
  return confirmation_hash(session_id, "sms", code);
}

Data flow_data(const SmsFlow& flow) {
  Data d = flow.frame;
  d.set("send_path", flow.send_path);
  d.set("code_path", flow.code_path);
  if (flow.holder) d.set("holder", true);
  return d;
}

// The person's SMS step is locked: say for how long.
Response locked_page(Exchange& ex, Backend& b) {
  Data d;
  d.set("message", ex.text("web.sms.locked", {{"minutes", std::to_string(b.sms_lock_minutes())}}));
  return ex.page("error", d, ex.text("web.error_title"), 429);
}

}  // namespace

std::string new_confirmation_code() {
  std::string code;
  for (int i = 0; i < 6; ++i) code += static_cast<char>('0' + randombytes_uniform(10));
  return code;
}

std::string confirmation_hash(const std::string& session_id, const std::string& purpose, const std::string& code) {
  return ossl::sha256_hex(as_bytes(session_id + ":" + purpose + ":" + code));
}

Response sms_page(Exchange& ex, const SmsFlow& flow, const std::string& mobile) {
  Data d = flow_data(flow);
  d.set("phone", ra::mask_phone(mobile));
  return ex.page("sms_confirm", d, ex.text("web.sms.title"));
}

Response send_sms_code(Exchange& ex, Session& s, const SmsFlow& flow, const std::string& mobile,
                       const std::string& who) {
  if (s.sms_sent >= kCodesPerSession) return ex.error_page(429, "web.sms.too_many");
  std::optional<Response> locked = ex.portal.backends.with([&](Backend& b) -> std::optional<Response> {
    if (b.sms_codes_locked(who)) return locked_page(ex, b);
    return std::nullopt;
  });
  if (locked) return *locked;
  std::string code = new_confirmation_code();
  s.sms_code_hash = code_hash(s.id, code);
  s.sms_expires = now_seconds() + ex.settings->sms_code_seconds;
  s.sms_attempts_left = ex.settings->sms_code_attempts;
  ++s.sms_sent;
  ex.portal.backends.with([&](Backend& b) {
    // The holder logs in; an applicant confirms an application: each reads what the code is for.
    b.send_sms(mobile, message(flow.holder ? "notify.login_code" : "notify.sms_code",
                               {{"code", code}, {"minutes", std::to_string(ex.settings->sms_code_seconds / 60)}}));
  });
  sodium_memzero(code.data(), code.size());
  return Response::redirect(flow.code_path);
}

Response sms_code_page(Exchange& ex, Session& s, const SmsFlow& flow, const std::string& error, int status) {
  Data d = flow_data(flow);
  std::int64_t left = std::max<std::int64_t>(0, s.sms_expires - now_seconds());
  d.set("seconds", std::to_string(left));
  if (left == 0) d.set("expired", true);
  if (!error.empty()) d.set("error", error);
  return ex.page("sms_code", d, ex.text("web.sms.code_title"), status);
}

CodeCheck check_sms_code(Exchange& ex, Session& s, const SmsFlow& flow, const std::string& who, Response& page) {
  if (s.sms_code_hash.empty()) return CodeCheck::none;
  if (s.sms_expires < now_seconds()) {
    s.sms_code_hash.clear();
    page = sms_code_page(ex, s, flow, ex.text("web.sms.code_expired"), 400);
    return CodeCheck::expired;
  }
  // Counted for the person before the code is compared: new sessions and
  // parallel attempts add up to one limit.
  std::string typed = code_hash(s.id, ex.field("code"));
  bool right = typed.size() == s.sms_code_hash.size() &&
               CRYPTO_memcmp(typed.data(), s.sms_code_hash.data(), typed.size()) == 0;
  bool locked = ex.portal.backends.with([&](Backend& b) {
    if (!b.sms_code_begin(who)) {
      page = locked_page(ex, b);
      return true;
    }
    if (right) {
      b.sms_code_right(who);
      return false;
    }
    if (b.sms_code_wrong(who)) {
      page = locked_page(ex, b);
      return true;
    }
    return false;
  });
  if (locked) {
    s.sms_code_hash.clear();
    s.sms_expires = 0;
    return CodeCheck::wrong;
  }
  if (right) {
    s.sms_code_hash.clear();
    return CodeCheck::ok;
  }
  if (--s.sms_attempts_left <= 0) {
    s.sms_code_hash.clear();
    s.sms_expires = 0;
    page = sms_code_page(ex, s, flow, ex.text("web.sms.code_void"), 400);
  } else {
    page = sms_code_page(ex, s, flow, ex.text("web.sms.code_wrong", {{"left", std::to_string(s.sms_attempts_left)}}), 400);
  }
  return CodeCheck::wrong;
}

}  // namespace tugra::web
