// Group commit for concurrent issuance, as a pipeline. Threads that issue
// at the same time through one CertificateAuthority draft their requests
// themselves (checks, TBSCertificate, lint: no database) and queue them.
// Then three stages, each its own thread(s), hand the requests on:
//  - the database thread takes every queued request and every certificate
//    signed since its last step, checks the requests
//    (CertificateAuthority::check_batch) and, in one transaction, records
//    the certificates and commits the new intents (write_step), without
//    waiting for the disk;
//  - the sync thread makes those intents durable (sync_intents: one sync for
//    every step committed meanwhile) while the database thread goes on;
//  - the signing threads, one a core, sign the intents that are on disk
//    (the CA key's signer is thread-safe: a PKCS#11 session pool, or
//    OpenSSL) and hand the certificates back to be recorded by the next step.
// A requesting thread gets its answer once its certificate is recorded. So
// the disk, the database and every core work at once, and no stage waits
// for a batch to fill.
//
// The order of every issuance is unchanged: intent on disk, signature,
// result; a crash in between leaves intents that recover_pending() signs.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ca/authority.hpp"

namespace tugra::ca {

class IssuanceQueue {
 public:
  explicit IssuanceQueue(CertificateAuthority& ca, std::size_t max_batch = 64);
  // Only once every issue() has returned.
  ~IssuanceQueue();
  IssuanceQueue(const IssuanceQueue&) = delete;
  IssuanceQueue& operator=(const IssuanceQueue&) = delete;
  // Thread-safe; UserError for a refused request, as CertificateAuthority::issue.
  IssueResult issue(const IssueRequest& request);
  // Bulk issuance from one thread: every request queued at once (drafted by
  // the database thread, `max_batch` a step), and `on_answer(i, outcome)`
  // called in order as the answers come (after a failure, no more). The
  // first failure (the database, the CA key, or on_answer) is thrown once
  // every request has its answer.
  void issue_all(const std::vector<IssueRequest>& requests,
                 const std::function<void(std::size_t, const IssueOutcome&)>& on_answer);

 private:
  // One request, from its queueing to its answer (on its thread's stack, or issue_all's).
  struct Waiting {
    const IssueRequest* request = nullptr;
    const CertificateAuthority::Draft* draft = nullptr;  // made on the requesting thread, or none
    // Set by the database thread once the intent is committed: to be signed
    // once it is on disk.
    std::optional<store::CertificateRecord> intent;
    const Signer* key = nullptr;
    Bytes der;  // the signature's result, for the next step to record
    std::vector<Waiting*> repeats;  // the same request again in one batch: answered with this one
    std::optional<IssueOutcome> outcome;
    std::exception_ptr failure;  // the database or the CA key went away
    std::condition_variable wake;  // the requesting thread's own: woken when the answer is in
  };
  // The database thread: one step after another, each taking what was
  // queued and signed meanwhile.
  void run();
  // The sync thread: makes the intents committed meanwhile durable, then hands them to the signers.
  void sync();
  // A signing thread (one a core): signs intents that are on disk, one after another.
  void sign();
  // mutex_ held: `w` has its outcome or failure; so have its repeats.
  void answer(Waiting& w);

  CertificateAuthority& ca_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable work_;       // the database thread's
  std::condition_variable sync_work_;  // the sync thread's
  std::condition_variable sign_work_;  // the signing threads'
  std::deque<Waiting*> queued_;        // drafted, for the next step to check
  std::vector<Waiting*> signed_;       // signed, for the next step to record
  std::vector<Waiting*> unsynced_;     // intents committed, for the next sync
  std::deque<Waiting*> to_sign_;       // intents on disk, for the signers
  bool stopping_ = false;
  // Declared last: started once the rest is in place.
  std::thread database_;
  std::thread syncer_;
  std::vector<std::thread> signers_;
};

}  // namespace tugra::ca
