// Rows of the holder's portal (migration 005): holder accounts, activations,
// security word reset links and card unlock authorisations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tugra::store {

class Database;

struct HolderRecord {
  std::string tckn, given_name, surname, security_word_hash, mobile, email, channel;
  std::string details = "{}";  // JSON: address, il, ilce, postal_code, work_phone, work_ext, home_phone
  std::int64_t session_epoch = 0, updated_at = 0;
};

class HolderRepository {
 public:
  explicit HolderRepository(Database& db) : db_(db) {}
  // Insert, or replace everything (a new application); a new security word
  // moves the session epoch on, so every open session ends.
  void upsert(const HolderRecord& h);
  std::optional<HolderRecord> find(const std::string& tckn);
  void update_contact(const HolderRecord& h);  // mobile, email, channel, details
  // A new security word; every session made before it ends.
  void set_security_word(const std::string& tckn, const std::string& hash);

 private:
  Database& db_;
};

class ActivationRepository {
 public:
  explicit ActivationRepository(Database& db) : db_(db) {}
  void insert(const std::string& serial, const std::string& tckn);
  bool activated(const std::string& serial);

 private:
  Database& db_;
};

struct ResetLink {
  std::string token_hash, tckn;
  std::int64_t expires_at = 0, used_at = 0, created_at = 0;
};

class ResetLinkRepository {
 public:
  explicit ResetLinkRepository(Database& db) : db_(db) {}
  void insert(const ResetLink& link);
  std::optional<ResetLink> find(const std::string& token_hash);
  // Marks the link used; false when it was used already (two clicks racing).
  bool use(const std::string& token_hash);
  // Every open link of the holder (a newer one, or a changed word, voids them).
  void void_all(const std::string& tckn);
  int recent(const std::string& tckn, std::int64_t since);

 private:
  Database& db_;
};

// Kilit Çözme: the portal's nonce (hashed) for one card; the portal's
// X25519 secret key of the operation and, once the old PUK was released, the
// agent's new PUK, both sealed by the master key.
struct UnlockAuthorization {
  std::int64_t id = 0;
  std::string tckn, card_serial, token_hash, sealed_pin, server_key, new_puk;
  std::int64_t expires_at = 0, used_at = 0, created_at = 0, released_at = 0;
};

class UnlockRepository {
 public:
  explicit UnlockRepository(Database& db) : db_(db) {}
  void insert(UnlockAuthorization& u);  // assigns the id
  std::optional<UnlockAuthorization> open_for(const std::string& tckn, std::int64_t now);
  // The holder's unused, unexpired authorisation with this nonce hash.
  std::optional<UnlockAuthorization> find_open(const std::string& tckn, const std::string& token_hash,
                                               std::int64_t now);
  // The old PUK goes out once: false when it was released already.
  bool release(std::int64_t id, const std::string& new_puk, std::int64_t now);
  // Used once, after a release: false otherwise.
  bool use(std::int64_t id, std::int64_t now);
  // Deletes authorisations (and so their sealed PINs): all of a holder's;
  // or, everyone's, those expired or used by `now`. Returns how many.
  int destroy_for(const std::string& tckn);
  int destroy_spent(std::int64_t now);
  std::int64_t spent_count(std::int64_t now);  // what destroy_spent would delete

 private:
  Database& db_;
};

}  // namespace tugra::store
