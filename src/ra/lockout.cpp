#include "ra/lockout.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "store/ledger.hpp"
#include "common/clock.hpp"
#include "store/portal_records.hpp"

namespace tugra::ra {

bool Lockout::locked(const std::string& scope) {
  auto c = store::FailureRepository(ledger_.database()).get(scope);
  return c.locked_until > now_seconds();
}

int Lockout::failures(const std::string& scope) {
  return store::FailureRepository(ledger_.database()).get(scope).failures;
}

// The scope's count as it stands now: an expired lock starts afresh.
store::FailureCount Lockout::current(store::FailureRepository& repo, const std::string& scope) {
  auto c = repo.get(scope);
  if (c.locked_until != 0 && c.locked_until <= now_seconds()) c = {};
  return c;
}

// One more failure; locks the scope when it reaches the limit. True when this one locked it.
bool Lockout::count_one(store::FailureCount& c) {
  ++c.failures;
  if (c.failures < limit_ || c.locked_until != 0) return false;
  c.locked_until = lock_seconds_ > 0 ? now_seconds() + lock_seconds_ : std::numeric_limits<std::int64_t>::max();
  return true;
}

bool Lockout::fail(const std::string& scope, const std::string& event, const std::string& subject,
                   const std::string& actor) {
  bool now_locked = false;
  ledger_.write([&] {
    store::FailureRepository repo(ledger_.database());
    auto c = current(repo, scope);
    now_locked = count_one(c);
    repo.put(scope, c);
    ledger_.record(event, subject, nlohmann::json{{"failures", c.failures}, {"locked", c.locked_until != 0}}.dump(),
               actor);
  });
  ledger_.checkpoint();
  return now_locked;
}

bool Lockout::begin(const std::string& scope) {
  bool allowed = false;
  ledger_.write([&] {
    store::FailureRepository repo(ledger_.database());
    auto c = current(repo, scope);
    if (c.locked_until != 0) return;
    count_one(c);  // provisional: clear() forgets it when the secret was right, cancel() when unchecked
    repo.put(scope, c);
    allowed = true;
  });
  return allowed;
}

bool Lockout::failed(const std::string& scope, const std::string& event, const std::string& subject,
                     const std::string& actor) {
  bool locked = false;
  ledger_.write([&] {
    auto c = store::FailureRepository(ledger_.database()).get(scope);
    locked = c.locked_until != 0;
    ledger_.record(event, subject, nlohmann::json{{"failures", c.failures}, {"locked", locked}}.dump(), actor);
  });
  ledger_.checkpoint();
  return locked;
}

void Lockout::cancel(const std::string& scope) {
  ledger_.write([&] {
    store::FailureRepository repo(ledger_.database());
    auto c = repo.get(scope);
    if (c.failures == 0) return;
    if (c.failures-- >= limit_ && c.failures < limit_) c.locked_until = 0;
    repo.put(scope, c);
  });
}

void Lockout::clear(const std::string& scope) {
  store::FailureRepository repo(ledger_.database());
  if (repo.get(scope).failures == 0) return;
  ledger_.write([&] { repo.clear(scope); });
}

}  // namespace tugra::ra
