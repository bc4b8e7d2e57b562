// Personalising a blank card (nes-facts §4): C_InitToken with the PUK and
// a label, SO login + C_InitPIN with the PIN, a signing key pair generated
// on the card, and later the certificate written beside it. Every step can
// be repeated after a crash: initialising again with the same PUK wipes the
// card back to empty.
#pragma once

#include <optional>
#include <string>

#include "card/card_reader.hpp"
#include "crypto/algorithm.hpp"

namespace tugra::card {

// The CKA_ID and label of the holder's signing key and certificate.
inline const Bytes kSigningKeyId = {0x4E, 0x45, 0x53, 0x01};  // "NES\x01"
inline constexpr const char* kSigningKeyLabel = "Nitelikli Elektronik Sertifika";

class CardWriter {
 public:
  explicit CardWriter(const CardReader& reader) : reader_(reader) {}

  // A card that has not been personalised yet, if any.
  std::optional<CardInfo> blank_card() const;
  // Initialises the card in `slot` (blank, or personalised before with this
  // PUK) and sets its PIN. Returns the card as it is now: some modules
  // (SoftHSM2) move a token to a new slot when it is initialised.
  CardInfo initialise(CK_SLOT_ID slot, const std::string& puk, const std::string& pin,
                      const std::string& label) const;
  // The public key (SubjectPublicKeyInfo) of the signing key, if the card has one.
  std::optional<Bytes> signing_key(CK_SLOT_ID slot, const std::string& pin) const;
  Bytes generate_signing_key(CK_SLOT_ID slot, const std::string& pin, KeyType type) const;
  bool has_certificate(CK_SLOT_ID slot) const;
  void write_certificate(CK_SLOT_ID slot, const std::string& pin, const Bytes& der) const;

 private:
  const CardReader& reader_;
};

}  // namespace tugra::card
