#include "ca/issuance_queue.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace tugra::ca {

IssueResult IssuanceQueue::issue(const IssueRequest& request) {
  // The request is drafted here, on its own thread and off the queue: the
  // leader's time holds the database, and is better spent on checks that
  // need it. (A draft for an issuer that is no longer current is redone.)
  std::optional<CertificateAuthority::Draft> draft;
  if (auto issuer = ca_.issuer_view()) draft = ca_.draft(request, *issuer);  // UserError: refused at once
  Waiting mine;
  mine.request = &request;
  mine.draft = draft ? &*draft : nullptr;
  std::unique_lock lock(mutex_);
  queue_.push_back(&mine);
  for (;;) {
    mine.wake.wait(lock, [&] { return mine.done || mine.signing || (mine.queued && may_lead()); });
    if (mine.signing) sign(mine, lock);
    else if (mine.done) break;
    else lead(mine, lock);  // still queued and the database free: this thread takes the queue
  }
  if (mine.failure) std::rethrow_exception(mine.failure);
  if (mine.outcome.error) throw *mine.outcome.error;
  return std::move(*mine.outcome.result);
}

// Signs the certificate the leader gave this thread, off the lock.
void IssuanceQueue::sign(Waiting& w, std::unique_lock<std::mutex>& lock) {
  Signing* signing = w.signing;
  w.signing = nullptr;
  lock.unlock();
  Bytes der;
  std::exception_ptr failure;
  try {
    der = CertificateAuthority::sign(*w.intent, *w.key);
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  signing->ders[w.slot] = std::move(der);
  if (failure && !signing->failure) signing->failure = failure;
  if (--signing->left == 0) signing->leader->wake.notify_one();
}

// After the database is freed or a batch is done: the threads that may now
// go on (a leader waiting to record, the first queued thread) are woken,
// not every thread (on 2 cores, waking 8 to let one run cost more than the batch's bookkeeping).
void IssuanceQueue::wake_next() {
  for (auto* leader : leaders_) leader->wake.notify_one();
  if (!queue_.empty()) queue_.front()->wake.notify_one();
}

// With nothing in flight, anyone queued leads at once. While a batch is
// being signed, a second one starts only when as many requests wait as that
// batch holds: started earlier, it would hold one or two requests and spend
// a synced commit on each (measured: batches of 1.8 instead of 4 with 8
// threads, and no gain), so the threads settle into two alternating groups.
bool IssuanceQueue::may_lead() const {
  if (database_busy_) return false;
  if (in_flight_ == 0) return true;
  return in_flight_ < 2 && queue_.size() >= signing_size_;
}

void IssuanceQueue::lead(Waiting& self, std::unique_lock<std::mutex>& lock) {
  database_busy_ = true;
  ++in_flight_;
  leaders_.push_back(&self);
  std::vector<Waiting*> batch;
  while (!queue_.empty() && batch.size() < max_batch_) {
    batch.push_back(queue_.front());
    batch.back()->queued = false;
    queue_.pop_front();
  }
  std::vector<IssueRequest> requests;
  std::vector<const CertificateAuthority::Draft*> drafts;
  for (auto* w : batch) {
    requests.push_back(*w->request);
    drafts.push_back(w->draft);
  }
  lock.unlock();
  std::exception_ptr failure;
  CertificateAuthority::Batch prepared;
  try {
    prepared = ca_.begin_batch(requests, drafts);
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  // The intents are on disk: while they are signed, the next batch may be
  // checked and committed (see may_lead).
  database_busy_ = false;
  signing_size_ = batch.size();
  std::vector<IssueOutcome> outcomes;
  if (!failure) {
    Signing signing;
    signing.leader = &self;
    signing.ders.resize(prepared.intents.size());
    signing.left = prepared.intents.size();
    for (std::size_t k = 0; k < prepared.intents.size(); ++k) {
      Waiting* owner = batch[prepared.fresh[k]];
      owner->intent = &prepared.intents[k];
      owner->key = prepared.keys[k];
      owner->slot = k;
      owner->signing = &signing;
      owner->wake.notify_one();
    }
    wake_next();
    if (self.signing) sign(self, lock);  // the leader's own certificate, like the others'
    self.wake.wait(lock, [&] { return signing.left == 0 && !database_busy_; });
    database_busy_ = true;
    lock.unlock();
    failure = signing.failure;
    if (!failure) {
      try {
        outcomes = ca_.finish_batch(prepared, signing.ders);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    lock.lock();
    database_busy_ = false;
  }
  --in_flight_;
  leaders_.erase(std::find(leaders_.begin(), leaders_.end(), &self));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (failure) batch[i]->failure = failure;
    else batch[i]->outcome = std::move(outcomes[i]);
    batch[i]->done = true;
    if (batch[i] != &self) batch[i]->wake.notify_one();
  }
  wake_next();
}

}  // namespace tugra::ca
