#include "store/snapshot.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "common/error.hpp"
#include "common/subprocess.hpp"
#include "store/postgres_url.hpp"

namespace tugra::store {
namespace {

// pg_dump and pg_restore get the connection as keywords, the password by
// environment (never in their arguments, which every local user can read).
int run_postgres_tool(const Config& config, std::vector<std::string> argv, const std::filesystem::path& out = {}) {
  std::string password;
  argv.push_back("--dbname=" + postgres_keywords(config.str("database.url"), &password));
  std::vector<std::pair<std::string, std::string>> env;
  if (!password.empty()) env.emplace_back("PGPASSWORD", password);
  return run_program(argv, env, out);
}

}  // namespace

Engine engine_of(const Config& config) {
  return config.str("database.url").rfind("sqlite:", 0) == 0 ? Engine::sqlite : Engine::postgresql;
}

void snapshot_database(const Config& config, const std::filesystem::path& out) {
  std::filesystem::remove(out);
  if (engine_of(config) == Engine::sqlite) {
    auto db = Database::open(config);
    std::string target = out.string();
    db->sql() << "VACUUM INTO :file", soci::use(target);
    std::filesystem::permissions(out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return;
  }
  int status = run_postgres_tool(config, {"pg_dump", "--format=custom", "--no-owner", "--no-privileges"}, out);
  if (status != 0) throw UserError("backup.tool_failed", {{"tool", "pg_dump"}, {"status", std::to_string(status)}});
}

void load_snapshot(const Config& config, const std::filesystem::path& snapshot) {
  if (engine_of(config) == Engine::sqlite) {
    auto file = sqlite_file(config);
    if (std::filesystem::exists(file)) throw UserError("backup.database_not_empty", {{"database", file.string()}});
    std::filesystem::copy_file(snapshot, file);
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return;
  }
  int tables = 0;
  try {
    soci::session sql(soci::postgresql, postgres_keywords(config.str("database.url")));
    sql << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'", soci::into(tables);
  } catch (const soci::soci_error& e) {
    throw UserError("store.connect_failed", {{"detail", e.get_error_message()}});
  }
  if (tables > 0) throw UserError("backup.database_not_empty", {{"database", "database.url"}});
  int status = run_postgres_tool(config, {"pg_restore", "--exit-on-error", "--single-transaction", "--no-owner",
                                          "--no-privileges", snapshot.string()});
  if (status != 0) throw UserError("backup.tool_failed", {{"tool", "pg_restore"}, {"status", std::to_string(status)}});
}

}  // namespace tugra::store
