// Secrets handed across the browser between the card agent and the portal
// (Kilit Çözme's PUKs): libsodium's sealed boxes (X25519 + XSalsa20-Poly1305)
// to a key pair made for one operation. The page that carries them between
// the two sees only ciphertext.
#pragma once

#include <string>

#include "common/bytes.hpp"

namespace tugra {

class BoxKeyPair {
 public:
  BoxKeyPair();  // a fresh random pair
  // A pair whose secret half was kept (e.g. sealed in a database row).
  explicit BoxKeyPair(ByteView secret_key);
  ~BoxKeyPair();
  BoxKeyPair(const BoxKeyPair&) = delete;
  BoxKeyPair& operator=(const BoxKeyPair&) = delete;

  const Bytes& public_key() const { return public_; }
  const Bytes& secret_key() const { return secret_; }
  // The plaintext; std::invalid_argument when the box was not sealed to this
  // pair or was changed on the way.
  Bytes open(ByteView sealed) const;

 private:
  Bytes public_, secret_;
};

// `plain` sealed to `public_key` (32 bytes; std::invalid_argument otherwise).
Bytes seal_to(ByteView public_key, ByteView plain);

}  // namespace tugra
