// What every command shares: the --home option, the configuration it points
// to, and who is acting (for the audit log).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "common/config.hpp"
#include "common/error.hpp"

namespace tugra::ca {
class CertificateAuthority;
}
namespace tugra::store {
class Ledger;
}

namespace tugra::cli {

// The CA of the home, over a ledger of its own (for commands that sign
// with CA keys: issue, CRLs, production).
struct CaSession {
  std::unique_ptr<store::Ledger> ledger;
  std::unique_ptr<ca::CertificateAuthority> ca;
  CaSession(std::unique_ptr<store::Ledger> l, std::unique_ptr<ca::CertificateAuthority> c);
  CaSession(CaSession&&) noexcept;
  ~CaSession();
};

struct Context {
  std::optional<std::string> home_flag;

  Config config() const { return Config::load(resolve_home(home_flag)); }
  // "cli:<user>" — the operator as the audit log records them.
  std::string actor() const;
  // The initialised home's ledger: its database, and the audit key (from
  // the audit token) at the first write. No CA token.
  std::unique_ptr<store::Ledger> ledger() const;
  // The home's CA: needs the CA token's PIN (UserError "token.no_pin" otherwise).
  CaSession open_ca() const;
  // The CA of a root home (the offline root's ceremony), its token open.
  CaSession open_root() const;
  // The PKCS#11 module of the card readers: --module, else card.module,
  // else the virtual card built beside this binary (whose card directory is
  // then card.vcard_dir unless TUGRA_VCARD_DIR says otherwise).
  std::string card_module(const std::optional<std::string>& flag) const;
};

// A command's or option's help text from the message catalogs ("help.*"),
// in the process language like every other message.
inline std::string help_text(const char* key) { return message(key); }

// "Label      : value", the label from the catalog and padded to `width`
// characters (UTF-8 aware: Turkish labels line up).
void print_field(const std::string& label_key, const std::string& value, std::size_t width = 24);

// Points TUGRA_VCARD_DIR at the home's card directory if it is unset.
void prepare_virtual_cards(const Config& config);

// Reads a whole file named on the command line ("-" for standard input);
// throws UserError with the file name on failure.
std::string read_input(const std::string& path);
// Writes an output file named on the command line ("-": standard output)
// as common/files.hpp does: atomically, through symlinks, and in place into
// devices and FIFOs.
void write_output(const std::string& path, const std::string& content);

// A value the command line gave that no command could accept (exit 2, as
// CLI11's own parse errors).
struct UsageError : UserError {
  using UserError::UserError;
};

// Thrown by a command that has said what went wrong and wants `code` as the
// process exit status.
struct Exit {
  int code;
};

void add_ca_commands(CLI::App& app, Context& ctx);
void add_audit_commands(CLI::App& app, Context& ctx);
void add_serve_commands(CLI::App& app, Context& ctx);
void add_card_commands(CLI::App& app, Context& ctx);
void add_production_commands(CLI::App& app, Context& ctx);
void add_portal_commands(CLI::App& app, Context& ctx);
void add_backup_commands(CLI::App& app, Context& ctx);
void add_sign_commands(CLI::App& app, Context& ctx);
void add_agent_commands(CLI::App& app, Context& ctx);
void add_pages_commands(CLI::App& app, Context& ctx);

}  // namespace tugra::cli
