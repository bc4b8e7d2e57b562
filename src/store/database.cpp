#include "store/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/messages.hpp"
#include "store/postgres_url.hpp"
#include "store/prepared.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& migrations();
}

namespace tugra::store {
namespace {
std::atomic<SchemaPolicy> g_schema_policy{SchemaPolicy::migrate};
}

void set_schema_policy(SchemaPolicy policy) { g_schema_policy = policy; }

int Database::latest_schema_version() {
  int latest = 0;
  for (const auto& [name, script] : embedded::migrations())
    latest = std::max(latest, std::stoi(std::string(name.substr(0, name.find('_')))));
  return latest;
}

int Database::applied_schema_version() {
  try {
    return schema_version();
  } catch (const soci::soci_error&) {
    return 0;  // no schema_migrations table: a new database
  }
}

Database::Database(Engine engine, std::unique_ptr<soci::session> sql)
    : engine_(engine), sql_(std::move(sql)) {}

Database::~Database() {
  prepared_.clear();  // statements before the session they belong to
}

void Database::sync() {
  if (engine_ == Engine::sqlite && sqlite_full_sync_) sync_sqlite_log();
  // (PostgreSQL synced at commit; SQLite with synchronous "normal" chose not to.)
  ++syncs_;
}

void Database::sync_sqlite_log() {
  // In WAL mode every commit is appended to the log, and a commit's pages
  // are durable once the log is: this is the sync SQLite makes inside a
  // FULL commit, made here outside it. A checkpoint syncs the log before it
  // copies it into the database file, and the file after, so a log
  // restarted after one holds only newer commits. The log is opened each
  // time (SQLite keeps it while a connection is open in WAL mode; a
  // descriptor kept here could outlive a log deleted and made anew).
  int fd = ::open(sqlite_wal_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + sqlite_wal_.string() + " to sync it");
  bool ok = ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot sync " + sqlite_wal_.string());
}

void Database::truncate_wal() {
  if (engine_ == Engine::sqlite) *sql_ << "PRAGMA wal_checkpoint(TRUNCATE)";
}

soci::statement& Database::prepared(const std::string& query) {
  auto it = prepared_.find(query);
  if (it != prepared_.end()) return *it->second;
  auto st = std::make_unique<soci::statement>(*sql_);
  st->alloc();
  st->prepare(query, soci::details::st_repeatable_query);
  return *prepared_.emplace(query, std::move(st)).first->second;
}

std::filesystem::path sqlite_file(const Config& config) {
  std::filesystem::path file = config.str("database.url").substr(7);
  return file.is_relative() ? config.home() / file : file;
}

std::unique_ptr<Database> Database::open(const Config& config) {
  std::string url = config.str("database.url");
  std::unique_ptr<Database> db;
  try {
    if (url.rfind("sqlite:", 0) == 0) {
      std::filesystem::path file = sqlite_file(config);
      auto sql = std::make_unique<soci::session>(soci::sqlite3, "db=" + file.string() + " timeout=30");
      *sql << "PRAGMA journal_mode=WAL";
      *sql << "PRAGMA secure_delete=ON";
      *sql << "PRAGMA foreign_keys=ON";
      bool full = config.str("database.sqlite_synchronous") != "normal";
      *sql << std::string("PRAGMA synchronous=") + (full ? "FULL" : "NORMAL");
      db.reset(new Database(Engine::sqlite, std::move(sql)));
      db->sqlite_full_sync_ = full;
      db->sqlite_wal_ = file.string() + "-wal";
    } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
      auto sql = std::make_unique<soci::session>(soci::postgresql, postgres_keywords(url));
      *sql << "SET client_min_messages TO WARNING";
      db.reset(new Database(Engine::postgresql, std::move(sql)));
    } else {
      throw UserError("store.bad_url", {{"url", url}});
    }
  } catch (const soci::soci_error& e) {
    throw UserError("store.connect_failed", {{"detail", e.get_error_message()}});
  }
  int applied = db->applied_schema_version(), latest = latest_schema_version();
  if (applied > latest)
    throw UserError("store.schema_newer", {{"version", std::to_string(applied)}, {"known", std::to_string(latest)}});
  if (applied < latest) {
    if (g_schema_policy == SchemaPolicy::require_current && applied > 0)
      throw UserError("store.schema_behind", {{"version", std::to_string(applied)}, {"known", std::to_string(latest)}});
    db->migrate();
    if (applied > 0)
      std::fprintf(stderr, "tugra: %s\n",
                   message("store.migrated", {{"from", std::to_string(applied)}, {"to", std::to_string(latest)}}).c_str());
  }
  db->migrated_ = true;
  return db;
}

