// The holder's side of the service (seeds 001-004): log-in with the security
// word, the certificates and what the holder may do with them (activate a
// card delivered on hold, suspend, lift a suspension, revoke), contact
// details and the security word, the card's PIN/PUK (read, then delete for
// good), card unlock authorisations, and the forgotten-word e-mail link.
// Every action is audited as "holder:TCKN" and told to the holder on their
// channel. Web pages call this; it knows nothing of HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ra/applications.hpp"
#include "ra/holder_secrets.hpp"
#include "store/holder_records.hpp"
#include "store/records.hpp"

namespace tugra::ra {

struct HolderSettings {
  int word_failures = 3;                  // wrong security words before the account is blocked
  std::int64_t reset_link_seconds = 3600;
  std::int64_t unlock_seconds = 900;      // how long an unlock authorisation waits for the agent
  bool holder_keeps_puk = true;           // the PUK is shown with the PIN
  std::string public_base_url;            // for the links in e-mails
  std::string call_centre;                // named in the e-mails, for questions
};

enum class CertState { on_hold, active, suspended, revoked, expired };
const char* to_string(CertState state);

struct HolderCertificate {
  store::CertificateRecord record;
  CertState state = CertState::active;
  std::string card_serial;
  std::string blocked_by;  // a renewal: the serial of the still valid certificate it renews
};

struct CardSecrets {
  std::string card_serial;
  PinPuk secret;
};

class HolderDesk {
 public:
  // `master_key` seals PIN/PUK records and unlock authorisations.
  HolderDesk(store::Ledger& ledger, notify::Notifications& notifications, HolderSettings settings,
             std::shared_ptr<const MasterKey> master_key);

  // Şifreli Giriş. UserError("holder.bad_login") for a wrong word or an
  // unknown number alike; "holder.blocked" after `word_failures` wrong words
  // until an operator unblocks the account.
  store::HolderRecord log_in(const std::string& id, const std::string& word);
  bool blocked(const std::string& tckn);
  // The call centre's unblock (audited as `actor`); UserError("holder.not_blocked").
  void unblock(const std::string& tckn, const std::string& actor);
  // Seed 004: a holder who forgot the word and cannot read the registered
  // e-mail calls the call centre, which gives a new one over the phone: a
  // random word (returned once, to be read out; never stored but hashed),
  // every session and reset link of the holder ended, a block lifted, and
  // the holder told on their channel. UserError("holder.unknown").
  std::string issue_word(const std::string& tckn, const std::string& actor);
  std::optional<store::HolderRecord> find(const std::string& tckn);

  std::vector<HolderCertificate> certificates(const std::string& tckn);
  // The holder's own certificate; UserError("holder.no_certificate") otherwise.
  HolderCertificate certificate(const std::string& tckn, const std::string& serial);
  void activate(const store::HolderRecord& h, const std::string& serial);
  void suspend(const store::HolderRecord& h, const std::string& serial);
  void unsuspend(const store::HolderRecord& h, const std::string& serial);
  void revoke(const store::HolderRecord& h, const std::string& serial, int reason);

  // Bilgi Güncelle. The contact details are saved, and a new security word
  // when "change_word" is set (every other session of the holder ends). A new
  // word, mobile or e-mail needs the current security word ("current_word",
  // counted like a log-in: wrong ones block the account). A new mobile or
  // e-mail is not saved here: it is returned in `pending` to be confirmed by
  // a code sent to it (confirm_contact). Notices go to the old contacts.
  struct Update {
    FieldErrors errors;
    bool word_changed = false;
    std::string pending_mobile, pending_email;  // normalised; empty when unchanged
  };
  Update update(store::HolderRecord& h, const FormValues& input);
  // The new mobile and/or e-mail, confirmed by the codes sent to them; the
  // notice goes to the old and the new contacts.
  void confirm_contact(store::HolderRecord& h, const std::string& mobile, const std::string& email);

  std::optional<CardSecrets> secrets(const std::string& tckn);  // audited as a view
  int delete_secrets(const std::string& tckn);
  // Kilit Çözme through the card agent (seed 004). The new PIN is typed on
  // the agent's page and never comes here; the PUK travels sealed:
  //  1. authorize_unlock: a one-time authorisation for the holder's card, a
  //     nonce and an X25519 key of the portal's for this operation.
  //     UserError "holder.no_card", or "holder.puk_deleted" when the holder
  //     deleted the PUK ("Parolalarımı Sil"): only the call centre can help.
  //  2. release_puk: the agent's key and its new PUK (sealed to the portal's
  //     key) in; the card's PUK sealed to the agent's key out — once.
  //  3. complete_unlock: the agent changed the card; its new PUK replaces
  //     the old one (which has travelled, so it is retired).
  struct UnlockOffer {
    std::string nonce, card_serial, server_key;  // server_key: base64
  };
  UnlockOffer authorize_unlock(const store::HolderRecord& h);
  std::string release_puk(const store::HolderRecord& h, const std::string& nonce, const std::string& card_serial,
                          const std::string& agent_key, const std::string& sealed_new_puk);
  void complete_unlock(const store::HolderRecord& h, const std::string& nonce);
  // PIN Değiştir: the agent changed the PIN on the holder's card (audited).
  void record_pin_change(const store::HolderRecord& h, const std::string& card_serial);

  // E-İmzalı Giriş: the card agent's signed log-in statement (card/login_statement.hpp).
  struct CardLoginProof {
    std::string certificate, statement, signature;  // certificate and signature in base64
  };
  // The holder, when the statement names `origin` and `nonce` and is fresh,
  // the signature verifies with the certificate, the certificate chains to
  // this service's CA, is the one we issued, valid now by our own status
  // data, and its TCKN is a holder's. UserError "holder.card_login_failed"
  // (audited with the reason) otherwise.
  store::HolderRecord log_in_with_card(const CardLoginProof& proof, const std::string& origin,
                                       const std::string& nonce);

  // Güvenlik Sözcüğümü Unuttum: mails a single-use link when the number is
  // a holder's (and says nothing either way).
  void request_reset(const std::string& id);
  // The holder a reset link is for, while it is unused and fresh.
  std::optional<std::string> reset_holder(const std::string& token);
  FieldErrors reset_word(const std::string& token, const std::string& word, const std::string& again);

 private:
  void change(const store::HolderRecord& h, const std::string& serial, const char* action, int reason = 0);
  void tell(const store::HolderRecord& h, const std::string& body);
  // To the mobile and the e-mail both, whatever channel the holder prefers.
  void tell_everywhere(const std::string& mobile, const std::string& email, const std::string& body);
  // The current security word again (Bilgi Güncelle), counted with the log-in's failures.
  bool current_word_right(const store::HolderRecord& h, const std::string& word);
  // The card serial of the holder's card in use, and the request its PIN/PUK record belongs to.
  std::pair<std::string, std::int64_t> card_in_use(const std::string& tckn);
  // A problem with an unlock request: audited, then UserError(key).
  [[noreturn]] void unlock_refused(const store::HolderRecord& h, const std::string& key, const std::string& reason);

  store::Ledger& ledger_;
  notify::Notifications& notifications_;
  HolderSettings settings_;
  std::shared_ptr<const MasterKey> master_key_;
  HolderSecrets vault_;
};

}  // namespace tugra::ra
