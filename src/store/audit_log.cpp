#include "store/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <soci/soci.h>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/http_client.hpp"
#include "common/messages.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"
#include "store/database.hpp"
#include "store/prepared.hpp"

namespace tugra::store {
namespace {

// What a checkpoint signature covers; the prefix keeps an audit signature
// from being mistaken for any other kind.
std::string checkpoint_message(std::int64_t seq, const std::string& hash) {
  return "tugra-audit-checkpoint\n" + std::to_string(seq) + "\n" + hash + "\n";
}

void append_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ',';
}

}  // namespace

AuditLog::AuditLog(Database& db, const Signer* checkpoint_signer, std::int64_t checkpoint_every)
    : db_(db), signer_(checkpoint_signer), checkpoint_every_(checkpoint_every > 0 ? checkpoint_every : 100) {}

std::string AuditLog::record_hash(const AuditRecord& r) {
  // Length-prefixed fields: no two different records encode alike.
  std::string canonical;
  append_field(canonical, std::to_string(r.seq));
  append_field(canonical, std::to_string(r.at));
  append_field(canonical, r.event);
  append_field(canonical, r.actor);
  append_field(canonical, r.subject);
  append_field(canonical, r.details);
  append_field(canonical, r.prev_hash);
  return ossl::sha256_hex(as_bytes(canonical));
}

AuditRecord AuditLog::append(const AuditEvent& event) {
  AuditRecord r;
  static_cast<AuditEvent&>(r) = event;
  long long last_seq = 0;
  std::string last_hash;
  soci::indicator ind = soci::i_null;
  bool got = run_prepared(db_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                          soci::into(last_seq, ind), soci::into(last_hash));
  bool empty = !got || ind != soci::i_ok;
  r.seq = empty ? 1 : last_seq + 1;
  r.prev_hash = empty ? kGenesisHash : last_hash;
  r.at = now_micros();
  r.hash = record_hash(r);
  long long seq = r.seq, at = r.at;
  change_prepared(db_,
                  "INSERT INTO audit_log (seq, at, event, actor, subject, details, prev_hash, hash) "
                  "VALUES (:seq, :at, :event, :actor, :subject, :details, :prev, :hash)",
                  soci::use(seq), soci::use(at), soci::use(r.event), soci::use(r.actor), soci::use(r.subject),
      soci::use(r.details), soci::use(r.prev_hash), soci::use(r.hash));
  if (signer_ && r.seq % checkpoint_every_ == 0) write_checkpoint(r.seq, r.hash);
  return r;
}

void AuditLog::write_checkpoint(std::int64_t seq, const std::string& hash) {
  std::string message = checkpoint_message(seq, hash);
  std::string signature = base64_encode(signer_->sign(as_bytes(message)));
  long long s = seq, at = now_seconds();
  db_.sql() << "INSERT INTO audit_checkpoints (seq, hash, signature, at) VALUES (:seq, :hash, :sig, :at)",
      soci::use(s), soci::use(hash), soci::use(signature), soci::use(at);
  if (!witness_.empty() || !witness_url_.empty()) unwitnessed_.push_back(std::to_string(seq) + " " + hash + " " + signature + "\n");
}

void AuditLog::flush_witness() {
  if (unwitnessed_.empty()) return;
  std::string lines;
  for (const auto& l : unwitnessed_) lines += l;
  unwitnessed_.clear();
  if (!witness_.empty()) {
    int fd = ::open(witness_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open the audit witness " + witness_.string());
    bool ok = ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write the audit witness " + witness_.string());
  }
  if (!witness_url_.empty()) post_witness(lines);
}

// The write is committed: a witness endpoint that is away delays its copy,
// it does not undo the write. The spool is locked while it is read, sent and
// emptied, so two processes never send a line twice or drop one.
void AuditLog::post_witness(const std::string& lines) {
  int fd = ::open(spool_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open the audit witness spool " + spool_.string());
  ::flock(fd, LOCK_EX);
  std::string pending;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) pending.append(buffer, static_cast<std::size_t>(n));
  pending += lines;
  try {
    auto reply = http_request("POST", witness_url_, pending, {"Content-Type: text/plain"});
    if (reply.status < 200 || reply.status >= 300) throw std::runtime_error("HTTP " + std::to_string(reply.status));
    if (::ftruncate(fd, 0) != 0) throw std::runtime_error("cannot empty " + spool_.string());
  } catch (const std::exception& e) {
    bool kept = ::lseek(fd, 0, SEEK_END) >= 0 &&
                ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()) && ::fsync(fd) == 0;
    std::fprintf(stderr, "tugra: %s\n",
                 message("audit.witness_unreachable", {{"url", witness_url_}, {"detail", e.what()}}).c_str());
    if (!kept) {
      ::close(fd);
      throw std::runtime_error("cannot write the audit witness spool " + spool_.string());
    }
  }
  ::close(fd);
}

AuditVerification AuditLog::check_witness(AuditVerification result) {
  if (result.ok && !witness_.empty() && std::filesystem::exists(witness_)) {
    std::ifstream in(witness_);
    result = check_witnessed(result, in);
  }
  if (result.ok && !witness_url_.empty()) {
    HttpReply reply;
    try {
      reply = http_request("GET", witness_url_);
    } catch (const std::exception& e) {
      throw UserError("audit.witness_unreadable", {{"url", witness_url_}, {"detail", e.what()}});
    }
    if (reply.status != 200)
      throw UserError("audit.witness_unreadable", {{"url", witness_url_}, {"detail", "HTTP " + std::to_string(reply.status)}});
    std::istringstream in(reply.body);
    result = check_witnessed(result, in);
  }
  return result;
}

