// SOCI 4.0 reads its PostgreSQL connect string as "key=value" pairs (it
// looks for its own options there), so a libpq URI is converted first:
// postgresql://user:password@host:port/db?sslmode=require
//   -> user='user' password='password' host='host' port='port' dbname='db' sslmode='require'
#pragma once

#include <string>

namespace tugra::store {

// With `password_out`, the password is put there instead of into the
// string (a program's arguments are visible to every local user; its
// environment, PGPASSWORD, is not).
std::string postgres_keywords(const std::string& url, std::string* password_out = nullptr);

}  // namespace tugra::store
