#include "card/personalisation.hpp"

#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "crypto/token.hpp"

namespace tugra::card {
namespace {

std::optional<CK_OBJECT_HANDLE> find(pkcs11::Session& session, CK_OBJECT_CLASS cls) {
  pkcs11::Template match;
  match.add(CKA_CLASS, cls).add(CKA_ID, ByteView(kSigningKeyId));
  auto found = session.find(match);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace

std::optional<CardInfo> CardWriter::blank_card() const {
  for (auto& c : reader_.cards())
    if (c.blank && !c.dead()) return c;
  return std::nullopt;
}

CardInfo CardWriter::initialise(CK_SLOT_ID slot, const std::string& puk, const std::string& pin,
                                const std::string& label) const {
  const auto& module = reader_.module();
  try {
    module->init_token(slot, puk, label);
  } catch (const pkcs11::Error& e) {
    explain_card_error(e, reader_, slot, CKU_SO);
  }
  auto card = reader_.find_by_label(label);
  if (!card) throw UserError("card.lost_after_init", {{"label", label}});
  pkcs11::Session session(module, card->slot, true);
  login_or_explain(session, reader_, CKU_SO, puk);
  try {
    session.init_pin(pin);
  } catch (const pkcs11::Error& e) {
    explain_card_error(e, reader_, card->slot, CKU_USER);
  }
  return reader_.card(card->slot);
}

std::optional<Bytes> CardWriter::signing_key(CK_SLOT_ID slot, const std::string& pin) const {
  pkcs11::Session session(reader_.module(), slot, false);
  login_or_explain(session, reader_, CKU_USER, pin);
  auto priv = find(session, CKO_PRIVATE_KEY);
  auto pub = find(session, CKO_PUBLIC_KEY);
  if (!priv || !pub) return std::nullopt;
  return token_public_key(session, *pub);
}

Bytes CardWriter::generate_signing_key(CK_SLOT_ID slot, const std::string& pin, KeyType type) const {
  pkcs11::Session session(reader_.module(), slot, true);
  login_or_explain(session, reader_, CKU_USER, pin);
  auto pair = generate_signing_key_pair(session, type, kSigningKeyLabel, kSigningKeyId);
  return token_public_key(session, pair.public_key);
}

bool CardWriter::has_certificate(CK_SLOT_ID slot) const {
  pkcs11::Session session(reader_.module(), slot, false);
  return find(session, CKO_CERTIFICATE).has_value();
}

void CardWriter::write_certificate(CK_SLOT_ID slot, const std::string& pin, const Bytes& der) const {
  pkcs11::Session session(reader_.module(), slot, true);
  login_or_explain(session, reader_, CKU_USER, pin);
  auto cert = ossl::cert_from_der(der);
  unsigned char* subject = nullptr;
  int subject_len = i2d_X509_NAME(X509_get_subject_name(cert.get()), &subject);
  Bytes subject_der(subject, subject + std::max(subject_len, 0));
  OPENSSL_free(subject);
  pkcs11::Template t;
  t.add(CKA_CLASS, CK_OBJECT_CLASS{CKO_CERTIFICATE})
      .add(CKA_CERTIFICATE_TYPE, CK_CERTIFICATE_TYPE{CKC_X_509})
      .add(CKA_TOKEN, true)
      .add(CKA_PRIVATE, false)
      .add(CKA_LABEL, std::string_view(kSigningKeyLabel))
      .add(CKA_ID, ByteView(kSigningKeyId))
      .add(CKA_SUBJECT, ByteView(subject_der))
      .add(CKA_VALUE, ByteView(der));
  session.create_object(t);
}

}  // namespace tugra::card
