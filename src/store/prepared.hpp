// Statements prepared once per connection and run many times (internal to
// store/). Preparing costs more than running on SQLite; the issuance path
// runs the same few statements for every certificate.
#pragma once

#include <soci/soci.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "store/database.hpp"

namespace tugra::store {

// Runs `query` with the given soci::use()/soci::into() elements. Returns
// whether a row was read. For queries that return at most one row: the
// statement is stepped to its end so SQLite releases the read snapshot.
template <typename... Elements>
bool run_prepared(Database& db, const std::string& query, Elements&&... elements) {
  soci::statement& st = db.prepared(query);
  struct Unbind {
    soci::statement& st;
    ~Unbind() { st.bind_clean_up(); }
  } unbind{st};
  (st.exchange(std::forward<Elements>(elements)), ...);
  st.define_and_bind();
  bool got = st.execute(true);
  if (got && st.fetch()) throw std::logic_error("run_prepared: more than one row for " + query);
  return got;
}

// The same for INSERT/UPDATE/DELETE, returning the number of rows changed.
template <typename... Elements>
long long change_prepared(Database& db, const std::string& query, Elements&&... elements) {
  soci::statement& st = db.prepared(query);
  struct Unbind {
    soci::statement& st;
    ~Unbind() { st.bind_clean_up(); }
  } unbind{st};
  (st.exchange(std::forward<Elements>(elements)), ...);
  st.define_and_bind();
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace tugra::store
