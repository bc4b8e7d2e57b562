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

// A cached statement bound to fresh elements for one execution, unbound
// again (the statement stays prepared) when it goes out of scope.
class Bound {
 public:
  Bound(Database& db, const std::string& query) : st_(db.prepared(query)) {}
  ~Bound() { st_.bind_clean_up(); }
  Bound(const Bound&) = delete;
  Bound& operator=(const Bound&) = delete;

  soci::statement& statement() { return st_; }
  template <typename... Elements>
  soci::statement& bind(Elements&&... elements) {
    (st_.exchange(std::forward<Elements>(elements)), ...);
    st_.define_and_bind();
    return st_;
  }

 private:
  soci::statement& st_;
};

// Runs `query` with the given soci::use()/soci::into() elements. Returns
// whether a row was read. For queries that return at most one row: the
// statement is stepped to its end so SQLite releases the read snapshot.
template <typename... Elements>
bool run_prepared(Database& db, const std::string& query, Elements&&... elements) {
  Bound bound(db, query);
  soci::statement& st = bound.bind(std::forward<Elements>(elements)...);
  bool got = st.execute(true);
  if (got && st.fetch()) throw std::logic_error("run_prepared: more than one row for " + query);
  return got;
}

// The same for INSERT/UPDATE/DELETE, returning the number of rows changed.
template <typename... Elements>
long long change_prepared(Database& db, const std::string& query, Elements&&... elements) {
  Bound bound(db, query);
  soci::statement& st = bound.bind(std::forward<Elements>(elements)...);
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace tugra::store
