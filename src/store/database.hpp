// The database: SQLite (embedded default) or PostgreSQL, through SOCI, with
// the numbered migrations in migrations/ applied on open. Only store/*.cpp
// see SOCI; everything above talks to repositories.
#pragma once

#include <memory>
#include <string>

#include "common/config.hpp"

namespace soci {
class session;
}

namespace tugra::store {

enum class Engine { sqlite, postgresql };

class Database {
 public:
  // Connects to database.url of `config` and migrates to the latest schema.
  static std::unique_ptr<Database> open(const Config& config);
  ~Database();

  Engine engine() const { return engine_; }
  soci::session& sql() { return *sql_; }
  int schema_version();

 private:
  Database(Engine engine, std::unique_ptr<soci::session> sql);
  void migrate();

  friend class Transaction;
  Engine engine_;
  std::unique_ptr<soci::session> sql_;
  bool migrated_ = false;
};

// A write transaction. Writers are serialised (BEGIN IMMEDIATE on SQLite, an
// exclusive lock on the audit log on PostgreSQL) so the audit chain has one
// order. Rolls back unless commit() is called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace tugra::store
