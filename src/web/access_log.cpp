#include "web/access_log.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "common/clock.hpp"

namespace tugra::web {
namespace {

std::atomic<std::uint64_t> next_generation{1};

// The time stamp, formatted once a second per thread, not per line.
std::string_view log_time(std::int64_t now) {
  thread_local std::int64_t second = -1;
  thread_local std::string text;
  if (now == 0) now = now_seconds();
  if (now != second) {
    second = now;
    text = format_utc(now);
  }
  return text;
}

template <typename Number, typename... Format>
void append_number(std::string& out, Number n, Format... format) {
  char digits[32];
  auto end = std::to_chars(digits, digits + sizeof digits, n, format...).ptr;
  out.append(digits, end);
}

}  // namespace

AccessLog::AccessLog() : generation_(next_generation++) {
  writer_ = std::thread([this] {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::seconds(1));
      lock.unlock();
      write_all();
      lock.lock();
    }
  });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  write_all();
}

AccessLog::Batch& AccessLog::batch() {
  struct Mine {
    std::uint64_t generation = 0;
    std::shared_ptr<Batch> batch;
  };
  thread_local Mine mine;
  if (mine.generation != generation_) {
    mine.batch = std::make_shared<Batch>();
    mine.batch->text.reserve(1 << 16);
    mine.generation = generation_;
    std::lock_guard lock(batches_mutex_);
    batches_.push_back(mine.batch);
  }
  return *mine.batch;
}

void AccessLog::record(std::string_view client, std::string_view method, std::string_view target, int status,
                       std::size_t size, double seconds, std::int64_t now) {
  Batch& b = batch();
  std::lock_guard lock(b.mutex);  // uncontended but for the writer's swap once a second
  std::string& out = b.text;
  out += log_time(now);
  out += ' ';
  out += client;
  out += ' ';
  out += method;
  out += ' ';
  if (target.size() > 80) {
    out += target.substr(0, 77);
    out += "...";
  } else {
    out += target;
  }
  out += ' ';
  append_number(out, status);
  out += ' ';
  append_number(out, size);
  out += ' ';
  append_number(out, seconds * 1000, std::chars_format::fixed, 3);
  out += "ms\n";
}

void AccessLog::write_all() {
  std::vector<std::shared_ptr<Batch>> batches;
  {
    std::lock_guard lock(batches_mutex_);
    batches = batches_;
  }
  std::string lines;  // swapped out under each batch's lock, written without it
  for (const auto& b : batches) {
    {
      std::lock_guard lock(b->mutex);
      if (b->text.empty()) continue;
      lines.swap(b->text);
      b->text.reserve(lines.capacity());
    }
    std::fwrite(lines.data(), 1, lines.size(), stdout);
    lines.clear();
  }
  std::fflush(stdout);
}

}  // namespace tugra::web
