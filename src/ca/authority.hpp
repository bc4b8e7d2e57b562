// The certificate authority of one Tugra home: the work that needs the CA
// keys and nothing else — issuing holder certificates, the CA certificates
// of the hierarchy, and signing CRLs. It opens the CA token (root and
// issuing keys) on first use; audited writes go through the ledger it is
// given. Status changes, which need no CA key, are ca/certificates.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ca/revoked_list.hpp"
#include "common/error.hpp"
#include "ca/profile.hpp"
#include "common/config.hpp"
#include "crypto/openssl.hpp"
#include "store/ledger.hpp"
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

struct IssueResult {
  store::CertificateRecord record;
  Bytes der;
  bool existed = false;  // a retry of a request issued before
};

// One request of a batch: its certificate, or why it was refused.
struct IssueOutcome {
  std::optional<IssueResult> result;
  std::optional<UserError> error;
};

// The stored certificates of authorities ("nes", "root"), PEM, in the order
// given; read from the database, so no token is needed.
std::string authority_certificates_pem(store::Database& db, const std::vector<std::string>& ids);

class CertificateAuthority {
 public:
  // `tugra init`: creates the three tokens (CA, status, audit; SoftHSM2 by
  // default), the keys and the hierarchy, and publishes the first CRLs.
  // Refuses a home that already has a CA. The returned CA owns its ledger.
  static std::unique_ptr<CertificateAuthority> initialize(const Config& config, const std::string& actor);

  // The offline-root ceremony, in four steps across two homes (see
  // ca/hierarchy.cpp): a root home; an issuing home's key and request; the
  // root's signature on it; the issuing home completed with that
  // certificate, the root certificate and a root CRL.
  static std::unique_ptr<CertificateAuthority> initialize_root(const Config& config, const std::string& actor);
  // Returns the PKCS#10 request (PEM) of the issuing key it generated.
  static std::string request_issuing(const Config& config, const std::string& actor);
  // On the root home: the issuing CA certificate (DER) for a request.
  Bytes sign_issuing(const std::string& csr);
  // Refuses, changing nothing, a certificate that is not for this home's
  // issuing key or does not chain to `root_certificate`, and a CRL the root did not sign.
  static std::unique_ptr<CertificateAuthority> complete_issuing(const Config& config, const std::string& actor,
                                                                const std::string& certificate,
                                                                const std::string& root_certificate,
                                                                const std::string& root_crl);
  // On an issuing home of an offline root: publishes a newer root CRL.
  store::CrlRecord import_root_crl(const std::string& crl);

  // Issuing-CA rollover (ca/rollover.cpp): a new issuing key and certificate
  // beside the old ones, which keep their CRLs and OCSP. One step when this
  // home holds the root key; else the request for the offline root and then
  // its certificate. `name` empty: ca.issuing_name with the next "Sürüm".
  // Returns the new generation's authority id ("nes-2"). Its OCSP responder
  // key is the status role's to make (status/responder_renewal.hpp); the new
  // CA signs holder certificates once that responder is certified.
  std::string rollover(std::string name);
  std::string request_rollover(std::string name, std::string& csr_pem);
  std::string complete_rollover(const std::string& certificate);
  // The issuing CA that signs new holder certificates (store::AuthorityRepository::current_issuing).
  std::string current_issuer();
  // Whether an old issuing CA is done: a newer one has taken over and every
  // certificate it signed has expired. Its CRLs then stop.
  bool retired(const std::string& issuing_id);
  // Whether this home holds the authority's key ("root" is offline in an issuing home).
  bool holds_key(const std::string& authority_id);
  // Opens an initialised home's CA over `ledger` and completes any issuance
  // a crash interrupted (which needs the CA token: see recover_pending).
  static std::unique_ptr<CertificateAuthority> open(const Config& config, store::Ledger& ledger);
  ~CertificateAuthority();

