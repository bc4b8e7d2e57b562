// Reading PINs and PUKs: from the terminal without echo, or one per line
// from standard input with --pin-stdin (for scripts). Never from argv,
// where other users could read them in the process list.
#pragma once

#include <string>
#include <utility>

namespace tugra::cli {

class SecretInput {
 public:
  // `flag` is the command's option that reads from standard input, named
  // in the error when there is no terminal to ask on.
  explicit SecretInput(bool from_stdin, std::string flag = "--pin-stdin")
      : from_stdin_(from_stdin), flag_(std::move(flag)) {}
  // Prompts with the catalog text `prompt_key`; with `confirm`, asks twice
  // on a terminal and insists both match.
  std::string read(const std::string& prompt_key, bool confirm = false);

 private:
  std::string line_from_terminal(const std::string& prompt) const;
  bool from_stdin_;
  std::string flag_;
};

}  // namespace tugra::cli
