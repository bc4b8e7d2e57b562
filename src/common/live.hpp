// A value that a reload (SIGHUP) replaces while other threads read it: a
// reader takes a snapshot that stays whole for as long as it holds it.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace tugra {

template <typename T>
class Live {
 public:
  explicit Live(T value) : value_(std::make_shared<const T>(std::move(value))) {}
  std::shared_ptr<const T> get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void set(T value) {
    auto fresh = std::make_shared<const T>(std::move(value));
    std::lock_guard lock(mutex_);
    value_.swap(fresh);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace tugra
