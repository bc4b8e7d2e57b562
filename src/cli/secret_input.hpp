// Reading PINs and PUKs: from the terminal without echo, or one per line
// from standard input with --pin-stdin (for scripts). Never from argv,
// where other users could read them in the process list.
#pragma once

#include <string>

namespace tugra::cli {

class SecretInput {
 public:
  explicit SecretInput(bool from_stdin) : from_stdin_(from_stdin) {}
  // Prompts with the catalog text `prompt_key`; with `confirm`, asks twice
  // on a terminal and insists both match.
  std::string read(const std::string& prompt_key, bool confirm = false);

 private:
  bool from_stdin_;
};

}  // namespace tugra::cli
