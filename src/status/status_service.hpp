// The status service (the `status` role): an in-memory view of every
// certificate's status, pre-signed OCSP responses, and the current CRLs.
//
// It holds the OCSP responder keys in the status token, one per issuing CA
// generation ("nes-ocsp", "nes-2-ocsp" after a rollover), and answers each
// request with the responder of the CA its CertID names, and the
// time-stamping unit (timestamp_service.hpp, its key in the TSA token); it
// never opens the CA token, and writes only renewal requests for those keys. CRLs are signed by the `ca` role
// (ca/crl_publisher.hpp) and served here as stored.
//
// Worker threads only read memory (and sign live for nonce requests); one
// background thread owns the database connection: it polls for status
// changes made by any process (certificates.change_seq), re-signs the
// affected OCSP responses, picks up newly published CRLs, and re-signs
// responses before they go stale (common/freshness.hpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/config.hpp"
#include "crypto/openssl.hpp"
#include "status/ocsp_responder.hpp"
#include "status/timestamp_service.hpp"
#include "store/records.hpp"

namespace tugra {
class Signer;
}
namespace tugra::store {
class Database;
}

namespace tugra::status {

struct CrlSnapshot {
  std::string der;
  std::int64_t number = 0;
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::int64_t delta_base = 0;  // a delta CRL: its base full CRL's number
};

// A pre-signed OCSP answer, shared by the cache and every request sending
// it: its bytes, its entity tag (RFC 5019 §6.2) and the HTTP header lines
// that never change for it (ETag, Last-Modified, Expires),
// rendered once when it is signed, never per request.
struct PresignedAnswer {
  std::string der;
  std::string etag;  // quoted, from the answer's hash
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::string last_modified;  // thisUpdate as an HTTP date
  std::string expires;        // nextUpdate as an HTTP date
  std::string header_lines;   // the three above as header lines, each ending in CRLF
};

struct StatusCounters {
  std::atomic<std::uint64_t> poll_failures{0};  // background rounds that failed (the database, mostly)
  std::atomic<bool> database_up{true};
  std::atomic<std::uint64_t> ocsp_cache_hits{0};
  std::atomic<std::uint64_t> ocsp_cache_misses{0};
  std::atomic<std::uint64_t> ocsp_live_signatures{0};
  std::atomic<std::uint64_t> sign_failures{0};  // the status token refused to sign
  std::atomic<bool> token_up{true};             // the last signature worked
};

// When a certificate the status role serves with ends: each CA's and each
// responder's ("nes", "root", "nes-ocsp").
struct CertificateExpiry {
  std::string id;
  std::int64_t not_after = 0;
};

class StatusService {
 public:
  explicit StatusService(const Config& config);
  ~StatusService();
  StatusService(const StatusService&) = delete;
  StatusService& operator=(const StatusService&) = delete;

  // Loads the index and CRLs, then starts the background thread.
  void start();
  void stop();
  bool ready() const { return ready_.load(); }

  // A live answer: cacheable (the same shape as a pre-signed one), or
  // only for this request (a nonce, an error) as bare bytes.
  struct OcspReply {
    std::shared_ptr<const PresignedAnswer> cacheable;
    std::string der;  // when not cacheable
  };
  // The fresh pre-signed answer for request bytes seen before: a POST's
  // body or a GET's raw path, looked up as they came, without parsing.
  std::shared_ptr<const PresignedAnswer> presigned(std::string_view raw);
  // The same on first sight of `raw`: `request` (its DER) is parsed once to
  // find the CertID, and `raw` is remembered for the call above.
  std::shared_ptr<const PresignedAnswer> presigned(std::string_view raw, ByteView request);
  // Everything else: parsed, looked up and signed now (nonce requests,
  // malformed ones, a first request for a serial).
  OcspReply sign(ByteView request);
  // "<issuing id>", "root", or "<issuing id>-delta" (with crl.full_every_minutes); null when none.
  std::shared_ptr<const CrlSnapshot> crl(const std::string& ca) const;
  std::vector<std::string> crl_names() const;
  // Started, its database reachable, and every CA it knows has a CRL to
  // serve, and its token signs; otherwise `problem` names what is wrong
  // ("database", "token", "starting", "crl").
  bool healthy(std::string* problem = nullptr) const;
  std::string ca_certificate(const std::string& ca) const;  // DER; empty when unknown
  std::vector<CertificateExpiry> expiries() const;
  StatusCounters& counters() { return counters_; }
  // The time-stamping unit (RFC 3161), kept current by the background
  // thread; null when the home has none.
  TimestampService* timestamps() { return tsa_.get(); }
  // Tests only: runs between a live signature and its caching, where the
  // background thread may change the serial's status.
  void before_caching_for_test(std::function<void()> hook) { before_caching_ = std::move(hook); }

