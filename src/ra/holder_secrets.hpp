// The PIN and PUK of each card, kept for the holder to read once on the
// portal and then delete (seed 002: "Sil" removes them "Kamu SM tarafından
// da erişimi olmayacak biçimde"). Envelope encryption with libsodium: each
// record has its own random data key (XChaCha20-Poly1305), and only that key,
// wrapped by the master key, is stored beside the ciphertext. Deleting the
// record deletes the only copy of its data key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace tugra::store {
class Database;
struct SecretRecord;
}

namespace tugra::ra {

class MasterKey;

struct PinPuk {
  std::string pin;  // 6 digits
  std::string puk;  // 8 digits
  std::int64_t request_id = 0;
};

// Random PIN (6 digits) and PUK (8 digits), uniformly drawn.
PinPuk random_pin_puk();

class HolderSecrets {
 public:
  // The master key file is created (32 random bytes, mode 0600) if missing.
  HolderSecrets(store::Database& db, const std::filesystem::path& master_key_file);
  // With a master key already loaded (a long-running process loads it once).
  HolderSecrets(store::Database& db, std::shared_ptr<const MasterKey> master_key);
  ~HolderSecrets();
  HolderSecrets(const HolderSecrets&) = delete;
  HolderSecrets& operator=(const HolderSecrets&) = delete;

  // Within the caller's write transaction.
  void store(std::int64_t request_id, const std::string& tckn, const PinPuk& secret);
  std::optional<PinPuk> for_request(std::int64_t request_id);
  std::optional<PinPuk> latest(const std::string& tckn);
  // Deletes every PIN/PUK record of the holder (within the caller's
  // transaction); returns how many. Call purge() after the commit.
  int destroy(const std::string& tckn);
  int destroy_request(std::int64_t request_id);
  // Makes deleted records unrecoverable from the database files: SQLite
  // overwrites freed pages (secure_delete) and this truncates the WAL that
  // still holds the old pages. PostgreSQL needs a VACUUM of holder_secrets
  // (see docs/OPERATIONS.md).
  void purge();

 private:
  std::optional<PinPuk> open(const std::optional<store::SecretRecord>& row) const;

  store::Database& db_;
  std::shared_ptr<const MasterKey> master_key_;
};

}  // namespace tugra::ra
