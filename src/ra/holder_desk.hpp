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
  // Kilit Çözme: a one-time authorisation for the card agent to set
  // `new_pin` (6 digits) on the holder's card; returns the token it carries.
  std::string authorize_unlock(const store::HolderRecord& h, const std::string& new_pin);

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

  store::Ledger& ledger_;
  notify::Notifications& notifications_;
  HolderSettings settings_;
  std::shared_ptr<const MasterKey> master_key_;
  HolderSecrets vault_;
};

}  // namespace tugra::ra
