#include "cli/context.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "common/error.hpp"
#include "common/files.hpp"

namespace tugra::cli {

std::string Context::actor() const {
  const char* user = std::getenv("USER");
  return "cli:" + (user && *user ? std::string(user) : "uid" + std::to_string(::getuid()));
}

std::string read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  try {
    return read_file(path);
  } catch (const std::exception& e) {
    throw UserError("cli.cannot_read", {{"file", path}, {"detail", e.what()}});
  }
}

void write_output(const std::string& path, const std::string& content) {
  try {
    write_file_atomic(path, content, 0644);
  } catch (const std::exception& e) {
    throw UserError("cli.cannot_write", {{"file", path}, {"detail", e.what()}});
  }
}

}  // namespace tugra::cli