  IssueResult issue(const IssueRequest& request);
  // Several requests with one synced commit for all their intents, then the
  // signatures, then one commit for the results (group commit). A refused
  // request does not hold up the others; an identical request given twice
  // gets the same certificate.
  std::vector<IssueOutcome> issue_batch(const std::vector<IssueRequest>& requests);

  // issue_batch in steps, so that IssuanceQueue can sign on several
  // threads while its database thread goes on: check_batch checks every
  // request (the database's reads); write_step, in one transaction, records
  // the certificates signed since the last step and commits the intents of
  // a checked batch (synced when it holds intents: no signature before its
  // intent is on disk; relaxed with certificates alone, which their durable
  // intents make recoverable); sign() of each intent may then run on any
  // thread, in parallel. check_batch and write_step use the database and are
  // called by one thread at a time; sync_intents does not use the connection.
  struct Batch {
    std::vector<IssueOutcome> out;                         // by request: refused, or an earlier answer
    std::vector<std::size_t> fresh;                        // the request of each intent
    std::vector<store::CertificateRecord> intents;         // to be committed before any signature
    std::vector<const Signer*> keys;                       // each intent's CA key
    std::vector<std::pair<std::size_t, std::size_t>> repeats;  // a request twice in one batch: (repeat, first)
  };
  // What a request becomes without the database: checked, its key parsed,
  // its TBSCertificate built and linted for one issuing CA. IssuanceQueue
  // drafts on each requesting thread, off the batch's database steps.
  struct IssuerView {  // the issuing CA a draft is made for, taken in a database step
    std::string id;
    const X509* certificate = nullptr;
    const NesProfile* profile = nullptr;
    SignatureScheme scheme{};
    bool cap_at_issuer_end = false;  // ca.holder_beyond_issuer = "cap"
  };
  struct Draft {
    std::string issuer;  // the IssuerView's id
    std::optional<std::string> renews;
    store::CertificateRecord intent;  // the request and its key; the TBS and its fields unless build_error
    std::optional<UserError> build_error;  // raised after the database checks, as it always was
  };
  // Thread-safe: reads only `issuer` and the profile settings. UserError for
  // a request refused before any database check (holder, years, limit, key).
  Draft draft(const IssueRequest& request, const IssuerView& issuer) const;
  // The issuing CA of the last batch, for drafts; null before the first.
  std::shared_ptr<const IssuerView> issuer_view() const;
  // `drafts` (by request, may be shorter or hold nulls): drafts made for the
  // current issuer are used, the others drafted here.
  Batch check_batch(const std::vector<IssueRequest>& requests, const std::vector<const Draft*>& drafts = {});
  // `signed_intents` and their `ders`: certificates signed since the last
  // step; returns their records (`ders` replaced where another process
  // completed an intent first). `defer_sync`: the intents are committed
  // without the sync, and are not to be signed before sync_intents() has
  // returned (on any thread, while this one writes the next step).
  std::vector<store::CertificateRecord> write_step(const Batch& next,
                                                   const std::vector<store::CertificateRecord>& signed_intents,
                                                   std::vector<Bytes>& ders, bool defer_sync = false);
  void sync_intents();
  static Bytes sign(const store::CertificateRecord& intent, const Signer& key);
  // Completes issuances left 'pending' by a crash, those older than
  // `min_age_seconds` (a live issuer of another process is left alone);
  // returns how many.
  int recover_pending(std::int64_t min_age_seconds = 0);

  // Builds, signs, stores and returns a new full CRL of an issuing CA or "root".
  // The record carries the CRL's DER only `with_der` (the ca role never needs
  // the bytes: they go from the kept list straight into the database).
  store::CrlRecord publish_crl(const std::string& authority_id, bool with_der = false);
  // A delta CRL of an issuing CA against its newest full CRL (a full one if none).
  store::CrlRecord publish_delta_crl(const std::string& authority_id);
  // Certifies the keys other roles queued (a renewed OCSP responder key);
  // returns how many this call certified.
  int certify_pending_requests();

