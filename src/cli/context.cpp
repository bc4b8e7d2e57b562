#include "cli/context.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "common/error.hpp"
#include "common/files.hpp"

namespace tugra::cli {

std::string Context::actor() const {
  const char* user = std::getenv("USER");
  return "cli:" + (user && *user ? std::string(user) : "uid" + std::to_string(::getuid()));
}

std::string Context::card_module(const std::optional<std::string>& flag) const {
  if (flag) return *flag;
  Config c = config();
  std::string module = c.str("card.module");
  if (module.empty()) {
    // build/bin/tugra -> build/lib/libtugra-vcard.so (and bin/ -> lib/ when installed)
    module = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "lib" /
              "libtugra-vcard.so").string();
  }
  if (std::filesystem::path(module).filename() == "libtugra-vcard.so") prepare_virtual_cards();
  return module;
}

void Context::prepare_virtual_cards() const {
  if (const char* env = std::getenv("TUGRA_VCARD_DIR"); env && *env) return;
  auto dir = config().path("card.vcard_dir");
  std::filesystem::create_directories(dir);
  ::setenv("TUGRA_VCARD_DIR", dir.c_str(), 1);
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
