// Group commit for concurrent issuance: threads that issue at the same time
// through one CertificateAuthority draft their requests themselves (checks,
// TBSCertificate, lint: no database) and hand them to whichever of them
// leads; it takes everything queued (up to `max_batch`) and commits all the
// intents in one synced commit (CertificateAuthority::begin_batch). Each
// requesting thread then signs its own certificate, so a batch's signatures
// run in parallel (the CA key's signer is thread-safe: a PKCS#11 session
// pool, or OpenSSL), and while they run the next queued threads may already
// lead the next batch through its checks and synced commit (two batches in
// flight at most, the second as large as the first). The leader
// records its batch's certificates in one more commit (finish_batch) and
// hands each its answer. The database is used by one leader at a time; a
// lone request waits for nobody (flat combining: no timer, no extra thread).
// The order of every issuance is unchanged: intent on disk, signature,
// result; a crash in between leaves intents that recover_pending() signs.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>

#include "ca/authority.hpp"

namespace tugra::ca {

class IssuanceQueue {
 public:
  explicit IssuanceQueue(CertificateAuthority& ca, std::size_t max_batch = 64) : ca_(ca), max_batch_(max_batch) {}
  // Thread-safe; UserError for a refused request, as CertificateAuthority::issue.
  IssueResult issue(const IssueRequest& request);

 private:
  // A batch's signatures, counted down as the threads that asked sign them.
  struct Waiting;
  struct Signing {
    Waiting* leader = nullptr;  // woken when the last signature is in
    std::vector<Bytes> ders;
    std::exception_ptr failure;  // the first signature that failed (the token went away)
    std::size_t left = 0;
  };
  struct Waiting {
    const IssueRequest* request = nullptr;
    const CertificateAuthority::Draft* draft = nullptr;  // made on the requesting thread, or none yet
    bool queued = true;  // not yet taken into a batch: may lead one
    IssueOutcome outcome;
    std::exception_ptr failure;  // the batch failed as a whole (the database went away)
    bool done = false;
    // Set by the leader: this thread's own certificate to sign.
    const store::CertificateRecord* intent = nullptr;
    const Signer* key = nullptr;
    std::size_t slot = 0;
    Signing* signing = nullptr;
    std::condition_variable wake;  // this thread's own: woken only when it may go on
  };
  // `self` (queued, the database free) takes the queue as one batch.
  void lead(Waiting& self, std::unique_lock<std::mutex>& lock);
  void sign(Waiting& w, std::unique_lock<std::mutex>& lock);

  CertificateAuthority& ca_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::vector<Waiting*> leaders_;  // threads leading a batch now (two at most)
  std::deque<Waiting*> queue_;
  bool may_lead() const;  // mutex_ held
  void wake_next();       // mutex_ held
  bool database_busy_ = false;  // a leader is checking or recording its batch
  std::size_t in_flight_ = 0;   // batches between their first step and their answers
  std::size_t signing_size_ = 0;  // requests in the batch whose intents were committed last
};

}  // namespace tugra::ca
