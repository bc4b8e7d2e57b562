// The `ca` role's background work, the only part of `tugra serve` that
// signs with a CA key: for each issuing CA generation until it retires
// (ca/rollover.cpp), it publishes a new CRL (full, or delta with
// crl.full_every_minutes) a quiet moment after certificate statuses change
// (changes made by any process: the portal, the CLI), renews the NES and
// root CRLs before they go stale, completes issuances that a crashed
// process left pending, certifies a renewed OCSP responder key that the
// status role queued, destroys card unlock PINs whose authorisation
// expired, and applies the retention rules (store/retention.hpp) every
// retention.every_hours. The status role serves whatever is stored.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ca {

class CertificateAuthority;

class CrlPublisher {
 public:
  explicit CrlPublisher(const Config& config);
  ~CrlPublisher();
  CrlPublisher(const CrlPublisher&) = delete;
  CrlPublisher& operator=(const CrlPublisher&) = delete;

  // Opens the CA (its token's PIN must be at hand: UserError otherwise),
  // publishes what is due, then starts the background thread.
  void start();
  void stop();
  // One round: changes, stale CRLs, pending issuances (the thread calls it).
  void poll();

 private:
  void run();
  // The issuing CAs whose CRLs this role publishes (the root's are apart).
  std::vector<std::string> publishing();
  // Takes or renews the publishing lease; false while another ca role holds it.
  bool lead();
  void catch_up();

  Config config_;
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<CertificateAuthority> ca_;
  std::int64_t seen_change_seq_ = 0;  // changes up to here are in a published CRL or noted as dirty
  std::map<std::string, std::int64_t> dirty_since_;  // issuer -> first change waiting for its CRL
  std::map<std::string, std::int64_t> dirty_upto_;   // issuer -> newest change_seq seen for it
  std::string lease_holder_;
  bool leading_ = false;
  std::int64_t lease_until_ = 0;  // while leading: when the lease taken last runs out
  bool announced_ = false;
  std::int64_t next_purge_ = 0;  // when the retention rules are applied next
  std::atomic<bool> stopping_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace tugra::ca
