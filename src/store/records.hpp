// Rows of the CA's tables as plain structs, and the repositories that read
// and write them. All SQL lives in store/*.cpp, as prepared statements.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "store/states.hpp"

namespace tugra::store {

class Database;

struct AuthorityRecord {
  std::string id;             // "root", "nes" (then "nes-2", … after rollovers), "nes-ocsp", "nes-tsa", "audit"
  std::string kind;           // "root-ca", "issuing-ca", "ocsp-responder", "tsa", "audit"
  std::string subject;        // one-line distinguished name
  std::string key_label;      // label of the key pair in the CA token
  std::string key_algorithm;  // "ecdsa-p384", ...
  std::string public_key;     // base64 SubjectPublicKeyInfo
  std::optional<std::string> certificate;  // base64 DER
  std::int64_t created_at = 0;
};


struct CertificateRecord {
  std::string serial;  // upper-case hex, no leading zero byte
  std::string issuer;  // authority id
  std::string tckn;
  std::string subject;
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  CertStatus status = CertStatus::pending;
  std::optional<std::int64_t> revoked_at;
  std::optional<int> revocation_reason;  // RFC 5280 CRLReason
  std::optional<std::string> renews;
  std::string request_key;  // idempotency key of the request
  std::string request;      // JSON
  std::string tbs;          // base64 TBSCertificate (the intent)
  std::optional<std::string> certificate;  // base64 DER once signed
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::string suspended_by;  // who placed the current suspension ("" when none, or issued on hold)
};

// The delegated OCSP responder of an issuing CA: "nes" -> "nes-ocsp".
inline std::string responder_of(const std::string& issuing_id) { return issuing_id + "-ocsp"; }
// The id of an issuing CA's time-stamping unit: "nes" -> "nes-tsa".
inline std::string tsa_of(const std::string& issuing_id) { return issuing_id + "-tsa"; }

class AuthorityRepository {
 public:
  explicit AuthorityRepository(Database& db) : db_(db) {}
  void insert(const AuthorityRecord& record);
  std::optional<AuthorityRecord> find(const std::string& id);
  std::vector<AuthorityRecord> all();  // oldest first
  // Every issuing CA generation ("nes", "nes-2", …), oldest first, certified or not.
  std::vector<AuthorityRecord> issuing();
  // The issuing CA that signs new holder certificates: the newest one that is
  // certified and whose OCSP responder is certified too (a new generation
  // takes over only once its certificates can be checked). Null: none yet.
  std::optional<AuthorityRecord> current_issuing();
  // Its id alone: one indexed query, cheap enough for every issuance batch.
  std::optional<std::string> current_issuing_id();
  // A new key and its certificate (a renewed OCSP responder), or the
  // certificate of a key recorded before it was certified.
  void replace_key(const std::string& id, const std::string& key_label, const std::string& public_key,
                   const std::string& subject, const std::string& certificate);

 private:
  Database& db_;
};

// A key of another duty waiting for the CA to certify it (migration 007).
struct SigningRequest {
  std::int64_t id = 0;
  std::string authority_id, key_label, public_key;  // public_key: base64 SPKI
  std::string state = "pending";                   // pending | done
  std::optional<std::string> certificate;          // base64 DER once done
  std::int64_t created_at = 0, done_at = 0;
};

// A lease on work only one process may do at a time (migration 010).
class LeaseRepository {
 public:
  explicit LeaseRepository(Database& db) : db_(db) {}
  // Takes or renews `name` for `holder` until `expires_at`; false while
  // another holder's lease is still running. Inside a write transaction.
  bool acquire(const std::string& name, const std::string& holder, std::int64_t now, std::int64_t expires_at);
  void release(const std::string& name, const std::string& holder);

 private:
  Database& db_;
};

class SigningRequestRepository {
 public:
  explicit SigningRequestRepository(Database& db) : db_(db) {}
  void insert(SigningRequest& r);  // assigns the id
  std::vector<SigningRequest> pending();
  // Marks a pending request done with its certificate; false if it was not pending.
  bool complete(std::int64_t id, const std::string& certificate);

