// The ledger: every audited write of every module goes through here. A write
// is one database transaction that also appends to the hash-chained audit
// log; checkpoints over the chain are signed with the audit key, which is
// passed in (it lives in the audit token, never beside the CA keys).
//
// The audit key is opened on the first write, so a process that only reads
// (a status server, `tugra ca list`) never needs the audit token's PIN.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/config.hpp"
#include "store/audit_log.hpp"
#include "store/database.hpp"

namespace tugra {
class Signer;
}

namespace tugra::store {

class Ledger {
 public:
  using KeySource = std::function<std::unique_ptr<Signer>()>;

  // `actor` is the audit records' default actor ("cli:root", "portal").
  Ledger(std::unique_ptr<Database> db, KeySource audit_key, std::string actor, std::int64_t checkpoint_every);
  // The home's database, with the audit key from the home's audit token.
  static std::unique_ptr<Ledger> open(const Config& config, std::string actor);
  ~Ledger();  // writes a checkpoint over what this ledger wrote, if it can
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Runs `fn` in one write transaction, with the audit key at hand for the
  // checkpoints that fall inside it.
  void write(const std::function<void()>& fn, Durability durability = Durability::full);
  // Appends to the audit chain as `actor` (default: the ledger's); inside write() only.
  AuditRecord record(const std::string& event, const std::string& subject, const std::string& details,
                     const std::string& actor = "");
  // Writes a signed checkpoint if records were added since the last.
  void checkpoint();

  Database& database() { return *db_; }
  AuditLog& audit() { return audit_; }
  const std::string& actor() const { return actor_; }
  // The audit key's public half, read from the audit token itself (not the
  // database, which an attacker might have rewritten).
  Bytes audit_public_key();

 private:
  const Signer& audit_key();

  std::unique_ptr<Database> db_;
  KeySource key_source_;
  std::unique_ptr<Signer> key_;
  std::string actor_;
  AuditLog audit_;
  bool wrote_ = false;
};

}  // namespace tugra::store
