#include "store/holder_records.hpp"

#include <soci/soci.h>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace tugra::store {

void HolderRepository::upsert(const HolderRecord& h) {
  long long now = now_seconds();
  db_.sql() << "INSERT INTO holders (tckn, given_name, surname, security_word_hash, mobile, email, channel, details, "
               "updated_at) VALUES (:t, :g, :s, :w, :m, :e, :c, :d, :u) ON CONFLICT (tckn) DO UPDATE SET "
               "given_name = excluded.given_name, surname = excluded.surname, "
               "security_word_hash = excluded.security_word_hash, mobile = excluded.mobile, email = excluded.email, "
               "channel = excluded.channel, details = excluded.details, updated_at = excluded.updated_at, "
               // A security word set by a newly approved application ends every
               // session opened with the old one, as a change on the portal does.
               "session_epoch = CASE WHEN holders.security_word_hash = excluded.security_word_hash "
               "THEN holders.session_epoch ELSE holders.session_epoch + 1 END",
      soci::use(h.tckn), soci::use(h.given_name), soci::use(h.surname), soci::use(h.security_word_hash),
      soci::use(h.mobile), soci::use(h.email), soci::use(h.channel), soci::use(h.details), soci::use(now);
}

std::optional<HolderRecord> HolderRepository::find(const std::string& tckn) {
  HolderRecord h;
  long long epoch = 0, updated = 0;
  db_.sql() << "SELECT tckn, given_name, surname, security_word_hash, mobile, email, channel, details, session_epoch, "
               "updated_at FROM holders WHERE tckn = :t",
      soci::use(tckn), soci::into(h.tckn), soci::into(h.given_name), soci::into(h.surname),
      soci::into(h.security_word_hash), soci::into(h.mobile), soci::into(h.email), soci::into(h.channel),
      soci::into(h.details), soci::into(epoch), soci::into(updated);
  if (!db_.sql().got_data()) return std::nullopt;
  h.session_epoch = epoch;
  h.updated_at = updated;
  return h;
}

void HolderRepository::update_contact(const HolderRecord& h) {
  long long now = now_seconds();
  db_.sql() << "UPDATE holders SET mobile = :m, email = :e, channel = :c, details = :d, updated_at = :u "
               "WHERE tckn = :t",
      soci::use(h.mobile), soci::use(h.email), soci::use(h.channel), soci::use(h.details), soci::use(now),
      soci::use(h.tckn);
}

void HolderRepository::set_security_word(const std::string& tckn, const std::string& hash) {
  long long now = now_seconds();
  db_.sql() << "UPDATE holders SET security_word_hash = :w, session_epoch = session_epoch + 1, updated_at = :u "
               "WHERE tckn = :t",
      soci::use(hash), soci::use(now), soci::use(tckn);
}

void ActivationRepository::insert(const std::string& serial, const std::string& tckn) {
  long long now = now_seconds();
  db_.sql() << "INSERT INTO activations (serial, tckn, activated_at) VALUES (:s, :t, :a)", soci::use(serial),
      soci::use(tckn), soci::use(now);
}

bool ActivationRepository::activated(const std::string& serial) {
  int n = 0;
  db_.sql() << "SELECT COUNT(*) FROM activations WHERE serial = :s", soci::use(serial), soci::into(n);
  return n > 0;
}

void ResetLinkRepository::insert(const ResetLink& l) {
  long long expires = l.expires_at, now = now_seconds();
  db_.sql() << "INSERT INTO reset_links (token_hash, tckn, expires_at, created_at) VALUES (:h, :t, :e, :c)",
      soci::use(l.token_hash), soci::use(l.tckn), soci::use(expires), soci::use(now);
}

std::optional<ResetLink> ResetLinkRepository::find(const std::string& token_hash) {
  ResetLink l;
  long long expires = 0, used = 0, created = 0;
  db_.sql() << "SELECT token_hash, tckn, expires_at, used_at, created_at FROM reset_links WHERE token_hash = :h",
      soci::use(token_hash), soci::into(l.token_hash), soci::into(l.tckn), soci::into(expires), soci::into(used),
      soci::into(created);
  if (!db_.sql().got_data()) return std::nullopt;
  l.expires_at = expires;
  l.used_at = used;
  l.created_at = created;
  return l;
}

