#include "crypto/duty_token.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>
#include <filesystem>

#include "common/error.hpp"
#include "common/files.hpp"

namespace tugra {
namespace {

// The configuration section of each duty. The CA's keeps its historical name.
std::string section(Duty duty) {
  switch (duty) {
    case Duty::ca: return "pkcs11";
    case Duty::status: return "status_token";
    case Duty::audit: return "audit_token";
    case Duty::tsa: return "tsa_token";
  }
  return "pkcs11";
}

std::string key(Duty duty, const char* name) { return section(duty) + "." + name; }

std::string module_path(const Config& config, Duty duty) {
  std::string own = config.str(key(duty, "module"));
  return own.empty() ? config.str("pkcs11.module") : own;
}

std::filesystem::path softhsm_conf(const Config& config) {
  return config.str("pkcs11.softhsm_conf").empty() ? std::filesystem::path() : config.path("pkcs11.softhsm_conf");
}

// The home's SoftHSM2 configuration applies to every duty that uses SoftHSM2.
bool uses_home_softhsm(const Config& config, Duty duty) {
  return !softhsm_conf(config).empty() && module_path(config, duty) == config.str("pkcs11.module");
}

std::string pin_env(Duty duty) {
  std::string name = "TUGRA_";
  for (char c : section(duty)) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name + "_PIN";  // TUGRA_PKCS11_PIN, TUGRA_STATUS_TOKEN_PIN, TUGRA_AUDIT_TOKEN_PIN
}

std::string token_pin(const Config& config, Duty duty) {
  if (const char* env = std::getenv(pin_env(duty).c_str()); env && *env) return env;
  auto file = config.path(key(duty, "pin_file"));
  if (!std::filesystem::exists(file))
    throw UserError("token.no_pin", {{"duty", duty_name(duty)}, {"file", file.string()}});
  std::string pin = read_file(file);
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

// Owns the token whose login its signer relies on.
class DutySigner final : public Signer {
 public:
  DutySigner(std::unique_ptr<Token> token, std::unique_ptr<Signer> signer)
      : token_(std::move(token)), signer_(std::move(signer)) {}
  SignatureScheme scheme() const override { return signer_->scheme(); }
  const Bytes& public_key_der() const override { return signer_->public_key_der(); }
  Bytes sign_digest(ByteView digest) const override { return signer_->sign_digest(digest); }

 private:
  std::unique_ptr<Token> token_;
  std::unique_ptr<Signer> signer_;
};

}  // namespace

const char* duty_name(Duty duty) {
  switch (duty) {
    case Duty::ca: return "ca";
    case Duty::status: return "status";
    case Duty::audit: return "audit";
    case Duty::tsa: return "tsa";
  }
  return "ca";
}

Duty duty_of_authority(std::string_view authority_id) {
  // Every issuing CA generation's responder ("nes-ocsp", "nes-2-ocsp").
  constexpr std::string_view responder = "-ocsp";
  if (authority_id.size() > responder.size() && authority_id.substr(authority_id.size() - responder.size()) == responder)
    return Duty::status;
  // Every issuing CA generation's time-stamping unit ("nes-tsa").
  constexpr std::string_view tsa = "-tsa";
  if (authority_id.size() > tsa.size() && authority_id.substr(authority_id.size() - tsa.size()) == tsa)
    return Duty::tsa;
  if (authority_id == "audit") return Duty::audit;
  return Duty::ca;
}

namespace {

std::string softhsm_conf_text(const std::filesystem::path& tokens) {
  return "# SoftHSM2 token store of this Tugra home (written by tugra init).\n"
         "directories.tokendir = " + tokens.string() + "\n"
         "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
}

// SoftHSM2 takes a relative tokendir from the working directory, not from
// its configuration file, so the file must name the home's tokens/ by its
// absolute path. A home that was moved or restored elsewhere still names the
// old place: the file this home's init wrote is pointed at this home again.
void repoint_home_softhsm(const Config& config) {
  auto conf = softhsm_conf(config);
  auto tokens = config.home() / "tokens";
  std::string text;
  try {
    text = read_file(conf);
  } catch (const std::exception&) {
    return;  // none yet (init writes it)
  }
  if (text.rfind("# SoftHSM2 token store of this Tugra home", 0) != 0) return;  // an operator's own file
  if (text.find("directories.tokendir = " + tokens.string() + "\n") != std::string::npos) return;
  if (!std::filesystem::is_directory(tokens)) return;
  write_file_atomic(conf, softhsm_conf_text(tokens), 0600);
}

}  // namespace

// SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize.
std::shared_ptr<pkcs11::Module> load_duty_module(const Config& config, Duty duty) {
  if (uses_home_softhsm(config, duty)) {
    repoint_home_softhsm(config);
    ::setenv("SOFTHSM2_CONF", softhsm_conf(config).c_str(), 1);
  }
  std::string path = module_path(config, duty);
  try {
    return pkcs11::Module::shared(path);
  } catch (const std::exception& e) {
    throw UserError("token.module_failed", {{"module", path}, {"detail", e.what()}});
  }
}

std::unique_ptr<Token> open_duty_token(const Config& config, Duty duty) {
  std::string pin = token_pin(config, duty);  // before the module: a missing PIN is the clearest error
  auto module = load_duty_module(config, duty);
  long long slot = config.integer(key(duty, "slot"));
  std::string label = config.str(key(duty, "token_label"));
  // SoftHSM2 rescans its token directory at every slot listing; while
  // another process rewrites a token's files (several roles starting at
  // once), that token can be missing from one listing or answer
  // CKR_GENERAL_ERROR once. A few short retries ride over it.
  for (int attempt = 1;; ++attempt) {
    try {
      if (slot >= 0) return Token::open_slot(module, static_cast<CK_SLOT_ID>(slot), pin);
      if (!module->find_token(label) && attempt < 5) throw pkcs11::Error(CKR_TOKEN_NOT_PRESENT, "C_GetSlotList");
      return Token::open(module, label, pin);
    } catch (const pkcs11::Error& e) {
      // Only what a file race looks like is tried again: never a refused
      // log-in, which on an HSM counts towards locking the token.
      bool transient = e.rv() == CKR_GENERAL_ERROR || e.rv() == CKR_TOKEN_NOT_PRESENT ||
                       e.rv() == CKR_SLOT_ID_INVALID || e.rv() == CKR_DEVICE_ERROR;
      if (attempt >= 5 || !transient)
        throw UserError("token.login_failed", {{"duty", duty_name(duty)}, {"detail", e.what()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
  }
}

std::unique_ptr<Token> create_duty_token(const Config& config, Duty duty) {
  std::string label = config.str(key(duty, "token_label"));
  bool home_softhsm = uses_home_softhsm(config, duty);
  auto conf = softhsm_conf(config);
  if (home_softhsm && !std::filesystem::exists(conf)) {
    auto tokens = config.home() / "tokens";
    std::filesystem::create_directories(tokens);
    std::filesystem::permissions(tokens, std::filesystem::perms::owner_all);
    write_file_atomic(conf, softhsm_conf_text(tokens), 0600);
  }
  auto module = load_duty_module(config, duty);
  if (home_softhsm && !module->find_token(label)) {
    auto pin_file = config.path(key(duty, "pin_file"));
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
    auto so_pin_file = pin_file;
    so_pin_file.replace_extension(".so-pin");
    write_file_atomic(so_pin_file, so_pin + "\n", 0600);
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
  return open_duty_token(config, duty);
}

std::unique_ptr<Signer> open_duty_signer(const Config& config, Duty duty, std::string_view key_label,
                                         SignatureScheme scheme) {
  auto token = open_duty_token(config, duty);
  auto signer = token->signer(key_label, scheme);
  return std::make_unique<DutySigner>(std::move(token), std::move(signer));
}

}  // namespace tugra
