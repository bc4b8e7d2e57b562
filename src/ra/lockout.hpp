// Failed guesses at a secret, counted per scope ("apply:TCKN",
// "officer:NAME", "holder:TCKN") in the database, so a lock-out survives
// restarts and holds across portal processes. Every failure is an audit
// record.
#pragma once

#include <cstdint>
#include <string>

#include "store/portal_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

class Lockout {
 public:
  // After `limit` failures the scope is locked for `lock_seconds`; 0 locks
  // it until an operator clears it.
  Lockout(store::Ledger& ledger, int limit, std::int64_t lock_seconds)
      : ledger_(ledger), limit_(limit), lock_seconds_(lock_seconds) {}

  bool locked(const std::string& scope);
  // Counts a failure and audits it as `event` about `subject`; true when
  // this failure locked the scope.
  bool fail(const std::string& scope, const std::string& event, const std::string& subject,
            const std::string& actor);
  // A success forgets earlier failures.
  void clear(const std::string& scope);

  // For secrets that must not be guessed in parallel: the attempt is counted
  // before the secret is checked, in one transaction, so attempts made at
  // once cannot get past the limit. false when the scope is locked (check
  // nothing). Then failed() audits a wrong secret (true when now locked),
  // or clear() forgets the count after a right one.
  bool begin(const std::string& scope);
  bool failed(const std::string& scope, const std::string& event, const std::string& subject,
              const std::string& actor);
  // The attempt was never checked (the server was too busy to hash): its
  // provisional count is taken back, and a lock it set with it.
  void cancel(const std::string& scope);
  int failures(const std::string& scope);

 private:
  store::FailureCount current(store::FailureRepository& repo, const std::string& scope);
  bool count_one(store::FailureCount& c);

  store::Ledger& ledger_;
  int limit_;
  std::int64_t lock_seconds_;
};

}  // namespace tugra::ra
