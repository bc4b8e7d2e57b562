// Server-side portal sessions. The cookie holds only a random 256-bit id;
// the state lives here, in memory, and expires after portal.session_minutes
// of inactivity, or portal.session_max_hours after it began. A session is stored only once something is put in it (a
// captcha, a login): pages merely viewed need none, so a crawler or a load
// test does not fill memory.
//
// CSRF tokens are an HMAC of the session id under a per-process key (the
// signed double-submit pattern): every form carries one, every POST is
// checked against the cookie it came with.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ra/applications.hpp"

namespace tugra::web {

struct PendingCardSignature;

struct Session {
  std::mutex mutex;  // held by the request working on the session
  std::string id;
  std::int64_t last_seen = 0;
  std::int64_t created = 0;

  // The captcha shown last (single use).
  std::string captcha_answer;
  std::int64_t captcha_expires = 0;

  // The application journey (seed 000).
  std::optional<ra::Applicant> applicant;
  std::int64_t application_id = 0;
  std::string sms_code_hash;  // SHA-256 of the code sent
  std::int64_t sms_expires = 0;
  int sms_attempts_left = 0;
  int sms_sent = 0;

  // The holder's portal (seeds 001-004): the security word was right
  // (pending), then the SMS code; the epoch ends the session when the
  // holder changes the security word anywhere.
  std::string holder_pending, holder_tckn, holder_mobile;
  std::int64_t holder_epoch = 0;
  // The card agent's operation this page asked for (E-İmzalı Giriş, Kilit
  // Çözme, PIN Değiştir): the portal's nonce, what it is for ("login",
  // "unlock", "pin"), and for Kilit Çözme the card and the portal's key.
  std::string agent_nonce, agent_purpose, agent_card, agent_server_key;
  // A PDF prepared for the card to sign (web/card_signing.hpp).
  std::shared_ptr<PendingCardSignature> pending_signature;
  // Bilgi Güncelle: a new mobile / e-mail waiting for the code sent to it.
  std::string contact_mobile, contact_email, contact_mobile_hash, contact_email_hash;
  std::int64_t contact_expires = 0;
  int contact_attempts_left = 0;

  // The officer console: the password was right (pending), then the code.
  std::int64_t officer_pending = 0;
  std::int64_t officer_id = 0;

  // Someone is under way here (an application, a log-in), not just a captcha shown.
  bool established() const {
    return applicant || application_id || !holder_pending.empty() || !holder_tckn.empty() || officer_pending ||
           officer_id || !agent_nonce.empty();
  }
};

class SessionStore {
 public:
  SessionStore(std::int64_t idle_seconds, std::int64_t max_seconds, std::size_t max_sessions = 200000);

  // A fresh random id (not stored yet).
  static std::string new_id();
  // The stored session with this id, if it is alive.
  std::shared_ptr<Session> find(const std::string& id);
  // The stored session, created under `id` if missing.
  std::shared_ptr<Session> ensure(const std::string& id);
  void destroy(const std::string& id);

  std::string csrf_token(const std::string& id) const;
  bool csrf_ok(const std::string& id, const std::string& token) const;
  std::size_t size();

 private:
  void sweep(std::int64_t now);  // mutex_ held
  bool expired(const Session& s, std::int64_t now) const;

  std::int64_t idle_seconds_;
  std::int64_t max_seconds_;
  std::size_t max_sessions_;
  std::string csrf_key_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  std::int64_t last_sweep_ = 0;
};

}  // namespace tugra::web
