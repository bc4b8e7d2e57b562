// What the database keeps, and for how long: outbox message bodies (they
// hold SMS codes and password-reset links) are blanked after
// retention.outbox_days, and only the newest retention.full_crls full CRLs
// of each CA are kept (with the delta CRLs from the oldest kept one on).
// `tugra purge` applies it by hand; the ca role every retention.every_hours.
#pragma once

#include <cstdint>

#include "common/config.hpp"

namespace tugra::store {

class Database;
class Ledger;

struct RetentionPolicy {
  std::int64_t outbox_days = 30;
  std::int64_t full_crls = 30;
  // Throws UserError for a value below 1.
  static RetentionPolicy from(const Config& config);
};

struct Purged {
  std::int64_t outbox_bodies = 0;
  std::int64_t crls = 0;
  bool any() const { return outbox_bodies > 0 || crls > 0; }
};

// What the rules would remove now, changing nothing.
Purged purge_due(Database& db, const RetentionPolicy& policy, std::int64_t now);
// Removes it in one audited write ("retention.purged"); on SQLite the WAL is
// truncated after, so no copy of a blanked body stays in it.
Purged purge(Ledger& ledger, const RetentionPolicy& policy, std::int64_t now);

}  // namespace tugra::store
