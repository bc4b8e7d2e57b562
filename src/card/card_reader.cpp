#include "card/card_reader.hpp"

#include <openssl/rsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "crypto/token.hpp"

namespace tugra::card {
namespace {

PinStatus pin_status(CK_FLAGS flags, bool set, CK_FLAGS count_low, CK_FLAGS final_try, CK_FLAGS locked) {
  PinStatus s;
  s.set = set;
  s.locked = flags & locked;
  s.tries_left = s.locked ? 0 : (flags & final_try) ? 1 : (flags & count_low) ? 2 : 3;
  return s;
}

CardInfo describe(const pkcs11::Module& module, CK_SLOT_ID slot) {
  CK_SLOT_INFO slot_info{};
  if (CK_RV rv = module.api()->C_GetSlotInfo(slot, &slot_info); rv != CKR_OK) throw pkcs11::Error(rv, "C_GetSlotInfo");
  CK_TOKEN_INFO t = module.token_info(slot);
  CardInfo c;
  c.slot = slot;
  c.reader = pkcs11::field(slot_info.slotDescription, sizeof slot_info.slotDescription);
  c.serial = pkcs11::field(t.serialNumber, sizeof t.serialNumber);
  c.label = pkcs11::field(t.label, sizeof t.label);
  c.manufacturer = pkcs11::field(t.manufacturerID, sizeof t.manufacturerID);
  c.model = pkcs11::field(t.model, sizeof t.model);
  c.blank = !(t.flags & CKF_TOKEN_INITIALIZED);
  if (c.blank) return c;
  c.pin = pin_status(t.flags, t.flags & CKF_USER_PIN_INITIALIZED, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY,
                     CKF_USER_PIN_LOCKED);
  c.puk = pin_status(t.flags, !c.blank, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
  return c;
}

std::optional<CK_OBJECT_HANDLE> first(pkcs11::Session& session, CK_OBJECT_CLASS cls, const Bytes* id = nullptr) {
  pkcs11::Template match;
  match.add(CKA_CLASS, cls);
  if (id) match.add(CKA_ID, ByteView(*id));
  auto found = session.find(match);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace

std::string CardInfo::state() const {
  if (dead()) return "dead";
  if (blank) return "blank";
  if (pin.locked) return "pin_locked";
  if (!pin.set) return "no_pin";
  return "ready";
}

CardReader CardReader::open(const std::string& module_path) {
  try {
    return CardReader(pkcs11::Module::shared(module_path));
  } catch (const std::exception& e) {
    throw UserError("card.module_failed", {{"module", module_path}, {"detail", e.what()}});
  }
}

std::vector<CardInfo> CardReader::cards() const {
  std::vector<CardInfo> out;
  for (CK_SLOT_ID slot : module_->slots(true)) out.push_back(describe(*module_, slot));
  return out;
}

CardInfo CardReader::card(CK_SLOT_ID slot) const {
  for (CK_SLOT_ID s : module_->slots(true))
    if (s == slot) return describe(*module_, slot);
  throw UserError("card.no_card", {{"slot", std::to_string(slot)}});
}

std::optional<CardInfo> CardReader::find_by_label(const std::string& label) const {
  for (auto& c : cards())
    if (!c.blank && c.label == label) return c;
  return std::nullopt;
}

std::vector<CardCertificate> CardReader::certificates(CK_SLOT_ID slot) const {
  pkcs11::Session session(module_, slot, false);
  pkcs11::Template match;
  match.add(CKA_CLASS, CK_OBJECT_CLASS{CKO_CERTIFICATE});
  std::vector<CardCertificate> out;
  for (CK_OBJECT_HANDLE h : session.find(match)) {
    CardCertificate c;
    c.der = session.required_attribute(h, CKA_VALUE);
    c.id = session.attribute(h, CKA_ID).value_or(Bytes{});
    c.label = to_string(session.attribute(h, CKA_LABEL).value_or(Bytes{}));
    auto x509 = ossl::cert_from_der(c.der);
    c.subject = ossl::name_to_string(X509_get_subject_name(x509.get()));
    c.not_before = ossl::unix_seconds(X509_get0_notBefore(x509.get()));
    c.not_after = ossl::unix_seconds(X509_get0_notAfter(x509.get()));
    out.push_back(std::move(c));
  }
  return out;
}

[[noreturn]] void explain_card_error(const pkcs11::Error& e, const CardReader& reader, CK_SLOT_ID slot,
                                     CK_USER_TYPE user) {
  const bool puk = user == CKU_SO;
  switch (e.rv()) {
    case CKR_PIN_INCORRECT: {
      CardInfo c = reader.card(slot);
      throw UserError(puk ? "card.puk_incorrect" : "card.pin_incorrect",
                      {{"tries", std::to_string((puk ? c.puk : c.pin).tries_left)}});
    }
    case CKR_PIN_LOCKED: {
      CardInfo c = reader.card(slot);
      if (c.dead()) throw UserError("card.dead");
      throw UserError(puk ? "card.dead" : "card.pin_locked");
    }
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
      throw UserError(puk ? "card.puk_format" : "card.pin_format");
    case CKR_USER_PIN_NOT_INITIALIZED:
      throw UserError("card.not_personalised", {{"slot", std::to_string(slot)}});
    default:
      throw UserError("card.failed", {{"detail", e.what()}});
  }
}

void login_or_explain(pkcs11::Session& session, const CardReader& reader, CK_USER_TYPE user, const std::string& pin) {
  try {
    session.login(user, pin);
  } catch (const pkcs11::Error& e) {
    explain_card_error(e, reader, session.slot(), user);
  }
}

void CardReader::change_pin(CK_SLOT_ID slot, const std::string& old_pin, const std::string& new_pin) const {
  pkcs11::Session session(module_, slot, true);
  login_or_explain(session, *this, CKU_USER, old_pin);
  try {
    session.set_pin(old_pin, new_pin);
  } catch (const pkcs11::Error& e) {
    explain_card_error(e, *this, slot, CKU_USER);
  }
}

void CardReader::unlock(CK_SLOT_ID slot, const std::string& puk, const std::string& new_pin) const {
  pkcs11::Session session(module_, slot, true);
  login_or_explain(session, *this, CKU_SO, puk);
  try {
    session.init_pin(new_pin);
  } catch (const pkcs11::Error& e) {
    explain_card_error(e, *this, slot, CKU_USER);
  }
}

void CardReader::unlock_and_replace_puk(CK_SLOT_ID slot, const std::string& puk, const std::string& new_pin,
                                        const std::string& new_puk) const {
  pkcs11::Session session(module_, slot, true);
  login_or_explain(session, *this, CKU_SO, puk);
  try {
    session.init_pin(new_pin);
    session.set_pin(puk, new_puk);
  } catch (const pkcs11::Error& e) {
    explain_card_error(e, *this, slot, CKU_SO);
  }
}

CardKey CardReader::signing_key(CK_SLOT_ID slot, const std::string& pin) const {
  auto certs = certificates(slot);
  if (certs.empty()) throw UserError("card.no_certificate");
  CardKey out;
  out.session = std::make_unique<pkcs11::Session>(module_, slot, false);
  login_or_explain(*out.session, *this, CKU_USER, pin);
  for (auto& c : certs) {
    auto key = first(*out.session, CKO_PRIVATE_KEY, &c.id);
    if (!key) continue;
    // The same signer the CA uses for its own keys: CKM_ECDSA or CKM_RSA_PKCS
    // over a digest made here, which every module offers.
    auto cert = ossl::cert_from_der(c.der);
    EVP_PKEY* public_key = X509_get0_pubkey(cert.get());
    SignatureScheme scheme = scheme_for_key(public_key);
    out.signer = std::make_unique<Pkcs11Signer>(module_, slot, *key, scheme, ossl::public_key_der(public_key), 1);
    out.mechanism = scheme == SignatureScheme::rsa_pkcs1_sha256 ? "CKM_RSA_PKCS" : "CKM_ECDSA";
    out.certificate = std::move(c);
    return out;
  }
  throw UserError("card.no_key");
}

TestSignature CardReader::test_sign(CK_SLOT_ID slot, const std::string& pin) const {
  CardKey key = signing_key(slot, pin);
  Bytes challenge = random_bytes(32);
  TestSignature t;
  t.mechanism = key.mechanism;
  t.signature = key.signer->sign(challenge);
  t.verified = verify_signature(key.signer->public_key_der(), key.signer->scheme(), challenge, t.signature);
  return t;
}

}  // namespace tugra::card
