#include "store/ledger.hpp"

#include "common/client_address.hpp"

#include "crypto/duty_token.hpp"
#include "crypto/signer.hpp"

namespace tugra::store {

// The audit key is ECDSA P-256 in every home (see ca/hierarchy.cpp).
constexpr const char* kAuditKeyLabel = "tugra-audit";

Ledger::Ledger(std::unique_ptr<Database> db, KeySource audit_key, std::string actor, std::int64_t checkpoint_every)
    : db_(std::move(db)), key_source_(std::move(audit_key)), actor_(std::move(actor)),
      audit_(*db_, nullptr, checkpoint_every) {}

std::unique_ptr<Ledger> Ledger::open(const Config& config, std::string actor) {
  auto ledger = std::make_unique<Ledger>(
      Database::open(config),
      [config] { return open_duty_signer(config, Duty::audit, kAuditKeyLabel, SignatureScheme::ecdsa_sha256); },
      std::move(actor), config.integer("audit.checkpoint_every"));
  if (!config.str("audit.witness_file").empty()) ledger->audit().set_witness(config.path("audit.witness_file"));
  if (!config.str("audit.witness_url").empty()) ledger->audit().set_witness_url(config.str("audit.witness_url"), config.home() / "audit-witness.unsent");
  return ledger;
}

Ledger::~Ledger() {
  try {
    checkpoint();
  } catch (...) {
    // A failed checkpoint is caught up by the next writer; the chain itself is intact.
  }
}

const Signer& Ledger::audit_key() {
  if (!key_) {
    key_ = key_source_();
    audit_.set_checkpoint_signer(key_.get());
  }
  return *key_;
}

Bytes Ledger::audit_public_key() { return audit_key().public_key_der(); }

void Ledger::write(const std::function<void()>& fn, Durability durability) {
  audit_key();  // before the transaction: a missing audit token changes nothing
  try {
    Transaction tx(*db_, durability);
    fn();
    tx.commit();
  } catch (...) {
    audit_.discard_witness();  // checkpoints of a rolled-back transaction never existed
    throw;
  }
  audit_.flush_witness();
  wrote_ = true;
}

namespace {

// The details with the address of the web request being served, if any, as
// their first member.
std::string with_client(const std::string& details) {
  const std::string& client = current_client_address();
  if (client.empty() || details.size() < 2 || details.front() != '{') return details;
  // An address as inet_pton/asio spell it: nothing in it needs escaping.
  std::string out = "{\"client\":\"" + client + "\"";
  std::string_view rest = std::string_view(details).substr(1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.front() != '}') out += ",";
  out += rest;
  return out;
}

}  // namespace

AuditRecord Ledger::record(const std::string& event, const std::string& subject, const std::string& details,
                           const std::string& actor) {
  return audit_.append({event, actor.empty() ? actor_ : actor, subject, with_client(details)});
}

void Ledger::checkpoint() {
  if (!wrote_) return;
  try {
    Transaction tx(*db_);
    audit_.checkpoint_if_behind();
    tx.commit();
  } catch (...) {
    audit_.discard_witness();
    throw;
  }
  audit_.flush_witness();
  wrote_ = false;
}

}  // namespace tugra::store
