// Keys in a PKCS#11 token: generate them there, find them by label, read
// their public halves and sign with them. Private keys are created sensitive
// and non-extractable and never leave the token.
#pragma once

#include <memory>
#include <atomic>
#include <mutex>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/signer.hpp"
#include "pkcs11/module.hpp"

namespace tugra {

// SubjectPublicKeyInfo of a token public key (RSA, or EC with named or
// explicit curve parameters, mapped to the named curve).
Bytes token_public_key(pkcs11::Session& session, CK_OBJECT_HANDLE public_key);

// Generates a sign-only key pair (private half sensitive, never extractable)
// in the session's token, labelled `label` with CKA_ID `id`.
pkcs11::Session::KeyPair generate_signing_key_pair(pkcs11::Session& session, KeyType type,
                                                   std::string_view label, ByteView id);

class Pkcs11Signer final : public Signer {
 public:
  // Opens `sessions` sessions of its own on `slot` (the token must already
  // be logged in by this process, see Token): concurrent callers sign in
  // parallel, each on a free session, instead of queueing on one.
  Pkcs11Signer(std::shared_ptr<const pkcs11::Module> module, CK_SLOT_ID slot,
               CK_OBJECT_HANDLE private_key, SignatureScheme scheme, Bytes spki, std::size_t sessions = 4);
  SignatureScheme scheme() const override { return scheme_; }
  const Bytes& public_key_der() const override { return spki_; }
  Bytes sign_digest(ByteView digest) const override;

 private:
  struct Slot {
    std::mutex mutex;
    std::unique_ptr<pkcs11::Session> session;
  };
  mutable std::vector<std::unique_ptr<Slot>> sessions_;
  mutable std::atomic<std::size_t> next_{0};
  CK_OBJECT_HANDLE key_;
  SignatureScheme scheme_;
  Bytes spki_;
};

class Token {
 public:
  // Opens the token labelled `label` in `module` and logs in with `pin`.
  static std::unique_ptr<Token> open(std::shared_ptr<pkcs11::Module> module,
                                     std::string_view label, std::string_view pin);
  // Opens the token in `slot` (for modules whose tokens share a label).
  static std::unique_ptr<Token> open_slot(std::shared_ptr<pkcs11::Module> module, CK_SLOT_ID slot,
                                          std::string_view pin);

  bool has_key(std::string_view key_label);
  // Generates a key pair on the token; refuses if the label is taken.
  Bytes generate_key(KeyType type, std::string_view key_label);
  // Destroys the pair labelled `key_label` (both halves); for a key that was
  // never certified and never will be.
  void destroy_key(std::string_view key_label);
  // The public key (SubjectPublicKeyInfo) of the pair labelled `key_label`.
  Bytes public_key(std::string_view key_label);
  std::unique_ptr<Signer> signer(std::string_view key_label, SignatureScheme scheme);

  const pkcs11::Module& module() const { return *module_; }
  CK_SLOT_ID slot() const { return slot_; }

 private:
  Token(std::shared_ptr<pkcs11::Module> module, CK_SLOT_ID slot);
  std::optional<CK_OBJECT_HANDLE> find(CK_OBJECT_CLASS cls, std::string_view key_label);

  std::shared_ptr<pkcs11::Module> module_;
  CK_SLOT_ID slot_;
  pkcs11::Session session_;  // keeps the login alive for the process
};

}  // namespace tugra
