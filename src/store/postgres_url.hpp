// SOCI 4.0 reads its PostgreSQL connect string as "key=value" pairs (it
// looks for its own options there), so a libpq URI is converted first:
// postgresql://user:password@host:port/db?sslmode=require
//   -> user='user' password='password' host='host' port='port' dbname='db' sslmode='require'
#pragma once

#include <string>

namespace tugra::store {

std::string postgres_keywords(const std::string& url);

}  // namespace tugra::store
