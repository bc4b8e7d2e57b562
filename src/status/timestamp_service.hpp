// The status role's time-stamping unit: the home's TSA key (the `tsa`
// token) and certificate, the clock check, and what /metrics counts.
#pragma once

#include <atomic>
#include <memory>

#include "common/bytes.hpp"
#include "common/config.hpp"
#include "crypto/openssl.hpp"
#include "status/timestamp_authority.hpp"

namespace tugra {
class Signer;
}

namespace tugra::status {

class TimestampService {
 public:
  // Opens the TSA key of `config`'s home; nullptr when the home has no
  // time-stamping unit (one made before Tugra had a TSA).
  static std::unique_ptr<TimestampService> open(const Config& config);
  ~TimestampService();

  // A TimeStampResp for a TimeStampReq: granted, or rejected with its reason.
  Bytes respond(ByteView query);
  // Whether the kernel says the clock is synchronised (adjtimex not
  // TIME_ERROR), or the check is off (tsa.require_synchronised_clock).
  bool clock_ok() const;
  std::int64_t not_after() const { return not_after_; }
  TsaCounters& counters() { return tsa_->counters(); }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  TimestampService() = default;
  std::unique_ptr<Signer> key_;
  ossl::Cert cert_;
  std::unique_ptr<TimestampAuthority> tsa_;
  std::int64_t not_after_ = 0;
  bool require_synchronised_ = true;
  std::atomic<std::uint64_t> failures_{0};  // the token did not sign
};

}  // namespace tugra::status
