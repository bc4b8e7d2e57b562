// The master key of a home (secrets.master_key_file) and the authenticated
// encryption it does: XChaCha20-Poly1305 from libsodium, a random nonce per
// message, the record's identity as associated data so a ciphertext moved to
// another row does not decrypt.
#pragma once

#include <filesystem>
#include <string>

#include "common/bytes.hpp"

namespace tugra::ra {

class MasterKey {
 public:
  static constexpr std::size_t kSize = 32;
  // Creates the file (32 random bytes, mode 0600) if it is missing.
  explicit MasterKey(const std::filesystem::path& file);
  ~MasterKey();
  MasterKey(const MasterKey&) = delete;
  MasterKey& operator=(const MasterKey&) = delete;

  // base64(nonce | ciphertext | tag) under this key, or under `key` (a data key).
  std::string seal(ByteView plain, const std::string& associated_data) const;
  Bytes unseal(const std::string& sealed, const std::string& associated_data) const;
  static std::string seal_with(const unsigned char* key, ByteView plain, const std::string& associated_data);
  static Bytes unseal_with(const unsigned char* key, const std::string& sealed, const std::string& associated_data);

 private:
  unsigned char key_[kSize];
};

}  // namespace tugra::ra
