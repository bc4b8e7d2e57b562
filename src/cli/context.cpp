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
  Config c = config();
  std::string module = flag ? *flag : c.str("card.module");
  if (module.empty()) {
    // build/bin/tugra -> build/lib/libtugra-vcard.so (and bin/ -> lib/ when installed)
    module = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "lib" /
              "libtugra-vcard.so").string();
  }
  if (std::filesystem::path(module).filename() == "libtugra-vcard.so") prepare_virtual_cards();
  // The CA's own SoftHSM2 used as a card writer (tests, demonstrations): it
  // must read the home's SoftHSM2 configuration, which it reads only once.
  if (module == c.str("pkcs11.module") && !c.str("pkcs11.softhsm_conf").empty() && !std::getenv("SOFTHSM2_CONF"))
    ::setenv("SOFTHSM2_CONF", c.path("pkcs11.softhsm_conf").c_str(), 1);
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