 private:
  Database& db_;
};

class CertificateRepository {
 public:
  explicit CertificateRepository(Database& db) : db_(db) {}
  void insert_intent(const CertificateRecord& record);
  // Records the signed certificate of a pending intent; false when the
  // intent was already completed (by another process).
  bool complete(const std::string& serial, const std::string& certificate, CertStatus status,
                std::optional<std::int64_t> revoked_at, std::optional<int> reason);
  // Moves a certificate from `expected` to `status`; false (and nothing
  // changed) when it is no longer in `expected` (another writer won).
  bool set_status(const std::string& serial, CertStatus expected, CertStatus status,
                  std::optional<std::int64_t> revoked_at, std::optional<int> reason,
                  const std::string& suspended_by);
  std::optional<CertificateRecord> find(const std::string& serial);
  std::optional<CertificateRecord> find_by_request_key(const std::string& key);
  // Newest first; empty `tckn` lists everyone's.
  std::vector<CertificateRecord> list(const std::string& tckn);
  std::vector<CertificateRecord> pending();
  std::int64_t count();
  // Marks that the certificate's status changed with audit record `seq`.
  void mark_changed(const std::string& serial, std::int64_t seq);

  // What a status responder needs of a certificate.
  struct StatusRow {
    std::string serial;
    std::string issuer;
    CertStatus status;
    std::int64_t revoked_at;  // 0 when not revoked/suspended
    int reason;               // -1 when none
    std::int64_t not_after;
    std::int64_t change_seq;
  };
  // Rows of issued (not pending) certificates changed after `after_seq`, in
  // change order; `limit` bounds one call. An empty answer costs about as
  // much as `limit` rows (up to 10,000: SOCI sets up the whole batch), so a
  // poll asks for few and asks again while they come full.
  std::vector<StatusRow> changed_since(std::int64_t after_seq, std::int64_t limit);
  // Every row changed after `after_seq`, handed to `visit` in change order,
  // `chunk` rows a call: a poll that mostly finds nothing asks for few, and
  // asks again while they come full.
  void for_each_change(std::int64_t after_seq, std::int64_t chunk,
                       const std::function<void(const std::vector<StatusRow>&)>& visit);
  // Revoked and suspended certificates of `issuer`, for a CRL, one row at a
  // time (a million rows are never held at once; `visit` must copy what it keeps).
  struct RevokedRow {
    std::string_view serial;
    std::int64_t revoked_at;
    int reason;  // -1 when none
  };
  void for_each_revoked(const std::string& issuer, const std::function<void(const RevokedRow&)>& visit);
  // The newest change_seq of any certificate (0 when none).
  std::int64_t latest_change_seq();
  // The latest notAfter of what `issuer` signed (0: nothing).
  std::int64_t latest_not_after(const std::string& issuer);

 private:
  std::vector<CertificateRecord> select(const std::string& where, const std::string& param);
  Database& db_;
};

struct CrlRecord {
  std::string issuer;
  std::int64_t number = 0;
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::int64_t entries = 0;
  std::string der;  // the CRL's DER bytes
  std::int64_t delta_base = 0;  // a delta CRL: the number of its base full CRL
  std::int64_t change_seq = 0;  // a full CRL: the newest certificate change it includes
};

class CrlRepository {
 public:
  explicit CrlRepository(Database& db) : db_(db) {}
  void insert(const CrlRecord& record);
  // The same with the DER given in pieces (record.der unused), written one after another.
  void insert(const CrlRecord& record, std::span<const ByteView> der_pieces);
  std::int64_t next_number(const std::string& issuer);
  // The newest full (delta) CRL; with `newer_than`, none unless its number is
  // greater: a reader that has a CRL loads the bytes only of a newer one.
  std::optional<CrlRecord> latest(const std::string& issuer, std::int64_t newer_than = 0);
  std::optional<CrlRecord> latest_delta(const std::string& issuer, std::int64_t newer_than = 0);
  // The newest CRL number of `issuer` without loading the CRL (0 when none).
  std::int64_t latest_number(const std::string& issuer);
  // How many entries the newest full CRL of `issuer` lists (0 when none).
  std::int64_t latest_entries(const std::string& issuer);

 private:
  Database& db_;
};

}  // namespace tugra::store
