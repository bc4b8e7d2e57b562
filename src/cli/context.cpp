#include "cli/context.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <vector>

#include "ca/authority.hpp"
#include "crypto/duty_token.hpp"
#include "store/ledger.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace tugra::cli {

// The OS account of the real user id, not $USER, which anyone can set to
// another name (the audit log would then blame that person).
std::string Context::actor() const {
  uid_t uid = ::getuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_name)
    return "cli:" + std::string(found->pw_name);
  return "cli:uid" + std::to_string(uid);
}

CaSession::CaSession(std::unique_ptr<store::Ledger> l, std::unique_ptr<ca::CertificateAuthority> c)
    : ledger(std::move(l)), ca(std::move(c)) {}
CaSession::CaSession(CaSession&&) noexcept = default;
CaSession::~CaSession() {
  ca.reset();  // before the ledger it writes through
}

std::unique_ptr<store::Ledger> Context::ledger() const {
  Config c = config();
  if (!std::filesystem::exists(c.file()))
    throw UserError("ca.not_initialized", {{"home", c.home().string()}});
  return store::Ledger::open(c, actor());
}

CaSession Context::open_ca() const {
  Config c = config();
  auto l = ledger();
  auto authority = ca::CertificateAuthority::open(c, *l);
  // The CA token now: a host without its PIN is told so before anything is read or written.
  authority->signer_for(authority->current_issuer());
  return CaSession(std::move(l), std::move(authority));
}

CaSession Context::open_root() const {
  Config c = config();
  auto l = ledger();
  auto authority = ca::CertificateAuthority::open(c, *l);
  if (!authority->holds_key("root")) throw UserError("ca.no_root_key", {{"home", c.home().string()}});
  authority->signer_for("root");
  return CaSession(std::move(l), std::move(authority));
}

std::string Context::card_module(const std::optional<std::string>& flag) const {
  Config c = config();
  std::string module = flag ? *flag : c.str("card.module");
  if (module.empty()) {
    // build/bin/tugra -> build/lib/libtugra-vcard.so (and bin/ -> lib/ when installed)
    module = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "lib" /
              "libtugra-vcard.so").string();
  }
  if (std::filesystem::path(module).filename() == "libtugra-vcard.so") prepare_virtual_cards(c);
  // The CA's own module used as a card writer (SoftHSM2 in tests and
  // demonstrations): load it the CA's way, so it reads the home's settings.
  if (module == c.str("pkcs11.module")) load_duty_module(c, Duty::ca);
  return module;
}

void prepare_virtual_cards(const Config& config) {
  if (const char* env = std::getenv("TUGRA_VCARD_DIR"); env && *env) return;
  auto dir = config.path("card.vcard_dir");
  std::filesystem::create_directories(dir);
  ::setenv("TUGRA_VCARD_DIR", dir.c_str(), 1);
}

void print_field(const std::string& label_key, const std::string& value, std::size_t width) {
  std::string label = message(label_key);
  std::size_t chars = 0;
  for (unsigned char c : label) chars += (c & 0xC0) != 0x80;
  std::cout << label << std::string(chars < width ? width - chars : 1, ' ') << ": " << value << "\n";
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
  if (path == "-") {
    std::cout.write(content.data(), static_cast<std::streamsize>(content.size()));
    std::cout.flush();
    return;
  }
  try {
    write_file_atomic(path, content, 0644);
  } catch (const std::exception& e) {
    throw UserError("cli.cannot_write", {{"file", path}, {"detail", e.what()}});
  }
}

}  // namespace tugra::cli
