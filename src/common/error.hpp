// Errors that reach a person. A UserError is caused by the request (bad input,
// a refused operation) and carries a localised message; anything else is a
// fault of the system.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/messages.hpp"

namespace tugra {

class UserError : public std::runtime_error {
 public:
  UserError(std::string key, MessageArgs args = {})
      : std::runtime_error(message(key, args)), key_(std::move(key)) {
    for (const auto& [name, value] : args) args_.emplace_back(name, value);
  }
  // The catalog key, stable across languages (tests match on it).
  const std::string& key() const noexcept { return key_; }
  // The message in another language than the process's (a web page's).
  std::string text(Lang lang) const {
    std::string out = message(lang, key_);
    for (const auto& [name, value] : args_) {
      std::string placeholder = "{" + name + "}";
      for (auto pos = out.find(placeholder); pos != std::string::npos; pos = out.find(placeholder, pos + value.size()))
        out.replace(pos, placeholder.size(), value);
    }
    return out;
  }

 private:
  std::string key_;
  std::vector<std::pair<std::string, std::string>> args_;
};

}  // namespace tugra
