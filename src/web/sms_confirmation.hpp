// The SMS confirmation both journeys share (seed 000 steps 3/6-4/6, seeds
// 002-004 "SMS Onay Ekranı" and "SMS Onay Kodu Giriş Ekranı"): the masked
// number and "Onay", then the code with the seconds left, a few attempts
// per code and a few codes per session. Only the code's hash is kept.
#pragma once

#include <string>

#include "web/portal_internal.hpp"

namespace tugra::web {

struct SmsFlow {
  std::string send_path;  // POST here sends a code; GET shows the number
  std::string code_path;  // POST here checks the code
  bool holder = false;    // the holder's texts instead of the application's
  Data frame;             // breadcrumbs / step of the journey
};

Response sms_page(Exchange& ex, const SmsFlow& flow, const std::string& mobile);
// `who` is the person the codes are counted for, across sessions ("holder:TCKN", "apply:ID").
// Sends a new code; a redirect to the code page, or an error page after
// three codes in one session or while the person's SMS step is locked.
Response send_sms_code(Exchange& ex, Session& s, const SmsFlow& flow, const std::string& mobile,
                       const std::string& who);
Response sms_code_page(Exchange& ex, Session& s, const SmsFlow& flow, const std::string& error = "", int status = 200);

// A fresh 6-digit code, and the hash a session keeps of it (bound to the
// session and to what the code is for).
std::string new_confirmation_code();
std::string confirmation_hash(const std::string& session_id, const std::string& purpose, const std::string& code);

enum class CodeCheck { ok, none, expired, wrong };
// Checks the typed code; on `expired` or `wrong` the answer page is in `page`.
CodeCheck check_sms_code(Exchange& ex, Session& s, const SmsFlow& flow, const std::string& who, Response& page);

}  // namespace tugra::web
