#include "store/retention.hpp"

#include <soci/soci.h>

#include <string>
#include <vector>

#include "common/error.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"

namespace tugra::store {
namespace {

// The outbox messages whose body is due to go.
const std::string kOutboxDue = "WHERE created_at < :cutoff AND body <> ''";

std::vector<std::string> crl_issuers(Database& db) {
  std::vector<std::string> issuers(64);
  std::vector<std::string> all;
  soci::statement st = (db.sql().prepare << "SELECT DISTINCT issuer FROM crls ORDER BY issuer", soci::into(issuers));
  st.execute();
  while (st.fetch()) all.insert(all.end(), issuers.begin(), issuers.end());
  return all;
}

// The number of the oldest full CRL of `issuer` to keep: everything numbered
// below it goes. 0 when the issuer has no more than `keep` full CRLs.
std::int64_t oldest_kept(Database& db, const std::string& issuer, std::int64_t keep) {
  long long number = 0, offset = keep - 1;
  soci::indicator ind = soci::i_null;
  db.sql() << "SELECT number FROM crls WHERE issuer = :i AND delta_base = 0 ORDER BY number DESC LIMIT 1 OFFSET :o",
      soci::use(issuer), soci::use(offset), soci::into(number, ind);
  return ind == soci::i_ok ? number : 0;
}

}  // namespace

RetentionPolicy RetentionPolicy::from(const Config& config) {
  RetentionPolicy p;
  p.outbox_days = config.integer("retention.outbox_days");
  p.full_crls = config.integer("retention.full_crls");
  for (const char* key : {"retention.outbox_days", "retention.full_crls", "retention.every_hours"})
    if (config.integer(key) < 1) throw UserError("retention.bad_setting", {{"key", key}});
  return p;
}

Purged purge_due(Database& db, const RetentionPolicy& policy, std::int64_t now) {
  Purged due;
  long long cutoff = now - policy.outbox_days * 86400, n = 0;
  db.sql() << "SELECT COUNT(*) FROM outbox " + kOutboxDue, soci::use(cutoff), soci::into(n);
  due.outbox_bodies = n;
  for (const auto& issuer : crl_issuers(db)) {
    long long below = oldest_kept(db, issuer, policy.full_crls), count = 0;
    if (below == 0) continue;
    db.sql() << "SELECT COUNT(*) FROM crls WHERE issuer = :i AND number < :n", soci::use(issuer), soci::use(below),
        soci::into(count);
    due.crls += count;
  }
  return due;
}

Purged purge(Ledger& ledger, const RetentionPolicy& policy, std::int64_t now) {
  Purged done;
  auto& db = ledger.database();
  ledger.write([&] {
    done = Purged{};
    long long cutoff = now - policy.outbox_days * 86400;
    soci::statement blank = (db.sql().prepare << "UPDATE outbox SET body = '' " + kOutboxDue,
                             soci::use(cutoff));
    blank.execute(true);
    done.outbox_bodies = blank.get_affected_rows();
    for (const auto& issuer : crl_issuers(db)) {
      long long below = oldest_kept(db, issuer, policy.full_crls);
      if (below == 0) continue;
      soci::statement drop = (db.sql().prepare << "DELETE FROM crls WHERE issuer = :i AND number < :n",
                              soci::use(issuer), soci::use(below));
      drop.execute(true);
      done.crls += drop.get_affected_rows();
    }
    if (done.any())
      ledger.record("retention.purged", "database",
                    "{\"outbox_bodies\":" + std::to_string(done.outbox_bodies) + ",\"crls\":" +
                        std::to_string(done.crls) + ",\"outbox_days\":" + std::to_string(policy.outbox_days) +
                        ",\"full_crls\":" + std::to_string(policy.full_crls) + "}");
  });
  if (done.any()) {
    ledger.checkpoint();
    db.truncate_wal();
  }
  return done;
}

}  // namespace tugra::store
