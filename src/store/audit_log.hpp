// The hash-chained audit log. Each record carries the SHA-256 of the record
// before it, so altering or removing any record breaks every later link;
// signed checkpoints (by the audit key in the CA token) make rewriting the
// whole chain detectable too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"

namespace tugra {
class Signer;
}

namespace tugra::store {

class Database;

struct AuditEvent {
  std::string event;    // "certificate.issued"
  std::string actor;    // "cli:root", "officer:12345678950"
  std::string subject;  // what it concerns: a serial, a TCKN, an authority id
  std::string details;  // JSON object, never a secret
};

struct AuditRecord : AuditEvent {
  std::int64_t seq = 0;
  std::int64_t at = 0;  // Unix microseconds
  std::string prev_hash;
  std::string hash;
};

struct AuditVerification {
  bool ok = true;
  std::int64_t records = 0;
  std::int64_t checkpoints = 0;
  std::int64_t first_bad_seq = 0;  // 0 when ok
  std::string problem;             // catalog key of what is wrong
};

class AuditLog {
 public:
  // `checkpoint_signer` may be null (read-only use); `checkpoint_every` is the
  // number of records between automatic checkpoints.
  AuditLog(Database& db, const Signer* checkpoint_signer, std::int64_t checkpoint_every = 100);

  void set_checkpoint_signer(const Signer* signer) { signer_ = signer; }
  // An append-only file outside the database that receives every signed
  // checkpoint once its transaction has committed: deleting the newest
  // records together with their checkpoints is then still found by verify().
  void set_witness(std::filesystem::path file) { witness_ = std::move(file); }
  // A witness on another host (audit.witness_url): each checkpoint line is
  // POSTed to it, and GET returns every line it was sent. Someone who owns
  // this host can truncate the witness file, not the remote one. Lines that
  // could not be delivered wait in `spool` and go with the next ones (from
  // whichever process writes next).
  void set_witness_url(std::string url, std::filesystem::path spool) {
    witness_url_ = std::move(url);
    spool_ = std::move(spool);
  }
  // After the transaction that wrote checkpoints committed, or rolled back.
  void flush_witness();
  void discard_witness() { unwitnessed_.clear(); }
  // Appends within the caller's Transaction; returns the new record.
  AuditRecord append(const AuditEvent& event);
  // Writes a checkpoint over the newest record unless one already covers it.
  // Needs its own Transaction from the caller.
  void checkpoint_if_behind();

  std::vector<AuditRecord> list(std::int64_t after_seq, std::int64_t limit);
  // Records after `after_seq` of one event and/or one actor (empty: any), in order.
  std::vector<AuditRecord> find(std::int64_t after_seq, std::int64_t limit, const std::string& event,
                                const std::string& actor);
  // Recomputes every hash and link, checks every checkpoint's signature
  // with `audit_public_key` (SubjectPublicKeyInfo), and that every
  // checkpoint the witness file holds is still in the database.
  AuditVerification verify(ByteView audit_public_key);

  static std::string record_hash(const AuditRecord& record);
  static constexpr const char* kGenesisHash =
      "0000000000000000000000000000000000000000000000000000000000000000";

 private:
  void write_checkpoint(std::int64_t seq, const std::string& hash);

  AuditVerification check_witness(AuditVerification result);
  // Every "seq hash signature" line of `lines` names a checkpoint the database holds.
  AuditVerification check_witnessed(AuditVerification result, std::istream& lines);

  Database& db_;
  const Signer* signer_;
  std::int64_t checkpoint_every_;
  std::filesystem::path witness_;
  void post_witness(const std::string& lines);

  std::string witness_url_;
  std::filesystem::path spool_;           // lines the witness endpoint has not taken yet
  std::vector<std::string> unwitnessed_;  // lines of checkpoints not yet committed
};

}  // namespace tugra::store
