#include "web/session.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/bytes.hpp"
#include "common/clock.hpp"

namespace tugra::web {
SessionStore::SessionStore(std::int64_t idle_seconds, std::int64_t max_seconds, std::size_t max_sessions)
    : idle_seconds_(idle_seconds),
      max_seconds_(max_seconds),
      max_sessions_(max_sessions),
      csrf_key_(to_string(random_bytes(32))) {}

bool SessionStore::expired(const Session& s, std::int64_t now) const {
  return now - s.last_seen > idle_seconds_ || now - s.created > max_seconds_;
}

std::string SessionStore::new_id() { return base64url_encode(random_bytes(32)); }

std::shared_ptr<Session> SessionStore::find(const std::string& id) {
  if (id.size() != 43) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  std::int64_t now = now_seconds();
  if (expired(*it->second, now)) {
    sessions_.erase(it);
    return nullptr;
  }
  it->second->last_seen = now;
  return it->second;
}

std::shared_ptr<Session> SessionStore::ensure(const std::string& id) {
  if (auto s = find(id)) return s;
  std::lock_guard lock(mutex_);
  std::int64_t now = now_seconds();
  if (sessions_.size() >= max_sessions_ || now - last_sweep_ > 60) sweep(now);
  auto s = std::make_shared<Session>();
  s->id = id;
  s->last_seen = s->created = now;
  sessions_[id] = s;
  return s;
}

void SessionStore::destroy(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

void SessionStore::sweep(std::int64_t now) {
  last_sweep_ = now;
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = expired(*it->second, now) ? sessions_.erase(it) : std::next(it);
  // Still full: sessions that hold no more than a captcha go first, then the
  // least recently seen (a flood of new sessions must not push out people in
  // the middle of a form).
  if (sessions_.size() >= max_sessions_)
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = it->second->established() ? std::next(it) : sessions_.erase(it);
  while (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second->last_seen < oldest->second->last_seen) oldest = it;
    sessions_.erase(oldest);
  }
}

std::size_t SessionStore::size() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::string SessionStore::csrf_token(const std::string& id) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), csrf_key_.data(), static_cast<int>(csrf_key_.size()),
       reinterpret_cast<const unsigned char*>(id.data()), id.size(), mac, &len);
  return base64url_encode(ByteView(mac, len));
}

bool SessionStore::csrf_ok(const std::string& id, const std::string& token) const {
  std::string expected = csrf_token(id);
  return !id.empty() && token.size() == expected.size() &&
         CRYPTO_memcmp(token.data(), expected.data(), token.size()) == 0;
}

}  // namespace tugra::web
