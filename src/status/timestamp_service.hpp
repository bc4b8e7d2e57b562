// The status role's time-stamping unit: the home's TSA key (the `tsa`
// token) and certificate, the clock check, and what /metrics counts. Its
// certificate is renewed like the OCSP responder's (responder_renewal.hpp):
// a new key in the TSA token, certified by the ca role, taken into use by
// sync() on the status service's background thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/bytes.hpp"
#include "common/config.hpp"
#include "crypto/openssl.hpp"
#include "status/timestamp_authority.hpp"

namespace tugra {
class Signer;
}
namespace tugra::store {
class Database;
}

namespace tugra::status {

class TimestampService {
 public:
  // Opens the TSA key of `config`'s home; nullptr when the home has no
  // time-stamping unit (one made before Tugra had a TSA).
  static std::unique_ptr<TimestampService> open(const Config& config, store::Database& db);
  ~TimestampService();

  // A TimeStampResp for a TimeStampReq: granted, or rejected with its reason.
  Bytes respond(ByteView query);
  // Background: a new certificate taken into use; a renewal requested once
  // a third of the current one's life is left.
  void sync(store::Database& db, std::int64_t now);
  // Whether the kernel says the clock is synchronised (adjtimex not
  // TIME_ERROR), or the check is off (tsa.require_synchronised_clock).
  bool clock_ok() const;
  std::int64_t not_after() const;
  const TsaCounters& counters() const { return counters_; }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  // One key and certificate, replaced as a whole on renewal.
  struct Unit {
    std::string certificate;  // base64 DER, as stored
    ossl::Cert cert;
    std::unique_ptr<Signer> key;
    std::unique_ptr<TimestampAuthority> tsa;
    std::int64_t not_after = 0;
    ~Unit();
  };
  explicit TimestampService(const Config& config) : config_(config) {}
  void install(const std::string& key_label, const std::string& key_algorithm, const std::string& certificate);
  std::shared_ptr<const Unit> unit() const;

  Config config_;
  bool require_synchronised_ = true;
  mutable std::mutex mutex_;
  std::shared_ptr<const Unit> unit_;
  bool renewal_requested_ = false;  // background thread only
  TsaCounters counters_;
  std::atomic<std::uint64_t> failures_{0};  // the token did not sign
};

}  // namespace tugra::status