 private:
  // A serial's status as `issuer` ("nes", "nes-2") knows it; never_issued when another CA issued it.
  SerialStatus lookup(const std::string& issuer, const std::string& serial) const;
  void poll();                       // background: changes, CRLs, stale responses
  void apply(const std::vector<store::CertificateRepository::StatusRow>& rows);
  void presign(const std::string& serial);
  // Runs a signature with the status token, noting whether the token worked.
  template <typename Fn>
  bool with_token(Fn&& fn);
  // Loads the newest stored CRLs (each CA's, and its delta with deltas on) that are newer than the served ones.
  void load_crls();
  void run();

  // One issuing CA's responder: its key, its certificate and the response
  // builder over them, replaced as a whole when the certificate is renewed
  // (worker threads hold the one they started with).
  struct Responder {
    std::string issuer;  // "nes", "nes-2"
    ossl::Cert issuer_cert;
    std::unique_ptr<Signer> key;
    ossl::Cert cert;
    std::string certificate;  // base64 DER, as stored
    std::int64_t not_after = 0;
    std::unique_ptr<OcspResponder> ocsp;
  };
  std::vector<std::shared_ptr<const Responder>> responders() const;
  std::shared_ptr<const Responder> responder_for(const std::string& issuer) const;
  void install_responder(const store::AuthorityRecord& issuing, const store::AuthorityRecord& responder);
  // Background thread: new issuing CAs and responder certificates taken
  // into use, renewals (and a new generation's first key) requested.
  void sync_authorities(std::int64_t now);

  Config config_;
  std::unique_ptr<TimestampService> tsa_;
  std::int64_t validity_;  // of each response (ocsp.validity_hours)
  std::unique_ptr<store::Database> db_;  // background thread only
  mutable std::mutex responder_mutex_;
  std::vector<std::shared_ptr<const Responder>> responders_;
  std::unordered_map<std::string, bool> renewal_requested_;  // background thread only
  mutable std::mutex ca_mutex_;
  std::unordered_map<std::string, std::string> ca_der_;  // "root" and every issuing CA
  std::vector<std::string> issuing_ids_;                 // background thread only
  std::unordered_map<std::string, std::int64_t> issuing_not_after_;  // background thread only: parsed once

  mutable std::shared_mutex index_mutex_;
  // serial -> its status and issuer (an index into issuer_names_: a million
  // entries need no million copies of "nes").
  struct Known {
    SerialStatus status;
    std::uint16_t issuer = 0;
  };
  std::unordered_map<std::string, Known> index_;
  std::vector<std::string> issuer_names_;
  std::int64_t last_change_seq_ = 0;

  struct Cached {
    std::shared_ptr<const PresignedAnswer> answer;
    Bytes cert_id;
    std::string serial;
    std::string issuer;
    std::int64_t this_update;
    std::int64_t next_update;
    std::int64_t signer_not_after;  // the responder certificate's end: never served past it
  };
  // Hash for looking strings up by string_view without copying them.
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StringMap = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;

  // Stores a signed response and schedules its re-signing; returns the
  // answer. A live answer passes what it said of its serial (`said`): when
  // the background thread changed that status since, the answer goes to its
  // own request alone, so an older "good" never replaces the re-signed
  // answer of a revocation.
  std::shared_ptr<const PresignedAnswer> store(const std::string& key, const Bytes& der, Cached cached,
                                               const SerialStatus* said = nullptr);
  std::function<void()> before_caching_;
  // The cached response for `key` while it is fresh (less than half its validity old).
  std::shared_ptr<const PresignedAnswer> fresh(const std::string& key) const;  // cache_mutex_ held
  // Signs `key`'s response again with the serial's current status.
  void resign(const std::string& key, const Cached& entry);

  mutable std::mutex cache_mutex_;
  std::unordered_map<std::string, Cached> cache_;                       // key: CertID DER
  std::unordered_map<std::string, std::vector<std::string>> by_serial_;  // serial -> its keys
  std::deque<std::pair<std::int64_t, std::string>> resign_queue_;       // (this_update, key), oldest first
  StringMap request_keys_;  // request bytes -> key: a repeated GET is answered without parsing

  mutable std::mutex crl_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const CrlSnapshot>> crls_;
  std::unordered_map<std::string, std::int64_t> seen_crl_numbers_;  // background thread only

  StatusCounters counters_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace tugra::status
