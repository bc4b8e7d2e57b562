// The certificate authority of one Tugra home: its database, its token, its
// hierarchy (root, NES issuing CA, OCSP responder, audit key) and the
// operations on holder certificates. Each write is one transaction that also
// appends to the audit chain.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ca/profile.hpp"
#include "crypto/openssl.hpp"
#include "common/config.hpp"
#include "store/audit_log.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace tugra {
class Signer;
class Token;
}

namespace tugra::ca {

struct IssueRequest {
  Holder holder;
  std::optional<std::string> public_key;  // PEM or DER SubjectPublicKeyInfo
  std::optional<std::string> csr;         // PEM or DER PKCS#10
  int years = 3;
  std::optional<std::string> limit;       // "50000" or "1500.50"
  bool suspended = false;                 // issue on hold (a card awaiting activation)
  std::optional<std::string> renews;      // serial of the certificate this renews
  std::optional<std::string> request_id;  // idempotency key; default: hash of the request
};

// Who asks for a status change (the audit record's actor; default: the CA's
// own), and what else must be written in the same transaction.
struct StatusOptions {
  std::string actor;
  std::function<void(const store::CertificateRecord&)> also;
};

struct IssueResult {
  store::CertificateRecord record;
  Bytes der;
  bool existed = false;  // a retry of a request issued before
};

// Upper-case hex without separators; accepts "0x", colons and any case.
std::string normalize_serial(const std::string& text);

class CertificateAuthority {
 public:
  // `tugra init`: creates the token (SoftHSM2 by default), the keys and the
  // hierarchy. Refuses a home that already has a CA.
  static std::unique_ptr<CertificateAuthority> initialize(const Config& config, const std::string& actor);
  // Opens an initialised home and completes any issuance a crash interrupted.
  static std::unique_ptr<CertificateAuthority> open(const Config& config, const std::string& actor);
  ~CertificateAuthority();

  IssueResult issue(const IssueRequest& request);
  store::CertificateRecord revoke(const std::string& serial, int reason, const StatusOptions& options = {});
  store::CertificateRecord suspend(const std::string& serial, const StatusOptions& options = {});
  store::CertificateRecord unsuspend(const std::string& serial, const StatusOptions& options = {});
  // Completes issuances left 'pending' by a crash; returns how many.
  int recover_pending();

  // Builds, signs, stores and returns a new full CRL of "nes" or "root".
  store::CrlRecord publish_crl(const std::string& authority_id);
  // A delta CRL of "nes" against its newest full CRL (a full one if none).
  store::CrlRecord publish_delta_crl(const std::string& authority_id);

  std::optional<store::CertificateRecord> find(const std::string& serial);
  std::vector<store::CertificateRecord> list(const std::string& tckn);
  // PEM of the issuing CA, then the root.
  std::string chain_pem();
  store::AuthorityRecord authority(const std::string& id);

  // Replaces the key an authority signs with (bench/issue compares the
  // token's key with a software key through the same issuance path). The
  // certificates it then signs do not chain to the stored CA certificate.
  void replace_signer_for_benchmark(const std::string& authority_id, std::unique_ptr<Signer> signer);
  // The signer of an authority's key ("nes", "root", "nes-ocsp").
  const Signer& signer_for(const std::string& authority_id) { return signer(authority_id); }
  const Config& config() const { return config_; }

  // Hands the authority's signer over (the benchmark wraps it and puts it back).
  std::unique_ptr<Signer> take_signer_for_benchmark(const std::string& authority_id);

  // Writes a signed audit checkpoint if records were added since the last.
  void checkpoint();
  // Runs `fn` in one write transaction (the workflows beside the CA use it
  // for their own tables), with the token open for audit checkpoints.
  void write(const std::function<void()>& fn, store::Durability durability = store::Durability::full);
  // Appends to the audit chain as `actor` (default: this CA's actor, e.g.
  // "cli:root"); inside write() only.
  store::AuditRecord record(const std::string& event, const std::string& subject, const std::string& details,
                            const std::string& actor = "");
  // The certificate issued (or being issued) for an IssueRequest::request_id.
  std::optional<store::CertificateRecord> find_by_request_id(const std::string& request_id);
  store::AuditLog& audit() { return *audit_; }
  store::Database& database() { return *db_; }
  const ProfileSettings& settings() const { return settings_; }
  // The public key of the audit key, read from the token itself (not the
  // database, which an attacker might have rewritten).
  Bytes audit_public_key();

 private:
  CertificateAuthority(const Config& config, std::string actor);
  Token& token();
  // The NES issuing CA certificate, parsed once.
  const X509* issuing_certificate();
  const NesProfile& nes_profile();
  const Signer& signer(const std::string& authority_id);
  store::CertificateRecord finish_issuance(const store::CertificateRecord& intent, bool recovered, Bytes& der);
  store::CertificateRecord change_status(const std::string& serial, const char* event,
                                         const std::function<void(store::CertificateRecord&)>& change,
                                         const StatusOptions& options);

  Config config_;
  std::string actor_;
  ProfileSettings settings_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::AuditLog> audit_;
  std::unique_ptr<Token> token_;
  std::vector<std::pair<std::string, std::unique_ptr<Signer>>> signers_;
  std::vector<store::AuthorityRecord> authorities_;  // loaded once; they do not change
  ossl::Cert issuing_cert_;
  std::unique_ptr<NesProfile> nes_profile_;
  bool wrote_ = false;
};

}  // namespace tugra::ca