  // PEM of the current issuing CA, then the root.
  std::string chain_pem();
  // Read once; read again when asked for an id not seen yet (a rollover by another process).
  store::AuthorityRecord authority(const std::string& id);
  const Config& config() const { return config_; }
  const ProfileSettings& settings() const { return settings_; }
  store::Ledger& ledger() { return ledger_; }

  // The signer of a CA key ("nes", "nes-2", "root").
  const Signer& signer_for(const std::string& authority_id) { return signer(authority_id); }
  // Replaces the key an authority signs with (bench/issue compares the
  // token's key with a software key through the same issuance path). The
  // certificates it then signs do not chain to the stored CA certificate.
  void replace_signer_for_benchmark(const std::string& authority_id, std::unique_ptr<Signer> signer);
  // Hands the authority's signer over (the benchmark wraps it and puts it back).
  std::unique_ptr<Signer> take_signer_for_benchmark(const std::string& authority_id);

 private:
  CertificateAuthority(const Config& config, store::Ledger& ledger);
  // A new home's CA over a ledger of its own; refuses a home that has one.
  static std::unique_ptr<CertificateAuthority> start_ceremony(const Config& config, const std::string& actor);
  Token& token();
  // An issuing CA's certificate, parsed once.
  const X509* issuing_certificate(const std::string& issuing_id);
  const NesProfile& nes_profile(const std::string& issuing_id);
  // The root's signature on an issuing CA key, kept in the certificates
  // table (the root CRL can revoke it); `source` names what asked for it.
  // `also` runs inside the same write, with the new certificate.
  Bytes certify_issuing(const ossl::PublicKey& key, const std::string& name, const std::string& source,
                        const std::string& source_hash, const std::function<void(const X509*)>& also = {});
  // The next generation's number and name; refuses while one awaits its certificate.
  int next_generation(std::string& name);
  const Signer& signer(const std::string& authority_id);
  // The authority's revoked list as of `change_seq` (inside publish_crl's write).
  const RevokedList& revoked_list(const std::string& authority_id, store::CertificateRepository& certs,
                                  std::int64_t change_seq);
  // A request checked and its TBSCertificate built and linted: the intent to
  // store, or the answer of an earlier identical request.
  struct Prepared {
    std::optional<IssueResult> earlier;
    store::CertificateRecord intent;
  };
  // The database's part: the renewed certificate exists and is the holder's,
  // and a repeated request gets its earlier answer.
  Prepared check_draft(const Draft& draft, const IssueRequest& request);
  // The current issuer's view (read in a database step), made again only after a rollover.
  std::shared_ptr<const IssuerView> refresh_issuer_view();
  Bytes sign_intent(const store::CertificateRecord& intent);
  // Inside a write: the signed certificates recorded (`ders` replaced where
  // another process completed an intent first).
  std::vector<store::CertificateRecord> record_issued(const std::vector<store::CertificateRecord>& intents,
                                                      std::vector<Bytes>& ders, bool recovered);
  store::CertificateRecord finish_issuance(const store::CertificateRecord& intent, bool recovered, Bytes& der);

  Config config_;
  std::unique_ptr<store::Ledger> own_ledger_;  // initialize() only
  store::Ledger& ledger_;
  ProfileSettings settings_;
  std::unique_ptr<Token> token_;
  std::vector<std::pair<std::string, std::unique_ptr<Signer>>> signers_;
  std::vector<store::AuthorityRecord> authorities_;
  std::map<std::string, ossl::Cert> issuing_certs_;
  std::map<std::string, std::unique_ptr<NesProfile>> nes_profiles_;
  mutable std::mutex issuer_view_mutex_;
  std::shared_ptr<const IssuerView> issuer_view_;
  // Each authority's revoked list as of its last full CRL (crl.cpp): the
  // next one applies only what changed since.
  std::map<std::string, RevokedList> revoked_lists_;
};

}  // namespace tugra::ca
