#include "ca/ca_token.hpp"

#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/files.hpp"

namespace tugra::ca {
namespace {

std::filesystem::path softhsm_conf(const Config& config) {
  return config.str("pkcs11.softhsm_conf").empty() ? std::filesystem::path() : config.path("pkcs11.softhsm_conf");
}

}  // namespace

// SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize.
std::shared_ptr<pkcs11::Module> load_ca_module(const Config& config) {
  auto conf = softhsm_conf(config);
  if (!conf.empty()) ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  try {
    return pkcs11::Module::shared(config.str("pkcs11.module"));
  } catch (const std::exception& e) {
    throw UserError("token.module_failed", {{"module", config.str("pkcs11.module")}, {"detail", e.what()}});
  }
}

namespace {

std::string token_pin(const Config& config) {
  if (const char* env = std::getenv("TUGRA_PKCS11_PIN"); env && *env) return env;
  auto file = config.path("pkcs11.pin_file");
  if (!std::filesystem::exists(file)) throw UserError("token.no_pin", {{"file", file.string()}});
  std::string pin = read_file(file);
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

}  // namespace

std::unique_ptr<Token> open_ca_token(const Config& config) {
  auto module = load_ca_module(config);
  try {
    return Token::open(module, config.str("pkcs11.token_label"), token_pin(config));
  } catch (const pkcs11::Error& e) {
    throw UserError("token.login_failed", {{"detail", e.what()}});
  }
}

std::unique_ptr<Token> create_ca_token(const Config& config) {
  auto conf = softhsm_conf(config);
  std::string label = config.str("pkcs11.token_label");
  if (!conf.empty() && !std::filesystem::exists(conf)) {
    auto tokens = config.home() / "tokens";
    std::filesystem::create_directories(tokens);
    std::filesystem::permissions(tokens, std::filesystem::perms::owner_all);
    write_file_atomic(conf,
                      "# SoftHSM2 token store of this Tugra home (written by tugra init).\n"
                      "directories.tokendir = " + tokens.string() + "\n"
                      "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                      0600);
  }
  auto module = load_ca_module(config);
  if (!conf.empty() && !module->find_token(label)) {
    auto pin_file = config.path("pkcs11.pin_file");
    std::filesystem::create_directories(pin_file.parent_path());
    std::filesystem::permissions(pin_file.parent_path(), std::filesystem::perms::owner_all);
    std::optional<CK_SLOT_ID> free_slot;
    for (CK_SLOT_ID slot : module->slots(true))
      if (!(module->token_info(slot).flags & CKF_TOKEN_INITIALIZED)) {
        free_slot = slot;
        break;
      }
    if (!free_slot) throw UserError("token.no_free_slot", {{"module", module->path()}});
    std::string so_pin = hex_encode(random_bytes(16));
    std::string user_pin = hex_encode(random_bytes(16));
    write_file_atomic(pin_file.parent_path() / "ca-token.so-pin", so_pin + "\n", 0600);
    write_file_atomic(pin_file, user_pin + "\n", 0600);
    module->init_token(*free_slot, so_pin, label);
    // SoftHSM2 moves a freshly initialised token to a new slot id.
    auto slot = module->find_token(label);
    if (!slot) throw UserError("token.not_found", {{"label", label}, {"module", module->path()}});
    pkcs11::Session session(module, *slot, true);
    session.login(CKU_SO, so_pin);
    session.init_pin(user_pin);
    session.logout();
  }
  return open_ca_token(config);
}

}  // namespace tugra::ca
