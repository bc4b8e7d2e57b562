// Published CRLs. A full CRL of a million entries is 49 MB: the ca role
// writes it from its kept list in parts of 1 MiB (migration 015), each part
// once, so storing it needs no whole copy in memory and no base64 text.
//
// SOCI reads a BLOB into a std::string as text (up to the first zero byte)
// and sends bytea as text (hex, twice the size), so the parts go through the
// connection underneath it, SQLite's or libpq's, in the caller's transaction.
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <stdexcept>

#include "store/database.hpp"
#include "store/prepared.hpp"
#include "store/records.hpp"

namespace tugra::store {
namespace {

constexpr std::size_t kPartBytes = 1 << 20;
constexpr const char* kInsertPart = "INSERT INTO crl_parts (issuer, number, part, bytes) VALUES ";
constexpr const char* kSelectParts = "SELECT bytes FROM crl_parts WHERE issuer = ";

class SqliteStatement {
 public:
  SqliteStatement(Database& db, const std::string& sql)
      : conn_(static_cast<soci::sqlite3_session_backend*>(db.sql().get_backend())->conn_) {
    if (sqlite_api::sqlite3_prepare_v2(conn_, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~SqliteStatement() { sqlite_api::sqlite3_finalize(st_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // The issuer and number every statement here starts with.
  void bind_crl(const std::string& issuer, std::int64_t number) {
    sqlite_api::sqlite3_reset(st_);
    sqlite_api::sqlite3_bind_text(st_, 1, issuer.data(), static_cast<int>(issuer.size()), SQLITE_STATIC);
    sqlite_api::sqlite3_bind_int64(st_, 2, number);
  }
  sqlite_api::sqlite3_stmt* get() { return st_; }
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("crl_parts ") + what + ": " + sqlite_api::sqlite3_errmsg(conn_));
  }

 private:
  sqlite_api::sqlite3* conn_;
  sqlite_api::sqlite3_stmt* st_ = nullptr;
};

PGconn* pg_connection(Database& db) {
  return static_cast<soci::postgresql_session_backend*>(db.sql().get_backend())->conn_;
}

// Runs a statement with text parameters and, last, an optional binary one.
PGresult* pg_exec(Database& db, const std::string& sql, std::vector<std::string> text, const std::string* binary,
                  ExecStatusType expected) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& t : text) values.push_back(t.c_str()), lengths.push_back(0), formats.push_back(0);
  if (binary) {
    values.push_back(binary->data());
    lengths.push_back(static_cast<int>(binary->size()));
    formats.push_back(1);
  }
  PGresult* result = PQexecParams(pg_connection(db), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), lengths.data(), formats.data(), 1 /* binary results */);
  if (PQresultStatus(result) != expected) {
    std::string error = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("crl_parts: " + error);
  }
  return result;
}

// Cuts the pieces into parts of kPartBytes and hands each to `write`.
template <typename Write>
void in_parts(std::span<const ByteView> pieces, Write write) {
  std::string part;
  part.reserve(kPartBytes);
  int index = 0;
  for (ByteView piece : pieces) {
    while (!piece.empty()) {
      std::size_t n = std::min(piece.size(), kPartBytes - part.size());
      part.append(reinterpret_cast<const char*>(piece.data()), n);
      piece = piece.subspan(n);
      if (part.size() == kPartBytes) {
        write(index++, part);
        part.clear();
      }
    }
  }
  if (!part.empty() || index == 0) write(index, part);
}

void insert_parts(Database& db, const CrlRecord& r, std::span<const ByteView> pieces) {
  if (db.engine() == Engine::postgresql) {
    in_parts(pieces, [&](int index, const std::string& part) {
      PQclear(pg_exec(db, std::string(kInsertPart) + "($1, $2, $3, $4)",
                      {r.issuer, std::to_string(r.number), std::to_string(index)}, &part, PGRES_COMMAND_OK));
    });
    return;
  }
  SqliteStatement insert(db, std::string(kInsertPart) + "(?, ?, ?, ?)");
  in_parts(pieces, [&](int index, const std::string& part) {
    insert.bind_crl(r.issuer, r.number);
    sqlite_api::sqlite3_bind_int(insert.get(), 3, index);
    sqlite_api::sqlite3_bind_blob(insert.get(), 4, part.data(), static_cast<int>(part.size()), SQLITE_STATIC);
    if (sqlite_api::sqlite3_step(insert.get()) != SQLITE_DONE) insert.fail("insert");
  });
}

std::string read_parts(Database& db, const std::string& issuer, std::int64_t number) {
  std::string der;
  if (db.engine() == Engine::postgresql) {
    PGresult* result = pg_exec(db, std::string(kSelectParts) + "$1 AND number = $2 ORDER BY part",
                               {issuer, std::to_string(number)}, nullptr, PGRES_TUPLES_OK);
    for (int row = 0; row < PQntuples(result); ++row) der.append(PQgetvalue(result, row, 0), PQgetlength(result, row, 0));
    PQclear(result);
    return der;
  }
  SqliteStatement select(db, std::string(kSelectParts) + "? AND number = ? ORDER BY part");
  select.bind_crl(issuer, number);
  int rc;
  while ((rc = sqlite_api::sqlite3_step(select.get())) == SQLITE_ROW)
    der.append(static_cast<const char*>(sqlite_api::sqlite3_column_blob(select.get(), 0)),
               static_cast<std::size_t>(sqlite_api::sqlite3_column_bytes(select.get(), 0)));
  if (rc != SQLITE_DONE) select.fail("select");
  return der;
}

std::optional<CrlRecord> latest_crl(Database& db, const std::string& issuer, bool delta, std::int64_t newer_than) {
  CrlRecord r;
  r.issuer = issuer;
  long long number = 0, this_update = 0, next_update = 0, entries = 0, base = 0, seq = 0, after = newer_than;
  std::string der;
  bool found = run_prepared(db,
                            std::string("SELECT number, this_update, next_update, entries, der, delta_base, change_seq "
                                        "FROM crls WHERE issuer = :issuer AND number > :after AND delta_base ") +
                                (delta ? "> 0" : "= 0") + " ORDER BY number DESC LIMIT 1",
                            soci::use(issuer), soci::use(after), soci::into(number), soci::into(this_update), soci::into(next_update),
                            soci::into(entries), soci::into(der), soci::into(base), soci::into(seq));
  if (!found) return std::nullopt;
  // A CRL stored before migration 015 is base64 text in der.
  r.der = der.empty() ? read_parts(db, issuer, number) : tugra::to_string(base64_decode(der));
  r.number = number;
  r.this_update = this_update;
  r.next_update = next_update;
  r.entries = entries;
  r.delta_base = base;
  r.change_seq = seq;
  return r;
}

}  // namespace

void CrlRepository::insert(const CrlRecord& record) {
  ByteView der(reinterpret_cast<const std::uint8_t*>(record.der.data()), record.der.size());
  insert(record, std::span<const ByteView>(&der, 1));
}

void CrlRepository::insert(const CrlRecord& r, std::span<const ByteView> der_pieces) {
  long long number = r.number, this_update = r.this_update, next_update = r.next_update, entries = r.entries,
            base = r.delta_base, seq = r.change_seq;
  change_prepared(db_,
                  "INSERT INTO crls (issuer, number, this_update, next_update, entries, der, delta_base, change_seq) "
                  "VALUES (:issuer, :number, :this_update, :next_update, :entries, '', :base, :seq)",
                  soci::use(r.issuer), soci::use(number), soci::use(this_update), soci::use(next_update),
                  soci::use(entries), soci::use(base), soci::use(seq));
  insert_parts(db_, r, der_pieces);
}

std::int64_t CrlRepository::latest_number(const std::string& issuer) {
  long long number = 0;
  soci::indicator ind = soci::i_null;
  run_prepared(db_, "SELECT MAX(number) FROM crls WHERE issuer = :issuer", soci::use(issuer), soci::into(number, ind));
  return ind == soci::i_ok ? number : 0;
}

std::int64_t CrlRepository::latest_entries(const std::string& issuer) {
  long long entries = 0;
  run_prepared(db_, "SELECT entries FROM crls WHERE issuer = :issuer AND delta_base = 0 ORDER BY number DESC LIMIT 1",
               soci::use(issuer), soci::into(entries));
  return entries;
}

std::int64_t CrlRepository::next_number(const std::string& issuer) { return latest_number(issuer) + 1; }

std::optional<CrlRecord> CrlRepository::latest(const std::string& issuer, std::int64_t newer_than) {
  return latest_crl(db_, issuer, false, newer_than);
}

std::optional<CrlRecord> CrlRepository::latest_delta(const std::string& issuer, std::int64_t newer_than) {
  return latest_crl(db_, issuer, true, newer_than);
}

}  // namespace tugra::store
