// Smart cards through any PKCS#11 module (the virtual card, SoftHSM2,
// OpenSC, AKIS's akisp11): what the holder's card tool and card production
// need — list cards, read their state and certificates, sign, change the PIN
// and unlock it with the PUK. Card errors become UserErrors with the
// catalog's words ("PIN kilitlendi…"), tries left included.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/signer.hpp"
#include "pkcs11/module.hpp"

namespace tugra::card {

// A PIN or PUK as the token flags describe it. PKCS#11 has no "tries left"
// call; the flags give it: none 3, COUNT_LOW 2, FINAL_TRY 1, LOCKED 0.
struct PinStatus {
  bool set = false;
  bool locked = false;
  int tries_left = 3;
};

struct CardInfo {
  CK_SLOT_ID slot = 0;
  std::string reader;  // the slot description
  std::string serial, label, manufacturer, model;
  bool blank = false;  // not personalised (token not initialised)
  PinStatus pin, puk;
  // Three wrong PUKs: the card can never be used again. (A blank token's
  // PIN flags mean nothing: SoftHSM2 reports its free slot's SO PIN locked.)
  bool dead() const { return !blank && puk.locked; }
  // "bos" | "kullanilabilir" | "pin-kilitli" | "kullanilamaz" (catalog keys card.state.*)
  std::string state() const;
};

struct CardCertificate {
  std::string label;
  Bytes id;
  Bytes der;
  std::string subject;
  std::int64_t not_before = 0, not_after = 0;
};

struct TestSignature {
  std::string mechanism;  // "CKM_ECDSA" or "CKM_RSA_PKCS"
  Bytes signature;
  bool verified = false;  // with the certificate's public key, by OpenSSL
};

// The holder's signing key on a card, logged in for as long as this lives:
// the certificate, and the private key with the same CKA_ID (never found by
// label: card tools label keys as they please).
struct CardKey {
  std::unique_ptr<pkcs11::Session> session;  // holds the login
  CardCertificate certificate;
  std::unique_ptr<Signer> signer;
  std::string mechanism;  // "CKM_ECDSA" or "CKM_RSA_PKCS"
};

class CardReader {
 public:
  explicit CardReader(std::shared_ptr<pkcs11::Module> module) : module_(std::move(module)) {}
  static CardReader open(const std::string& module_path);

  const std::shared_ptr<pkcs11::Module>& module() const { return module_; }
  std::vector<CardInfo> cards() const;
  CardInfo card(CK_SLOT_ID slot) const;
  std::optional<CardInfo> find_by_label(const std::string& label) const;

  // Certificates are public objects: no PIN needed.
  std::vector<CardCertificate> certificates(CK_SLOT_ID slot) const;
  void change_pin(CK_SLOT_ID slot, const std::string& old_pin, const std::string& new_pin) const;
  // For cards whose holder keeps the PUK: PUK login, then a new PIN.
  void unlock(CK_SLOT_ID slot, const std::string& puk, const std::string& new_pin) const;
  // Kilit Çözme through the card agent: in one PUK login, a new PIN, then a
  // new PUK in place of `puk` (which has travelled, so it is retired).
  void unlock_and_replace_puk(CK_SLOT_ID slot, const std::string& puk, const std::string& new_pin,
                              const std::string& new_puk) const;
  // Signs a random challenge with the key of the card's first certificate
  // and verifies the signature against that certificate.
  TestSignature test_sign(CK_SLOT_ID slot, const std::string& pin) const;
  // Logs in with `pin` and finds the key of the first certificate that has one.
  CardKey signing_key(CK_SLOT_ID slot, const std::string& pin) const;

 private:
  std::shared_ptr<pkcs11::Module> module_;
};

// Runs a card operation, turning PKCS#11 PIN errors into UserErrors that say
// what the holder can do (tries left for `slot`, locked, wrong format).
void login_or_explain(pkcs11::Session& session, const CardReader& reader, CK_USER_TYPE user,
                      const std::string& pin);
[[noreturn]] void explain_card_error(const pkcs11::Error& e, const CardReader& reader, CK_SLOT_ID slot,
                                     CK_USER_TYPE user);

}  // namespace tugra::card
