// The configuration of one Tugra home: tugra.toml, with a documented default
// for every key, overridden by TUGRA_<SECTION>_<KEY> environment variables.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tugra {

// The home directory: --home, else $TUGRA_HOME, else ./var; made absolute.
std::filesystem::path resolve_home(const std::optional<std::string>& flag);

class Config {
 public:
  // The configuration file of `home`: $TUGRA_CONFIG when set (an installed
  // service keeps it in /etc/tugra, its data in /var/lib/tugra), else
  // HOME/tugra.toml. Relative paths in it are taken from the home either way.
  static std::filesystem::path file_of(const std::filesystem::path& home);
  // Reads the configuration file when it exists (defaults otherwise). Throws
  // UserError on a syntax error, an unknown key or a value of the wrong type.
  static Config load(const std::filesystem::path& home);
  // The text of a tugra.toml listing every key, its default and its meaning.
  static std::string default_file_text();
  // The same file with this configuration's values: what `init` writes, so
  // that settings given by environment at init (TUGRA_DATABASE_URL) stay.
  std::string file_text() const;

  const std::filesystem::path& home() const { return home_; }
  const std::filesystem::path& file() const { return file_; }
  std::string str(std::string_view key) const;
  long long integer(std::string_view key) const;
  bool boolean(std::string_view key) const;
  // A path value, relative paths taken from the home directory.
  std::filesystem::path path(std::string_view key) const;

  // The keys whose values differ in `other` (what a reload changes).
  std::vector<std::string> differences(const Config& other) const;

  // Sets a value in memory (tests and `init` use it before writing nothing).
  void set(std::string_view key, std::string value);

 private:
  std::filesystem::path home_;
  std::filesystem::path file_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace tugra
