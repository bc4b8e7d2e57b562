#include "crypto/sealed_box.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tugra {
namespace {

void ready() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

BoxKeyPair::BoxKeyPair() : public_(crypto_box_PUBLICKEYBYTES), secret_(crypto_box_SECRETKEYBYTES) {
  ready();
  crypto_box_keypair(public_.data(), secret_.data());
}

BoxKeyPair::BoxKeyPair(ByteView secret_key) : public_(crypto_box_PUBLICKEYBYTES) {
  ready();
  if (secret_key.size() != crypto_box_SECRETKEYBYTES) throw std::invalid_argument("box secret key: wrong length");
  secret_.assign(secret_key.begin(), secret_key.end());
  crypto_scalarmult_base(public_.data(), secret_.data());
}

BoxKeyPair::~BoxKeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

Bytes BoxKeyPair::open(ByteView sealed) const {
  if (sealed.size() < crypto_box_SEALBYTES) throw std::invalid_argument("sealed box: too short");
  Bytes plain(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(), public_.data(), secret_.data()) != 0)
    throw std::invalid_argument("sealed box: not for this key, or changed");
  return plain;
}

Bytes seal_to(ByteView public_key, ByteView plain) {
  ready();
  if (public_key.size() != crypto_box_PUBLICKEYBYTES) throw std::invalid_argument("box public key: wrong length");
  Bytes sealed(plain.size() + crypto_box_SEALBYTES);
  crypto_box_seal(sealed.data(), plain.data(), plain.size(), public_key.data());
  return sealed;
}

}  // namespace tugra
