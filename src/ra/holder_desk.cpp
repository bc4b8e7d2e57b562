#include "ra/holder_desk.hpp"

#include <sodium.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "store/ledger.hpp"
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "crypto/openssl.hpp"
#include "crypto/sealed_box.hpp"
#include "notify/notifier.hpp"
#include "ra/card_login.hpp"
#include "ra/contact.hpp"
#include "ra/lockout.hpp"
#include "ra/master_key.hpp"
#include "ra/password_hash.hpp"
#include "store/production_records.hpp"

namespace tugra::ra {
namespace {

constexpr int kResetLinksPerHour = 3;

std::string token_hash(const std::string& token) {
  return ossl::sha256_hex(as_bytes(token));
}

std::string new_token() { return base64url_encode(random_bytes(32)); }

std::string actor_of(const std::string& tckn) { return "holder:" + tckn; }

std::string scope_of(const std::string& id) { return "holder:" + id.substr(0, 20); }

}  // namespace

const char* to_string(CertState state) {
  switch (state) {
    case CertState::on_hold: return "on_hold";
    case CertState::active: return "active";
    case CertState::suspended: return "suspended";
    case CertState::revoked: return "revoked";
    case CertState::expired: return "expired";
  }
  return "?";
}

HolderDesk::HolderDesk(store::Ledger& ledger, notify::Notifications& notifications, HolderSettings settings,
                       std::shared_ptr<const MasterKey> master_key)
    : ledger_(ledger),
      notifications_(notifications),
      settings_(std::move(settings)),
      master_key_(std::move(master_key)),
      vault_(ledger.database(), master_key_) {}

store::HolderRecord HolderDesk::log_in(const std::string& id, const std::string& word) {
  Lockout lockout(ledger_, settings_.word_failures, 0);
  std::string scope = scope_of(id);
  // Counted before the word is checked: parallel guesses cannot get past the limit.
  if (!lockout.begin(scope)) throw UserError("holder.blocked");
  auto holder = store::HolderRepository(ledger_.database()).find(id);
  // An unknown number costs a hash too: timing does not tell who has a certificate.
  bool right = false;
  try {
    right = verify_log_in(holder ? &holder->security_word_hash : nullptr, word);
  } catch (const Busy&) {
    lockout.cancel(scope);  // "try again in a moment" must not count as a wrong word
    throw;
  }
  if (!right) {
    if (lockout.failed(scope, "holder.login_failed", id.substr(0, 20), "portal")) throw UserError("holder.blocked");
    throw UserError("holder.bad_login");
  }
  lockout.clear(scope);
  return *holder;
}

bool HolderDesk::blocked(const std::string& tckn) { return Lockout(ledger_, settings_.word_failures, 0).locked(scope_of(tckn)); }

void HolderDesk::unblock(const std::string& tckn, const std::string& actor) {
  Lockout lockout(ledger_, settings_.word_failures, 0);
  if (!lockout.locked(scope_of(tckn))) throw UserError("holder.not_blocked", {{"tckn", tckn}});
  ledger_.write([&] {
    store::FailureRepository(ledger_.database()).clear(scope_of(tckn));
    ledger_.record("holder.unblocked", tckn, "{}", actor);
  });
  ledger_.checkpoint();
}

std::string HolderDesk::issue_word(const std::string& tckn, const std::string& actor) {
  auto h = find(tckn);
  if (!h) throw UserError("holder.unknown", {{"tckn", tckn.substr(0, 20)}});
  // Easy to read out and type: letters without the look-alikes (I/l/O) and
  // digits without 0/1, 12 characters: about 70 bits.
  static constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVYZ", kDigits = "23456789";
  std::string word;
  for (int i = 0; i < 12; ++i) {
    auto set = i % 4 == 3 ? kDigits : kLetters;
    word += set[randombytes_uniform(static_cast<std::uint32_t>(set.size()))];
  }
  std::string hash = hash_secret(word);
  ledger_.write([&] {
    store::HolderRepository(ledger_.database()).set_security_word(tckn, hash);
    store::ResetLinkRepository(ledger_.database()).void_all(tckn);
    store::FailureRepository(ledger_.database()).clear(scope_of(tckn));
    ledger_.record("holder.word_issued_by_call_centre", tckn, "{}", actor);
  });
  ledger_.checkpoint();
  tell(*h, message("notify.holder_word_issued", {{"name", h->given_name + " " + h->surname}}));
  return word;
}

std::optional<store::HolderRecord> HolderDesk::find(const std::string& tckn) {
  return store::HolderRepository(ledger_.database()).find(tckn);
}

std::vector<HolderCertificate> HolderDesk::certificates(const std::string& tckn) {
  auto& db = ledger_.database();
  std::vector<HolderCertificate> out;
  auto cards = store::CardRepository(db).list(tckn);
  std::int64_t now = now_seconds();
  for (auto& rec : ca::Certificates(ledger_).list(tckn)) {
    if (rec.status == store::CertStatus::pending) continue;
    HolderCertificate c;
    c.record = rec;
    if (rec.status == store::CertStatus::revoked) c.state = CertState::revoked;
    else if (rec.not_after < now) c.state = CertState::expired;
    else if (rec.status == store::CertStatus::suspended)
      c.state = store::ActivationRepository(db).activated(rec.serial) ? CertState::suspended : CertState::on_hold;
    for (const auto& card : cards)
      if (card.certificate_serial == rec.serial) c.card_serial = card.serial;
    if (rec.renews) {
      // Seed 001 "ÖNEMLİ": the new certificate waits until the one it renews is no longer valid.
      auto old = ca::Certificates(ledger_).find(*rec.renews);
      if (old && old->status != store::CertStatus::revoked && old->not_after >= now) c.blocked_by = old->serial;
    }
    out.push_back(std::move(c));
  }
  return out;
}

HolderCertificate HolderDesk::certificate(const std::string& tckn, const std::string& serial) {
  for (auto& c : certificates(tckn))
    if (c.record.serial == serial) return c;
  throw UserError("holder.no_certificate", {{"serial", serial.substr(0, 40)}});
}

void HolderDesk::change(const store::HolderRecord& h, const std::string& serial, const char* action, int reason) {
  auto c = certificate(h.tckn, serial);
  std::string what = action;
  ca::StatusOptions options;
  options.actor = actor_of(h.tckn);
  if (what == "activate") {
    if (c.state != CertState::on_hold) throw UserError("holder.not_on_hold");
    if (!c.blocked_by.empty()) {
      auto old = ca::Certificates(ledger_).find(c.blocked_by);
      throw UserError("holder.renewal_blocked",
                      {{"serial", c.blocked_by}, {"until", format_time(old ? old->not_after : 0, "%d.%m.%Y")}});
    }
    options.also = [&](const store::CertificateRecord&) {
      store::ActivationRepository(ledger_.database()).insert(serial, h.tckn);
    };
    ca::Certificates(ledger_).unsuspend(serial, options);
  } else if (what == "suspend") {
    if (c.state != CertState::active) throw UserError("holder.not_active");
    ca::Certificates(ledger_).suspend(serial, options);
  } else if (what == "unsuspend") {
    if (c.state != CertState::suspended) throw UserError("holder.not_suspended");
    options.only_own_suspension = true;
    ca::Certificates(ledger_).unsuspend(serial, options);
  } else {
    if (c.state == CertState::revoked) throw UserError("ca.already_revoked", {{"serial", serial}});
    ca::Certificates(ledger_).revoke(serial, reason, options);
  }
  ledger_.checkpoint();
  tell(h, message("notify.holder_" + what, {{"name", h.given_name + " " + h.surname}, {"serial", serial}}));
}

void HolderDesk::activate(const store::HolderRecord& h, const std::string& serial) { change(h, serial, "activate"); }
void HolderDesk::suspend(const store::HolderRecord& h, const std::string& serial) { change(h, serial, "suspend"); }
void HolderDesk::unsuspend(const store::HolderRecord& h, const std::string& serial) { change(h, serial, "unsuspend"); }

void HolderDesk::revoke(const store::HolderRecord& h, const std::string& serial, int reason) {
  // The reasons a holder may give (RFC 5280): unspecified, keyCompromise,
  // affiliationChanged, superseded, cessationOfOperation.
  if (reason != 0 && reason != 1 && reason != 3 && reason != 4 && reason != 5) throw UserError("holder.bad_reason");
  change(h, serial, "revoke", reason);
}

bool HolderDesk::current_word_right(const store::HolderRecord& h, const std::string& word) {
  Lockout lockout(ledger_, settings_.word_failures, 0);
  std::string scope = scope_of(h.tckn);
  if (!lockout.begin(scope)) throw UserError("holder.blocked");
  bool right = false;
  try {
    right = verify_secret(h.security_word_hash, word);
  } catch (const Busy&) {
    lockout.cancel(scope);
    throw;
  }
  if (!right) {
    if (lockout.failed(scope, "holder.reauth_failed", h.tckn, actor_of(h.tckn))) throw UserError("holder.blocked");
    return false;
  }
  lockout.clear(scope);
  return true;
}

HolderDesk::Update HolderDesk::update(store::HolderRecord& h, const FormValues& input) {
  Update out;
  FormValues contact;
  out.errors = check_contact_fields(input, contact);
  auto value = [&](const char* k) {
    auto it = input.find(k);
    return it == input.end() ? std::string() : it->second;
  };
  std::string word = value("security_word"), again = value("security_word2");
  bool change_word = !value("change_word").empty();
  if (change_word) out.errors.merge(new_security_word_errors(word, again, {h.tckn, h.given_name, h.surname, "", ""}));
  if (!out.errors.empty()) return out;
  bool new_mobile = contact["mobile"] != h.mobile, new_email = contact["email"] != h.email;
  if (change_word || new_mobile || new_email) {
    // The SMS second factor and where reset links go: changed only by whoever knows the word.
    std::string current = value("current_word");
    if (current.empty()) out.errors["current_word"] = "holder.current_word_required";
    else if (!current_word_right(h, current)) out.errors["current_word"] = "holder.current_word_wrong";
    if (!out.errors.empty()) return out;
  }
  store::HolderRecord updated = h;  // mobile and e-mail stay until confirmed
  updated.channel = contact["channel"];
  // The contact fields anew; what the holder does not edit (the institution) stays.
  nlohmann::json details = nlohmann::json::parse(h.details, nullptr, false);
  if (!details.is_object()) details = nlohmann::json::object();
  for (const char* k : kContactDetails) details[k] = contact[k];
  updated.details = details.dump();
  std::string hash = change_word ? hash_secret(word) : "";
  ledger_.write([&] {
    store::HolderRepository repo(ledger_.database());
    repo.update_contact(updated);
    ledger_.record("holder.details_updated", h.tckn,
                   nlohmann::json{{"mobile_pending", new_mobile}, {"email_pending", new_email}}.dump(),
                   actor_of(h.tckn));
    if (change_word) {
      repo.set_security_word(h.tckn, hash);
      store::ResetLinkRepository(ledger_.database()).void_all(h.tckn);
      ledger_.record("holder.security_word_changed", h.tckn, "{}", actor_of(h.tckn));
    }
  });
  ledger_.checkpoint();
  h = *find(h.tckn);
  out.word_changed = change_word;
  if (new_mobile) out.pending_mobile = contact["mobile"];
  if (new_email) out.pending_email = contact["email"];
  std::string name = h.given_name + " " + h.surname;
  // A changed word is told on every contact the holder had, not only the preferred one.
  if (change_word) tell_everywhere(h.mobile, h.email, message("notify.holder_word_changed", {{"name", name}}));
  else tell(h, message("notify.holder_details", {{"name", name}}));
  return out;
}

void HolderDesk::confirm_contact(store::HolderRecord& h, const std::string& mobile, const std::string& email) {
  store::HolderRecord old = h, updated = h;
  if (!mobile.empty()) updated.mobile = mobile;
  if (!email.empty()) updated.email = email;
  ledger_.write([&] {
    store::HolderRepository(ledger_.database()).update_contact(updated);
    ledger_.record("holder.contact_changed", h.tckn,
                   nlohmann::json{{"mobile", !mobile.empty()}, {"email", !email.empty()}}.dump(), actor_of(h.tckn));
  });
  ledger_.checkpoint();
  h = *find(h.tckn);
  std::string body = message("notify.holder_contact_changed", {{"name", h.given_name + " " + h.surname},
                                                               {"mobile", mask_phone(h.mobile)},
                                                               {"email", mask_email(h.email)}});
  tell_everywhere(old.mobile, old.email, body);  // the old contacts hear of it: a thief would not tell them
  tell_everywhere(mobile, email, body);
}

void HolderDesk::tell_everywhere(const std::string& mobile, const std::string& email, const std::string& body) {
  try {
    if (!mobile.empty()) notifications_.sms(mobile, body);
    if (!email.empty()) notifications_.email(email, message("notify.holder_subject"), body);
  } catch (const UserError& e) {
    std::fprintf(stderr, "tugra: notification failed: %s\n", e.what());
  }
}

std::optional<CardSecrets> HolderDesk::secrets(const std::string& tckn) {
  auto secret = vault_.latest(tckn);
  if (!secret) return std::nullopt;
  CardSecrets out{"", *secret};
  for (const auto& card : store::CardRepository(ledger_.database()).list(tckn))
    if (card.request_id == secret->request_id) out.card_serial = card.serial;
  if (!settings_.holder_keeps_puk) out.secret.puk.clear();
  ledger_.write([&] {
    ledger_.record("holder.pin_puk_viewed", tckn, nlohmann::json{{"card", out.card_serial}}.dump(), actor_of(tckn));
  });
  ledger_.checkpoint();
  return out;
}

int HolderDesk::delete_secrets(const std::string& tckn) {
  int deleted = 0;
  ledger_.write([&] {
    deleted = vault_.destroy(tckn);
    // A PIN waiting for the card agent is a secret of the same kind: it goes too.
    int unlocks = store::UnlockRepository(ledger_.database()).destroy_for(tckn);
    ledger_.record("holder.pin_puk_deleted", tckn,
                   nlohmann::json{{"records", deleted}, {"unlock_authorizations", unlocks}}.dump(), actor_of(tckn));
  });
  ledger_.checkpoint();
  vault_.purge();
  return deleted;
}

std::pair<std::string, std::int64_t> HolderDesk::card_in_use(const std::string& tckn) {
  // The card of the newest certificate in use, else of the newest one on
  // hold or suspended (certificates() lists the newest first).
  std::string card_serial, fallback;
  for (const auto& c : certificates(tckn)) {
    if (c.card_serial.empty()) continue;
    if (c.state == CertState::active && card_serial.empty()) card_serial = c.card_serial;
    if ((c.state == CertState::on_hold || c.state == CertState::suspended) && fallback.empty()) fallback = c.card_serial;
  }
  if (card_serial.empty()) card_serial = fallback;
  if (card_serial.empty()) throw UserError("holder.no_card");
  for (const auto& card : store::CardRepository(ledger_.database()).list(tckn))
    if (card.serial == card_serial) return {card_serial, card.request_id};
  return {card_serial, 0};
}

void HolderDesk::unlock_refused(const store::HolderRecord& h, const std::string& key, const std::string& reason) {
  ledger_.write([&] {
    ledger_.record("card.unlock_refused", h.tckn, nlohmann::json{{"reason", reason}}.dump(), actor_of(h.tckn));
  });
  ledger_.checkpoint();
  throw UserError(key);
}

HolderDesk::UnlockOffer HolderDesk::authorize_unlock(const store::HolderRecord& h) {
  auto [card_serial, request_id] = card_in_use(h.tckn);
  auto secret = request_id ? vault_.for_request(request_id) : std::nullopt;
  if (!secret || secret->puk.empty()) throw UserError("holder.puk_deleted");
  UnlockOffer offer{new_token(), card_serial, ""};
  BoxKeyPair box;
  offer.server_key = base64_encode(box.public_key());
  store::UnlockAuthorization u;
  u.tckn = h.tckn;
  u.card_serial = card_serial;
  u.token_hash = token_hash(offer.nonce);
  u.server_key = master_key_->seal(box.secret_key(), "tugra-unlock-key:" + h.tckn + ":" + card_serial);
  u.expires_at = now_seconds() + settings_.unlock_seconds;
  ledger_.write([&] {
    store::UnlockRepository(ledger_.database()).destroy_for(h.tckn);  // one authorisation at a time
    store::UnlockRepository(ledger_.database()).insert(u);
    ledger_.record("card.unlock_authorized", h.tckn, nlohmann::json{{"card", card_serial}, {"authorization", u.id}}.dump(),
                   actor_of(h.tckn));
  });
  ledger_.checkpoint();
  return offer;
}

std::string HolderDesk::release_puk(const store::HolderRecord& h, const std::string& nonce,
                                    const std::string& card_serial, const std::string& agent_key,
                                    const std::string& sealed_new_puk) {
  store::UnlockRepository unlocks(ledger_.database());
  std::int64_t now = now_seconds();
  auto u = unlocks.find_open(h.tckn, token_hash(nonce), now);
  if (!u) unlock_refused(h, "holder.unlock_invalid", "no open authorisation for this nonce");
  if (u->released_at != 0) unlock_refused(h, "holder.unlock_invalid", "PUK already released");
  if (u->card_serial != card_serial) unlock_refused(h, "holder.unlock_wrong_card", "card " + card_serial.substr(0, 16));
  Bytes agent_public, new_puk;
  try {
    agent_public = base64_decode(agent_key);
    BoxKeyPair server(master_key_->unseal(u->server_key, "tugra-unlock-key:" + h.tckn + ":" + u->card_serial));
    new_puk = server.open(base64_decode(sealed_new_puk));
  } catch (const std::exception&) {
    unlock_refused(h, "holder.unlock_invalid", "sealed new PUK does not open");
  }
  std::string puk_text(new_puk.begin(), new_puk.end());
  sodium_memzero(new_puk.data(), new_puk.size());
  if (puk_text.size() != 8 || puk_text.find_first_not_of("0123456789") != std::string::npos ||
      agent_public.size() != 32)
    unlock_refused(h, "holder.unlock_invalid", "malformed new PUK or agent key");
  auto [serial, request_id] = card_in_use(h.tckn);
  auto secret = serial == u->card_serial && request_id ? vault_.for_request(request_id) : std::nullopt;
  if (!secret || secret->puk.empty()) throw UserError("holder.puk_deleted");
  std::string sealed_old = base64_encode(seal_to(agent_public, as_bytes(secret->puk)));
  sodium_memzero(secret->puk.data(), secret->puk.size());
  std::string kept_new = master_key_->seal(as_bytes(puk_text), "tugra-unlock-puk:" + h.tckn + ":" + u->card_serial);
  sodium_memzero(puk_text.data(), puk_text.size());
  bool released = false;
  ledger_.write([&] {
    released = unlocks.release(u->id, kept_new, now);
    if (released)
      ledger_.record("card.puk_released", h.tckn, nlohmann::json{{"card", u->card_serial}, {"authorization", u->id}}.dump(),
                     actor_of(h.tckn));
  });
  ledger_.checkpoint();
  if (!released) unlock_refused(h, "holder.unlock_invalid", "PUK already released");
  return sealed_old;
}

void HolderDesk::complete_unlock(const store::HolderRecord& h, const std::string& nonce) {
  store::UnlockRepository unlocks(ledger_.database());
  std::int64_t now = now_seconds();
  auto u = unlocks.find_open(h.tckn, token_hash(nonce), now);
  if (!u || u->released_at == 0) unlock_refused(h, "holder.unlock_invalid", "no released authorisation for this nonce");
  Bytes new_puk = master_key_->unseal(u->new_puk, "tugra-unlock-puk:" + h.tckn + ":" + u->card_serial);
  PinPuk replaced{"", std::string(new_puk.begin(), new_puk.end()), 0};
  sodium_memzero(new_puk.data(), new_puk.size());
  auto [serial, request_id] = card_in_use(h.tckn);
  bool used = false;
  ledger_.write([&] {
    used = unlocks.use(u->id, now);
    if (!used) return;
    // The PIN is the holder's own now: the record keeps the new PUK only.
    if (serial == u->card_serial && request_id) {
      vault_.destroy_request(request_id);
      vault_.store(request_id, h.tckn, replaced);
    }
    ledger_.record("card.unlocked", h.tckn, nlohmann::json{{"card", u->card_serial}, {"authorization", u->id}}.dump(),
                   actor_of(h.tckn));
  });
  sodium_memzero(replaced.puk.data(), replaced.puk.size());
  ledger_.checkpoint();
  vault_.purge();
  if (!used) unlock_refused(h, "holder.unlock_invalid", "authorisation used already");
  tell(h, message("notify.card_unlocked", {{"card", u->card_serial}}));
}

store::HolderRecord HolderDesk::log_in_with_card(const CardLoginProof& proof, const std::string& origin,
                                                 const std::string& nonce) {
  CardLoginCheck check = check_card_login(ledger_.database(), proof.certificate, proof.statement, proof.signature,
                                          origin, nonce, now_seconds());
  std::optional<store::HolderRecord> holder;
  if (check.failure.empty()) {
    holder = find(check.tckn);
    if (!holder) check.failure = "no holder account";
    else if (blocked(check.tckn)) check.failure = "account blocked";
    else if (certificate(check.tckn, check.serial).state != CertState::active)
      check.failure = std::string("certificate ") + to_string(certificate(check.tckn, check.serial).state);
  }
  ledger_.write([&] {
    if (check.failure.empty())
      ledger_.record("holder.card_login", check.tckn, nlohmann::json{{"certificate", check.serial}}.dump(),
                     actor_of(check.tckn));
    else
      ledger_.record("holder.card_login_failed", check.tckn.empty() ? "-" : check.tckn,
                     nlohmann::json{{"reason", check.failure}, {"certificate", check.serial}}.dump(), "portal");
  });
  ledger_.checkpoint();
  if (!check.failure.empty()) throw UserError("holder.card_login_failed");
  return *holder;
}

void HolderDesk::record_pin_change(const store::HolderRecord& h, const std::string& card_serial) {
  ledger_.write([&] {
    ledger_.record("card.pin_changed", h.tckn, nlohmann::json{{"card", card_serial.substr(0, 16)}}.dump(),
                   actor_of(h.tckn));
  });
  ledger_.checkpoint();
}

void HolderDesk::request_reset(const std::string& id) {
  auto holder = find(id);
  if (!holder) return;  // the page says the same thing either way
  std::int64_t now = now_seconds();
  store::ResetLinkRepository links(ledger_.database());
  if (links.recent(holder->tckn, now - 3600) >= kResetLinksPerHour) return;
  std::string token = new_token();
  ledger_.write([&] {
    links.void_all(holder->tckn);
    links.insert({token_hash(token), holder->tckn, now + settings_.reset_link_seconds, 0, now});
    ledger_.record("holder.reset_link_sent", holder->tckn, "{}", "portal");
  });
  ledger_.checkpoint();
  std::string link = settings_.public_base_url + "/bireysel/sozcuk/yenile?t=" + token;
  notifications_.email(holder->email, message("notify.reset_subject"),
                       message("notify.reset_body", {{"name", holder->given_name + " " + holder->surname},
                                                     {"link", link},
                                                     {"minutes", std::to_string(settings_.reset_link_seconds / 60)},
                                                     {"call_centre", settings_.call_centre}}));
}

std::optional<std::string> HolderDesk::reset_holder(const std::string& token) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  auto link = store::ResetLinkRepository(ledger_.database()).find(token_hash(token));
  if (!link || link->used_at != 0 || link->expires_at < now_seconds()) return std::nullopt;
  return link->tckn;
}

