// Group commit for concurrent issuance: threads that issue at the same time
// through one CertificateAuthority hand their requests to whichever of them
// is issuing; it takes everything queued (up to `max_batch`) as one
// CertificateAuthority::issue_batch — one synced commit of all the intents
// — and hands each its certificate. A thread that arrives while a batch is
// being signed waits for the next one, so batches grow with the load and a
// lone request waits for nobody (flat combining: no timer, no extra thread).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "ca/authority.hpp"

namespace tugra::ca {

class IssuanceQueue {
 public:
  explicit IssuanceQueue(CertificateAuthority& ca, std::size_t max_batch = 64) : ca_(ca), max_batch_(max_batch) {}
  // Thread-safe; UserError for a refused request, as CertificateAuthority::issue.
  IssueResult issue(const IssueRequest& request);

 private:
  struct Waiting {
    const IssueRequest* request;
    IssueOutcome outcome;
    std::exception_ptr failure;  // the batch failed as a whole (the database went away)
    bool done = false;
  };

  CertificateAuthority& ca_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Waiting*> queue_;
  bool issuing_ = false;
};

}  // namespace tugra::ca
