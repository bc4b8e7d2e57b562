// The access log: one line per answered request, written to standard output.
//
// OCSP answers tens of thousands of requests a second, so a line must cost
// no system call and no allocation: each thread appends to its own buffer
// (reused), and a writer thread of the log hands every buffer to stdout once
// a second, off the threads that answer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tugra::web {

class AccessLog {
 public:
  AccessLog();
  ~AccessLog();  // writes what is left
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // "2026-12-03 10:00:00 UTC 192.0.2.1 GET /ocsp/MFEw... 200 1540 0.210ms"; a
  // target longer than 80 characters is cut.
  // `now` is the current Unix second when the caller has it at hand.
  void record(std::string_view client, std::string_view method, std::string_view target, int status,
              std::size_t size, double seconds, std::int64_t now = 0);

 private:
  struct Batch {
    std::mutex mutex;
    std::string text;
  };
  Batch& batch();  // this thread's
  void write_all();

  std::uint64_t generation_;  // tells this log's thread buffers from an earlier log's
  std::mutex batches_mutex_;
  std::vector<std::shared_ptr<Batch>> batches_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace tugra::web
