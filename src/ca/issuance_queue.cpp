#include "ca/issuance_queue.hpp"

#include <algorithm>
#include <utility>

namespace tugra::ca {

IssuanceQueue::IssuanceQueue(CertificateAuthority& ca, std::size_t max_batch)
    : ca_(ca), max_batch_(max_batch), database_([this] { run(); }), syncer_([this] { sync(); }) {
  for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i)
    signers_.emplace_back([this] { sign(); });
}

IssuanceQueue::~IssuanceQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_one();
  sync_work_.notify_one();
  sign_work_.notify_all();
  database_.join();
  syncer_.join();
  for (auto& t : signers_) t.join();
}

IssueResult IssuanceQueue::issue(const IssueRequest& request) {
  // The request is drafted here, on its own thread and off the queue: the
  // database thread's time is better spent on checks that need the
  // database. (A draft for an issuer that is no longer current is redone.)
  std::optional<CertificateAuthority::Draft> draft;
  if (auto issuer = ca_.issuer_view()) draft = ca_.draft(request, *issuer);  // UserError: refused at once
  Waiting mine;
  mine.request = &request;
  mine.draft = draft ? &*draft : nullptr;
  std::unique_lock lock(mutex_);
  queued_.push_back(&mine);
  work_.notify_one();
  mine.wake.wait(lock, [&] { return mine.outcome || mine.failure; });
  lock.unlock();
  if (mine.failure) std::rethrow_exception(mine.failure);
  if (mine.outcome->error) throw *mine.outcome->error;
  return std::move(*mine.outcome->result);
}

void IssuanceQueue::issue_all(const std::vector<IssueRequest>& requests,
                              const std::function<void(std::size_t, const IssueOutcome&)>& on_answer) {
  auto waiting = std::make_unique<Waiting[]>(requests.size());
  std::unique_lock lock(mutex_);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    waiting[i].request = &requests[i];
    queued_.push_back(&waiting[i]);
  }
  work_.notify_one();
  std::exception_ptr failure;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    Waiting& w = waiting[i];
    w.wake.wait(lock, [&] { return w.outcome || w.failure; });
    if (w.failure || failure) {
      if (!failure) failure = w.failure;
      continue;
    }
    lock.unlock();
    try {
      on_answer(i, *w.outcome);
    } catch (...) {
      // The rest are still queued and refer to `waiting`: their answers
      // are awaited before the first failure is thrown.
      if (!failure) failure = std::current_exception();
    }
    lock.lock();
  }
  lock.unlock();
  if (failure) std::rethrow_exception(failure);
}

void IssuanceQueue::answer(Waiting& w) {
  for (Waiting* repeat : w.repeats) {
    repeat->failure = w.failure;
    repeat->outcome = w.outcome;
    if (repeat->outcome && repeat->outcome->result) repeat->outcome->result->existed = true;
    repeat->wake.notify_one();
  }
  w.wake.notify_one();
}

void IssuanceQueue::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queued_.empty() || !signed_.empty(); });
    if (queued_.empty() && signed_.empty()) return;  // stopping, nothing left
    std::vector<Waiting*> batch;
    while (!queued_.empty() && batch.size() < max_batch_) {
      batch.push_back(queued_.front());
      queued_.pop_front();
    }
    std::vector<Waiting*> recorded;
    recorded.swap(signed_);
    // The threads of `batch` and `recorded` wait for this step: what they
    // handed over is read off the lock, and their answers set under it.
    std::vector<IssueRequest> requests;
    std::vector<const CertificateAuthority::Draft*> drafts;
    for (auto* w : batch) {
      requests.push_back(*w->request);
      drafts.push_back(w->draft);
    }
    std::vector<store::CertificateRecord> signed_intents;
    std::vector<Bytes> ders;
    for (auto* w : recorded) {
      signed_intents.push_back(std::move(*w->intent));
      ders.push_back(std::move(w->der));
    }
    lock.unlock();
    CertificateAuthority::Batch checked;
    std::vector<store::CertificateRecord> records;
    std::exception_ptr failure;
    try {
      checked = ca_.check_batch(requests, drafts);
      records = ca_.write_step(checked, signed_intents, ders, true);
    } catch (...) {
      failure = std::current_exception();  // the database went away: the intents on disk stay for recovery
    }
    lock.lock();
    if (failure) {
      for (auto* list : {&batch, &recorded})
        for (auto* w : *list) {
          w->failure = failure;
          answer(*w);
        }
      continue;
    }
    for (std::size_t k = 0; k < recorded.size(); ++k) {
      recorded[k]->outcome = IssueOutcome{IssueResult{std::move(records[k]), std::move(ders[k]), false}, {}};
      answer(*recorded[k]);
    }
    for (const auto& [repeat, first] : checked.repeats) batch[first]->repeats.push_back(batch[repeat]);
    for (std::size_t k = 0; k < checked.fresh.size(); ++k) {
      Waiting* w = batch[checked.fresh[k]];
      w->intent = std::move(checked.intents[k]);
      w->key = checked.keys[k];
      unsynced_.push_back(w);
    }
    if (!checked.fresh.empty()) sync_work_.notify_one();
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (checked.out[i].result || checked.out[i].error) {
        batch[i]->outcome = std::move(checked.out[i]);
        answer(*batch[i]);
      }
  }
}

void IssuanceQueue::sync() {
  std::unique_lock lock(mutex_);
  for (;;) {
    sync_work_.wait(lock, [&] { return stopping_ || !unsynced_.empty(); });
    if (unsynced_.empty()) return;  // stopping, nothing left
    std::vector<Waiting*> committed;
    committed.swap(unsynced_);
    lock.unlock();
    std::exception_ptr failure;
    try {
      ca_.sync_intents();
    } catch (...) {
      failure = std::current_exception();  // not known to be on disk: not signed
    }
    lock.lock();
    for (auto* w : committed) {
      if (failure) {
        w->failure = failure;
        answer(*w);
      } else {
        to_sign_.push_back(w);
      }
    }
    if (!failure) sign_work_.notify_all();
  }
}

void IssuanceQueue::sign() {
  std::unique_lock lock(mutex_);
  for (;;) {
    sign_work_.wait(lock, [&] { return stopping_ || !to_sign_.empty(); });
    if (to_sign_.empty()) return;  // stopping, nothing left
    Waiting* w = to_sign_.front();
    to_sign_.pop_front();
    lock.unlock();
    Bytes der;
    std::exception_ptr failure;
    try {
      der = CertificateAuthority::sign(*w->intent, *w->key);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure) {
      w->failure = failure;  // the intent stays on disk for recover_pending()
      answer(*w);
    } else {
      w->der = std::move(der);
      signed_.push_back(w);
      work_.notify_one();
    }
  }
}

}  // namespace tugra::ca