AuditVerification AuditLog::check_witnessed(AuditVerification result, std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    long long seq = 0;
    std::string hash;
    if (!(fields >> seq >> hash)) continue;  // a torn last line after a crash
    std::string stored;
    soci::indicator ind = soci::i_null;
    db_.sql() << "SELECT hash FROM audit_checkpoints WHERE seq = :seq", soci::use(seq), soci::into(stored, ind);
    if (!db_.sql().got_data() || ind != soci::i_ok || stored != hash || seq > result.records) {
      result.ok = false;
      result.first_bad_seq = seq;
      result.problem = "audit.problem.witness_missing";
      return result;
    }
  }
  return result;
}

void AuditLog::checkpoint_if_behind() {
  if (!signer_) return;
  auto& sql = db_.sql();
  long long last_seq = 0, last_checkpoint = 0;
  std::string last_hash;
  soci::indicator i1 = soci::i_null, i2 = soci::i_null;
  sql << "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", soci::into(last_seq, i1),
      soci::into(last_hash);
  if (!sql.got_data() || i1 != soci::i_ok) return;
  sql << "SELECT MAX(seq) FROM audit_checkpoints", soci::into(last_checkpoint, i2);
  if (i2 == soci::i_ok && last_checkpoint >= last_seq) return;
  write_checkpoint(last_seq, last_hash);
}

std::vector<AuditRecord> AuditLog::list(std::int64_t after_seq, std::int64_t limit) {
  return find(after_seq, limit, "", "");
}

std::vector<AuditRecord> AuditLog::find(std::int64_t after_seq, std::int64_t limit, const std::string& event,
                                        const std::string& actor) {
  std::vector<AuditRecord> out;
  AuditRecord r;
  long long seq = 0, at = 0, after = after_seq, lim = limit;
  std::string event1 = event, event2 = event, actor1 = actor, actor2 = actor;
  soci::statement st = (db_.sql().prepare << "SELECT seq, at, event, actor, subject, details, prev_hash, hash "
                                             "FROM audit_log WHERE seq > :after AND (CAST(:e1 AS TEXT) = '' OR event = :e2) "
                                             "AND (CAST(:a1 AS TEXT) = '' OR actor = :a2) ORDER BY seq LIMIT :lim",
                        soci::use(after), soci::use(event1), soci::use(event2), soci::use(actor1), soci::use(actor2),
                        soci::use(lim), soci::into(seq), soci::into(at),
                        soci::into(r.event), soci::into(r.actor), soci::into(r.subject),
                        soci::into(r.details), soci::into(r.prev_hash), soci::into(r.hash));
  st.execute();
  while (st.fetch()) {
    r.seq = seq;
    r.at = at;
    out.push_back(r);
  }
  return out;
}

AuditVerification AuditLog::verify(ByteView audit_public_key) {
  AuditVerification result;
  auto fail = [&](std::int64_t seq, const char* problem) {
    result.ok = false;
    result.first_bad_seq = seq;
    result.problem = problem;
  };

  // Walk the chain in pages so a long log does not sit in memory at once.
  std::int64_t expected_seq = 1;
  std::string prev_hash = kGenesisHash;
  for (;;) {
    auto page = list(expected_seq - 1, 5000);
    if (page.empty()) break;
    for (const auto& r : page) {
      if (r.seq != expected_seq) return fail(expected_seq, "audit.problem.missing"), result;
      if (r.prev_hash != prev_hash) return fail(r.seq, "audit.problem.broken_link"), result;
      if (record_hash(r) != r.hash) return fail(r.seq, "audit.problem.altered"), result;
      prev_hash = r.hash;
      ++expected_seq;
      ++result.records;
    }
  }

  long long seq = 0;
  std::string hash, signature;
  soci::statement st = (db_.sql().prepare << "SELECT seq, hash, signature FROM audit_checkpoints ORDER BY seq",
                        soci::into(seq), soci::into(hash), soci::into(signature));
  st.execute();
  while (st.fetch()) {
    if (seq < 1 || seq > result.records) return fail(seq, "audit.problem.truncated"), result;
    std::string record_hash_at;
    long long s = seq;
    db_.sql() << "SELECT hash FROM audit_log WHERE seq = :seq", soci::use(s), soci::into(record_hash_at);
    if (record_hash_at != hash) return fail(seq, "audit.problem.checkpoint_mismatch"), result;
    Bytes sig;
    try {
      sig = base64_decode(signature);
    } catch (const std::exception&) {
      return fail(seq, "audit.problem.checkpoint_signature"), result;
    }
    std::string message = checkpoint_message(seq, hash);
    // The audit key is always ECDSA P-256 (see ca/hierarchy.cpp).
    if (!verify_signature(audit_public_key, SignatureScheme::ecdsa_sha256, as_bytes(message), sig)) return fail(seq, "audit.problem.checkpoint_signature"), result;
    ++result.checkpoints;
  }
  return check_witness(result);
}

}  // namespace tugra::store
