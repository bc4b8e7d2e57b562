// A fixed set of threads running queued jobs in order. The server runs
// portal pages and live OCSP signing on these, off the HTTP threads; the
// portal runs work that must not hold up an answer (a reset e-mail) on one.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tugra::web {

// Portal pages run on such threads, off the HTTP threads: they wait on the
// database and on Argon2id, which must never hold up OCSP and CRL answers
// (or the portal's own cheap pages) behind a burst of log-ins.
class WorkQueue {
 public:
  explicit WorkQueue(int threads) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] {
        for (;;) {
          std::function<void()> job;
          {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
          }
          job();
        }
      });
  }
  ~WorkQueue() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
  }
  // Jobs queued and not started yet (/metrics).
  std::size_t waiting() {
    std::lock_guard lock(mutex_);
    return jobs_.size();
  }
  // Queues the job unless `max_waiting` jobs already wait; false then.
  bool try_post(std::function<void()> job, std::size_t max_waiting) {
    {
      std::lock_guard lock(mutex_);
      if (jobs_.size() >= max_waiting) return false;
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Everything a handler needs to answer, log and count a request.
}  // namespace tugra::web
