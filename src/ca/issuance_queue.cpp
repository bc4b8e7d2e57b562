#include "ca/issuance_queue.hpp"

#include <vector>

namespace tugra::ca {

IssueResult IssuanceQueue::issue(const IssueRequest& request) {
  Waiting mine{&request, {}, nullptr, false};
  std::unique_lock lock(mutex_);
  queue_.push_back(&mine);
  for (;;) {
    changed_.wait(lock, [&] { return mine.done || !issuing_; });
    if (mine.done) break;
    // Nobody is issuing: this thread issues what is queued, its own request first in line or not.
    issuing_ = true;
    std::vector<Waiting*> batch;
    while (!queue_.empty() && batch.size() < max_batch_) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<IssueRequest> requests;
    for (auto* w : batch) requests.push_back(*w->request);
    std::vector<IssueOutcome> outcomes;
    std::exception_ptr failure;
    try {
      outcomes = ca_.issue_batch(requests);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (failure) batch[i]->failure = failure;
      else batch[i]->outcome = std::move(outcomes[i]);
      batch[i]->done = true;
    }
    issuing_ = false;
    changed_.notify_all();
  }
  if (mine.failure) std::rethrow_exception(mine.failure);
  if (mine.outcome.error) throw *mine.outcome.error;
  return std::move(*mine.outcome.result);
}

}  // namespace tugra::ca