FieldErrors HolderDesk::reset_word(const std::string& token, const std::string& word, const std::string& again) {
  auto tckn = reset_holder(token);
  if (!tckn) throw UserError("holder.bad_link");
  auto h = find(*tckn);
  if (!h) throw UserError("holder.bad_link");
  FieldErrors errors = new_security_word_errors(word, again, {h->tckn, h->given_name, h->surname, "", ""});
  if (!errors.empty()) return errors;
  std::string hash = hash_secret(word);
  bool used = false;
  ledger_.write([&] {
    store::ResetLinkRepository links(ledger_.database());
    used = links.use(token_hash(token));
    if (!used) return;
    store::HolderRepository(ledger_.database()).set_security_word(h->tckn, hash);
    links.void_all(h->tckn);
    ledger_.record("holder.security_word_reset", h->tckn, "{}", actor_of(h->tckn));
  });
  if (!used) throw UserError("holder.bad_link");
  ledger_.checkpoint();
  tell(*h, message("notify.holder_word_changed", {{"name", h->given_name + " " + h->surname}}));
  return {};
}

void HolderDesk::tell(const store::HolderRecord& h, const std::string& body) {
  try {
    notifications_.preferred(h.channel, h.mobile, h.email, message("notify.holder_subject"), body);
  } catch (const UserError& e) {
    std::fprintf(stderr, "tugra: notification to holder %s failed: %s\n", h.tckn.c_str(), e.what());
  }
}

}  // namespace tugra::ra
