// The database: SQLite (embedded default) or PostgreSQL, through SOCI, with
// the numbered migrations in migrations/ applied on open. Only store/*.cpp
// see SOCI; everything above talks to repositories.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "common/config.hpp"

namespace soci {
class session;
class statement;
}

namespace tugra::store {

enum class Engine { sqlite, postgresql };

// What opening a database does with a schema older than this binary's:
// `migrate` applies the missing migrations (saying so on standard error:
// `tugra migrate`, `init` and `serve`); `require_current` refuses, naming
// `tugra migrate` (every other command: nothing changes the schema
// silently). A schema newer than this binary knows is always refused.
enum class SchemaPolicy { migrate, require_current };
void set_schema_policy(SchemaPolicy policy);

// The SQLite file a "sqlite:FILE" database.url names, relative paths taken
// from the home (Database::open, backup and restore agree on it here).
std::filesystem::path sqlite_file(const Config& config);

class Database {
 public:
  // Connects to database.url of `config` and brings the schema to this
  // binary's version as the schema policy says.
  static std::unique_ptr<Database> open(const Config& config);
  // The newest migration this binary has.
  static int latest_schema_version();
  ~Database();

  Engine engine() const { return engine_; }
  soci::session& sql() { return *sql_; }
  int schema_version();
  // A statement prepared once on this connection (see store/prepared.hpp).
  soci::statement& prepared(const std::string& query);
  // SQLite: copies the WAL into the database and truncates it, so pages
  // freed by a DELETE (overwritten there by secure_delete) leave no copy in
  // the WAL either. Outside a transaction. No-op on PostgreSQL.
  void truncate_wal();
  // Makes every commit made so far durable (see Durability::deferred).
  // Thread-safe, and it does not use the connection: another thread may
  // sync while this one writes its next transaction.
  void sync();
  // How many times sync() returned: commits per sync measure the group commit.
  std::uint64_t syncs() const { return syncs_.load(); }
  // After a database restart (PostgreSQL): true when the connection works,
  // reconnecting first if it was lost (statements prepared on the old
  // connection are dropped). Long-running roles call it after a failure.
  bool recover();

 private:
  Database(Engine engine, std::unique_ptr<soci::session> sql);
  void migrate();
  void sync_sqlite_log();
  // The schema's version, 0 for a database with none yet.
  int applied_schema_version();

  friend class Transaction;
  Engine engine_;
  std::unique_ptr<soci::session> sql_;
  bool migrated_ = false;
  bool sqlite_full_sync_ = true;
  std::filesystem::path sqlite_wal_;  // the database file's write-ahead log
  std::atomic<std::uint64_t> syncs_{0};
  std::map<std::string, std::unique_ptr<soci::statement>> prepared_;
};

// The next id of a table with a BIGINT `id` key: MAX(id) + 1, inside the
// caller's write transaction (writers are serialised, so two never collide).
std::int64_t next_id(Database& db, const std::string& table);

// How a commit reaches the disk. `full` syncs before the commit returns.
// `relaxed` survives a crash of the process but may be lost to a power cut;
// it is for writes that a durable earlier record makes recoverable (the
// completion of an issuance whose intent was committed in full).
// `deferred` is relaxed until Database::sync() returns, then full: a writer
// can sync one commit on another thread while it makes the next, and the
// syncs of several commits become one (the database's own group commit;
// SQLite syncs its log only inside the commit, holding the write lock). On
// PostgreSQL, as `full`.
enum class Durability { full, relaxed, deferred };

// A write transaction. Writers are serialised (BEGIN IMMEDIATE on SQLite, an
// exclusive lock on the audit log on PostgreSQL) so the audit chain has one
// order. Rolls back unless commit() is called.
class Transaction {
 public:
  explicit Transaction(Database& db, Durability durability = Durability::full);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  void restore_durability();
  Database& db_;
  bool open_ = true;
  bool relaxed_sqlite_ = false;
};

}  // namespace tugra::store
