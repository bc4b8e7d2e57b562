#include "cli/secret_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "common/error.hpp"
#include "common/messages.hpp"

namespace tugra::cli {
std::string SecretInput::line_from_terminal(const std::string& prompt) const {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw UserError("cli.no_terminal", {{"flag", flag_}});
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old{};
  bool restore = ::tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

std::string SecretInput::read(const std::string& prompt_key, bool confirm) {
  if (from_stdin_) {
    std::string line;
    if (!std::getline(std::cin, line)) throw UserError("cli.secret_missing", {{"what", message(prompt_key)}});
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  std::string first = line_from_terminal(message(prompt_key) + ": ");
  if (confirm && line_from_terminal(message("cli.prompt_again") + ": ") != first)
    throw UserError("cli.secrets_differ");
  return first;
}

}  // namespace tugra::cli