bool ResetLinkRepository::use(const std::string& token_hash) {
  long long now = now_seconds();
  soci::statement st = (db_.sql().prepare << "UPDATE reset_links SET used_at = :n WHERE token_hash = :h AND used_at = 0",
                        soci::use(now), soci::use(token_hash));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

void ResetLinkRepository::void_all(const std::string& tckn) {
  long long now = now_seconds();
  db_.sql() << "UPDATE reset_links SET used_at = :n WHERE tckn = :t AND used_at = 0", soci::use(now),
      soci::use(tckn);
}

int ResetLinkRepository::recent(const std::string& tckn, std::int64_t since) {
  int n = 0;
  long long from = since;
  db_.sql() << "SELECT COUNT(*) FROM reset_links WHERE tckn = :t AND created_at >= :s", soci::use(tckn),
      soci::use(from), soci::into(n);
  return n;
}

void UnlockRepository::insert(UnlockAuthorization& u) {
  u.id = next_id(db_, "unlock_authorizations");
  u.created_at = now_seconds();
  long long id = u.id, expires = u.expires_at, created = u.created_at;
  db_.sql() << "INSERT INTO unlock_authorizations (id, tckn, card_serial, token_hash, sealed_pin, server_key, "
               "expires_at, created_at) VALUES (:i, :t, :c, :h, :p, :k, :e, :n)",
      soci::use(id), soci::use(u.tckn), soci::use(u.card_serial), soci::use(u.token_hash), soci::use(u.sealed_pin),
      soci::use(u.server_key), soci::use(expires), soci::use(created);
}

int UnlockRepository::destroy_for(const std::string& tckn) {
  soci::statement st = (db_.sql().prepare << "DELETE FROM unlock_authorizations WHERE tckn = :t", soci::use(tckn));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

int UnlockRepository::destroy_spent(std::int64_t now) {
  long long at = now;
  soci::statement st = (db_.sql().prepare << "DELETE FROM unlock_authorizations WHERE expires_at <= :n OR used_at <> 0",
                        soci::use(at));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

std::int64_t UnlockRepository::spent_count(std::int64_t now) {
  long long at = now, n = 0;
  db_.sql() << "SELECT COUNT(*) FROM unlock_authorizations WHERE expires_at <= :n OR used_at <> 0", soci::use(at),
      soci::into(n);
  return n;
}

namespace {

// The newest unused, unexpired authorisation of `tckn` (with `token_hash` when not empty).
std::optional<UnlockAuthorization> open_unlock(Database& db, const std::string& tckn, const std::string& token_hash,
                                               std::int64_t now) {
  UnlockAuthorization u;
  long long id = 0, expires = 0, used = 0, created = 0, released = 0, at = now;
  std::string any = token_hash.empty() ? "1" : "0";
  db.sql() << "SELECT id, tckn, card_serial, token_hash, sealed_pin, server_key, new_puk, expires_at, used_at, "
              "created_at, released_at FROM unlock_authorizations WHERE tckn = :t AND used_at = 0 AND expires_at > :n "
              "AND (:a = '1' OR token_hash = :h) ORDER BY id DESC LIMIT 1",
      soci::use(tckn), soci::use(at), soci::use(any), soci::use(token_hash), soci::into(id), soci::into(u.tckn),
      soci::into(u.card_serial), soci::into(u.token_hash), soci::into(u.sealed_pin), soci::into(u.server_key),
      soci::into(u.new_puk), soci::into(expires), soci::into(used), soci::into(created), soci::into(released);
  if (!db.sql().got_data()) return std::nullopt;
  u.id = id;
  u.expires_at = expires;
  u.used_at = used;
  u.created_at = created;
  u.released_at = released;
  return u;
}

}  // namespace

std::optional<UnlockAuthorization> UnlockRepository::open_for(const std::string& tckn, std::int64_t now) {
  return open_unlock(db_, tckn, "", now);
}

std::optional<UnlockAuthorization> UnlockRepository::find_open(const std::string& tckn, const std::string& token_hash,
                                                               std::int64_t now) {
  if (token_hash.empty()) return std::nullopt;
  return open_unlock(db_, tckn, token_hash, now);
}

bool UnlockRepository::release(std::int64_t id, const std::string& new_puk, std::int64_t now) {
  long long i = id, at = now;
  soci::statement st = (db_.sql().prepare << "UPDATE unlock_authorizations SET released_at = :n, new_puk = :p "
                                             "WHERE id = :i AND released_at = 0 AND used_at = 0",
                        soci::use(at), soci::use(new_puk), soci::use(i));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

bool UnlockRepository::use(std::int64_t id, std::int64_t now) {
  long long i = id, at = now;
  soci::statement st = (db_.sql().prepare << "UPDATE unlock_authorizations SET used_at = :n "
                                             "WHERE id = :i AND released_at <> 0 AND used_at = 0",
                        soci::use(at), soci::use(i));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

}  // namespace tugra::store
