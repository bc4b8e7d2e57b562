// A consistent copy of the database while the service runs, and loading one
// into a new home: what `tugra backup` and `tugra restore` do with the
// database part.
#pragma once

#include <filesystem>

#include "common/config.hpp"
#include "store/database.hpp"

namespace tugra::store {

// The engine database.url of `config` names.
Engine engine_of(const Config& config);

// SQLite: VACUUM INTO (one read transaction, so one moment; writers go on).
// PostgreSQL: pg_dump in its custom format (one snapshot).
void snapshot_database(const Config& config, const std::filesystem::path& out);

// Loads a snapshot into the database of `config`, which must be new: a
// SQLite file that does not exist yet, or a PostgreSQL database without
// tables. Throws UserError otherwise, changing nothing.
void load_snapshot(const Config& config, const std::filesystem::path& snapshot);

}  // namespace tugra::store