bool Database::recover() {
  if (engine_ != Engine::postgresql) return true;
  try {
    if (sql_->is_connected()) {
      int one = 0;
      *sql_ << "SELECT 1", soci::into(one);
      return true;
    }
  } catch (const soci::soci_error&) {
  }
  prepared_.clear();  // they belong to the lost connection
  try {
    sql_->reconnect();
    *sql_ << "SET client_min_messages TO WARNING";
    return true;
  } catch (const soci::soci_error&) {
    return false;
  }
}

int Database::schema_version() {
  int version = 0;
  soci::indicator ind;
  *sql_ << "SELECT MAX(version) FROM schema_migrations", soci::into(version, ind);
  return ind == soci::i_ok ? version : 0;
}

// One statement per ';' at the end of a line; a comment after the ';' would
// hide it, so migrations keep comments on lines of their own.
static std::vector<std::string> split_statements(std::string_view script) {
  std::vector<std::string> out;
  std::string current;
  std::size_t pos = 0;
  while (pos < script.size()) {
    auto end = script.find('\n', pos);
    if (end == std::string_view::npos) end = script.size();
    std::string_view line = script.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("--", 0) == 0) continue;
    current.append(line).push_back('\n');
    auto last = line.find_last_not_of(" \t\r");
    if (last != std::string_view::npos && line[last] == ';') {
      out.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

void Database::migrate() {
  auto& sql = *sql_;
  sql << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";
  for (const auto& [name, script] : embedded::migrations()) {
    int version = std::stoi(std::string(name.substr(0, name.find('_'))));
    Transaction tx(*this);
    if (engine_ == Engine::postgresql) sql << "SELECT pg_advisory_xact_lock(5070)";
    int applied = 0;
    sql << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(version),
        soci::into(applied);
    if (applied) continue;
    for (const auto& statement : split_statements(script)) sql << statement;
    long long now = now_seconds();
    sql << "INSERT INTO schema_migrations (version, applied_at) VALUES (:v, :t)", soci::use(version),
        soci::use(now);
    tx.commit();
  }
}

Transaction::Transaction(Database& db, Durability durability) : db_(db) {
  if (db.engine() == Engine::sqlite) {
    // The synchronous pragma cannot change inside a transaction.
    relaxed_sqlite_ = durability != Durability::full && db.sqlite_full_sync_;
    if (relaxed_sqlite_) change_prepared(db, "PRAGMA synchronous=NORMAL");
    try {
      change_prepared(db, "BEGIN IMMEDIATE");
    } catch (...) {
      restore_durability();
      throw;
    }
  } else {
    change_prepared(db, "BEGIN");
    if (durability == Durability::relaxed) change_prepared(db, "SET LOCAL synchronous_commit TO OFF");
    // Migrations run before audit_log exists; they serialise on an advisory lock.
    if (db.migrated_) change_prepared(db, "LOCK TABLE audit_log IN EXCLUSIVE MODE");
  }
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    db_.sql() << "ROLLBACK";
  } catch (...) {
    // The connection is gone; the server rolls the transaction back itself.
  }
  restore_durability();
}

void Transaction::commit() {
  change_prepared(db_, "COMMIT");
  open_ = false;
  restore_durability();
}

void Transaction::restore_durability() {
  if (!relaxed_sqlite_) return;
  relaxed_sqlite_ = false;
  try {
    change_prepared(db_, "PRAGMA synchronous=FULL");
  } catch (...) {
    // Left relaxed only if the connection itself failed.
  }
}

std::int64_t next_id(Database& db, const std::string& table) {
  long long max_id = 0;
  soci::indicator ind = soci::i_null;
  db.sql() << "SELECT MAX(id) FROM " + table, soci::into(max_id, ind);
  return (ind == soci::i_ok ? max_id : 0) + 1;
}

}  // namespace tugra::store
