// `tugra backup` and `tugra restore`: a whole home in one file, taken while
// the service runs. The archive (tar, gzip) holds the home's files (the
// configuration, the SoftHSM2 token store of the embedded default, the
// PIN files and the master key that seals holders' secrets, the audit
// witness and key), a consistent copy of the database and a manifest with
// the SHA-256 of every file. It holds every secret of the home: it is
// written 0600 and must be kept like the tokens themselves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/config.hpp"

namespace tugra::backup {

struct BackupSummary {
  std::size_t files = 0;    // home files, the database copy not counted
  std::uintmax_t bytes = 0; // of the archive
  std::string engine;       // "sqlite" or "postgresql"
  int schema = 0;
};

// Writes the backup of `config`'s home to `out` (atomically, mode 0600).
BackupSummary create(const Config& config, const std::filesystem::path& out);

struct RestoreSummary {
  std::size_t files = 0;
  std::string engine;
  int schema = 0;
};

// Unpacks `archive` into `home`, which must not exist or be empty, and loads
// the database copy into the database its configuration names (which must
// be new). The archive is checked against its manifest before anything is
// put in place; on any failure the new home is removed again.
RestoreSummary restore(const std::filesystem::path& archive, const std::filesystem::path& home);

}  // namespace tugra::backup
