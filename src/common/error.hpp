// Errors that reach a person. A UserError is caused by the request (bad input,
// a refused operation) and carries a localised message; anything else is a
// fault of the system.
#pragma once

#include <stdexcept>
#include <string>

#include "common/messages.hpp"

namespace tugra {

class UserError : public std::runtime_error {
 public:
  UserError(std::string key, MessageArgs args = {})
      : std::runtime_error(message(key, args)), key_(std::move(key)) {}
  // The catalog key, stable across languages (tests match on it).
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

}  // namespace tugra
